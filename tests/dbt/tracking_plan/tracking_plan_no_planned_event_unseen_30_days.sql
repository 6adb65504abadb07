{#
    Tracking-plan test (severity from `tracking_plan_test_severity`): every planned event was
    sent in the last 30 days of data. One row per planned event never seen or not seen since.
#}
{{ config(severity=product_analytics.tracking_plan_test_severity(), tags=["tracking_plan"]) }}

select
    events.event_name,
    events.status,
    events.last_seen_at
from {{ ref('dq_tracking_plan__events') }} as events
where events.status in ('planned_never_seen', 'planned_not_seen_last_30d')
