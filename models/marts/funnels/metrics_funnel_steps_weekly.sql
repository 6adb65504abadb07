{#
    metrics_funnel_steps per cohort week, the reporting week (starting on `week_start`) of
    step_1_at: per configured funnel, entity type, week in which at least one entity reached
    step 1, and step, the entities of that week's cohort reaching the step (every configured
    step has a row, zeros included), conversion from the previous step and from step 1, and
    the interpolated median of the seconds from the previous step.
#}

{%- set funnels = product_analytics.config_funnels() %}

with

configured_steps as (
    {{ product_analytics.funnel_configured_steps(funnels) }}
),

reached_steps as (
    select * from {{ ref('int_funnel_steps__reached') }}
),

cohort_weeks as (
    select distinct
        funnel_name,
        entity_type,
        cohort_week
    from reached_steps
    where step_number = 1
),

-- Every configured step of every week with a cohort, reached by some entity or not.
cohort_steps as (
    select
        configured_steps.funnel_name,
        configured_steps.entity_type,
        cohort_weeks.cohort_week,
        configured_steps.step_number,
        configured_steps.step_name
    from configured_steps
    inner join cohort_weeks
        on
            configured_steps.funnel_name = cohort_weeks.funnel_name
            and configured_steps.entity_type = cohort_weeks.entity_type
),

step_counts as (
    select
        funnel_name,
        entity_type,
        cohort_week,
        step_number,
        count(*) as entities,
        {{ product_analytics.percentile_cont("seconds_from_previous", 0.5) }} as median_seconds_from_previous
    from reached_steps
    group by funnel_name, entity_type, cohort_week, step_number
),

counted as (
    select
        cohort_steps.funnel_name,
        cohort_steps.entity_type,
        cohort_steps.cohort_week,
        cohort_steps.step_number,
        cohort_steps.step_name,
        coalesce(step_counts.entities, 0) as entities,
        step_counts.median_seconds_from_previous
    from cohort_steps
    left join step_counts
        on
            cohort_steps.funnel_name = step_counts.funnel_name
            and cohort_steps.entity_type = step_counts.entity_type
            and cohort_steps.cohort_week = step_counts.cohort_week
            and cohort_steps.step_number = step_counts.step_number
),

final as (
    select
        funnel_name,
        entity_type,
        cohort_week,
        step_number,
        step_name,
        cast(entities as {{ dbt.type_bigint() }}) as entities,
        cast(entities as double precision) / nullif(
            lag(entities) over (partition by funnel_name, entity_type, cohort_week order by step_number), 0
        ) as conversion_from_previous,
        cast(entities as double precision) / nullif(
            first_value(entities) over (partition by funnel_name, entity_type, cohort_week order by step_number), 0
        ) as conversion_from_start,
        case when step_number > 1 then median_seconds_from_previous end as median_seconds_from_previous
    from counted
)

select * from final
