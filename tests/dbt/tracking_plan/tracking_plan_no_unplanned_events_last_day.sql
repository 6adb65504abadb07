{#
    Tracking-plan test (severity from `tracking_plan_test_severity`): no event outside the plan
    was sent on the last day of data. Fails (or warns) with one row per event and schema.
#}
{{ config(severity=product_analytics.tracking_plan_test_severity(), tags=["tracking_plan"]) }}

select
    violations.event_name,
    violations.source_schema,
    violations.violating_events,
    violations.example_message_id
from {{ ref('dq_tracking_plan__violations_daily') }} as violations
where
    violations.violation = 'unplanned_event'
    and violations.event_date = (select max(reporting_days.last_day_of_data) from {{ ref('int_engagement__reporting_days') }} as reporting_days)
