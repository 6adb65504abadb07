{#
    Funnel step counts (docs/reference.md section 7): per configured funnel, entity type and step, the
    entities reaching the step (furthest_step >= k; every configured step has a row, zeros
    included), conversion from the previous step and from step 1, and the interpolated
    median of the seconds from the previous step. The grid is every configured step; the
    counts and rates over it are funnel_step_metrics (macros/funnels/step_metrics.sql), shared
    with metrics_funnel_steps_weekly.
#}

{%- set funnels = product_analytics.config_funnels() %}

with

configured_steps as (
    {{ product_analytics.funnel_configured_steps(funnels) }}
),

reached_steps as (
    select * from {{ ref('int_funnel_steps__reached') }}
),

final as (
    {{ product_analytics.funnel_step_metrics("configured_steps", "reached_steps", ["funnel_name", "entity_type"]) }}
)

select * from final
