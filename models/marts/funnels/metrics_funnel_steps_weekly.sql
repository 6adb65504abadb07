{#
    metrics_funnel_steps per cohort week, the reporting week (starting on `week_start`) of
    step_1_at: per configured funnel, entity type, week in which at least one entity reached
    step 1, and step, the entities of that week's cohort reaching the step (every configured
    step has a row, zeros included), conversion from the previous step and from step 1, and
    the interpolated median of the seconds from the previous step. The grid is every
    configured step of every cohort week; the counts and rates over it are
    funnel_step_metrics (macros/funnels/step_metrics.sql), shared with metrics_funnel_steps.
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

final as (
    {{ product_analytics.funnel_step_metrics("cohort_steps", "reached_steps", ["funnel_name", "entity_type", "cohort_week"]) }}
)

select * from final
