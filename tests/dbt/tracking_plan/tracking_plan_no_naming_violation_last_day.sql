{#
    Tracking-plan test (severity from `tracking_plan_test_severity`): no event sent on the last
    day of data breaks `event_naming_convention`, or carries a property breaking
    `property_naming_convention`; no planned event name breaks the event convention.
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
    (violations.violation = 'naming_convention' or violations.violation like 'property_naming_convention:%')
    and violations.event_date = (select max(reporting_days.last_day_of_data) from {{ ref('int_engagement__reporting_days') }} as reporting_days)

union all

select
    events.event_name,
    cast(null as {{ dbt.type_string() }}) as source_schema,
    cast('naming_convention' as {{ dbt.type_string() }}) as violation,
    0 as violating_events,
    cast(null as {{ dbt.type_string() }}) as example_message_id
from {{ ref('dq_tracking_plan__events') }} as events
where events.is_planned and not events.follows_naming_convention
