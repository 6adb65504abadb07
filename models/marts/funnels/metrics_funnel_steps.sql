{#
    Funnel step counts (docs/reference.md section 7): per configured funnel, entity type and step, the
    entities reaching the step (furthest_step >= k; every configured step has a row, zeros
    included), conversion from the previous step and from step 1, and the interpolated
    median of the seconds from the previous step.
#}

{%- set funnels = product_analytics.config_funnels() %}

with

configured_steps as (
    {{ product_analytics.funnel_configured_steps(funnels) }}
),

reached_steps as (
    select * from {{ ref('int_funnel_steps__reached') }}
),

step_counts as (
    select
        funnel_name,
        entity_type,
        step_number,
        count(*) as entities,
        {{ product_analytics.percentile_cont("seconds_from_previous", 0.5) }} as median_seconds_from_previous
    from reached_steps
    group by funnel_name, entity_type, step_number
),

-- Every configured step, reached by some entity or not.
counted as (
    select
        configured_steps.funnel_name,
        configured_steps.entity_type,
        configured_steps.step_number,
        configured_steps.step_name,
        coalesce(step_counts.entities, 0) as entities,
        step_counts.median_seconds_from_previous
    from configured_steps
    left join step_counts
        on
            configured_steps.funnel_name = step_counts.funnel_name
            and configured_steps.entity_type = step_counts.entity_type
            and configured_steps.step_number = step_counts.step_number
),

final as (
    select
        funnel_name,
        entity_type,
        step_number,
        step_name,
        cast(entities as {{ dbt.type_bigint() }}) as entities,
        cast(entities as double precision) / nullif(
            lag(entities) over (partition by funnel_name, entity_type order by step_number), 0
        ) as conversion_from_previous,
        cast(entities as double precision) / nullif(
            first_value(entities) over (partition by funnel_name, entity_type order by step_number), 0
        ) as conversion_from_start,
        case when step_number > 1 then median_seconds_from_previous end as median_seconds_from_previous
    from counted
)

select * from final
