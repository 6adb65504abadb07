{#
    Funnel step counts (docs/reference.md section 7): per configured funnel, entity type and step, the
    entities reaching the step (furthest_step >= k; every configured step has a row, zeros
    included), conversion from the previous step and from step 1, and the interpolated
    median of the seconds from the previous step.
#}

-- depends_on: {{ ref('stg_tracking_plan__events') }}

{{ product_analytics.funnel_step_metrics(by_week=false) }}
