{#
    metrics_funnel_steps per reporting week of step_1_at (weeks start on `week_start`), for
    the weeks in which at least one entity started the funnel.
#}

-- depends_on: {{ ref('stg_tracking_plan__events') }}

{{ product_analytics.funnel_step_metrics(by_week=true) }}
