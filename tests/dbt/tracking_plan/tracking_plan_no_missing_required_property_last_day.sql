{#
    Tracking-plan test (severity from `tracking_plan_test_severity`): no event sent on the last
    day of data lacks a property the plan requires. One row per event, schema and property.
#}
{{ config(severity=product_analytics.tracking_plan_test_severity(), tags=["tracking_plan"]) }}

select
    violations.event_name,
    violations.source_schema,
    violations.violation,
    violations.violating_events,
    violations.example_message_id
from {{ ref('dq_tracking_plan__violations_daily') }} as violations
where
    violations.violation like 'missing_required_property:%'
    and violations.event_date = (select max(reporting_days.last_day_of_data) from {{ ref('int_engagement__reporting_days') }} as reporting_days)
