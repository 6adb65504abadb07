{#
    Tracking-plan violations (docs/reference.md section 6), per reporting day, event name, source schema
    and violation:
    - `unplanned_event`: the event is not in the plan (every occurrence violates);
    - `naming_convention`: its name breaks `event_naming_convention` (every occurrence);
    - `missing_required_property:<name>`: the plan requires the property and the event's
      per-event rows carry no value for it (no such column, null, or empty after trimming),
      which is every occurrence when no per-event table has the property or the table is absent;
    - `property_naming_convention:<name>`: occurrences sent with a property (a per-event
      column) whose name breaks `property_naming_convention`.
    Only violations with at least one violating event have a row.

    Built from the daily aggregates int_tracking_plan__event_days and
    int_tracking_plan__event_property_days (incremental: the data is read once), with the
    plan and conventions applied on every run, so an edited plan takes effect at once.
    Required property names match per-event columns case-insensitively (engines fold
    unquoted names).
#}

with

tracking_plan as (
    select * from {{ ref('stg_tracking_plan__events') }}
),

event_days as (
    select * from {{ ref('int_tracking_plan__event_days') }}
),

event_property_days as (
    select * from {{ ref('int_tracking_plan__event_property_days') }}
),

required_properties as (
    select * from {{ ref('int_tracking_plan__required_properties') }}
),

-- Carried properties by lower-case name (two columns differing only in case count once, by
-- the one carried most).
carried_properties as (
    select
        event_date,
        event_name,
        source_schema,
        lower(property_name) as property_key,
        max(events_with_value) as events_with_value,
        min(first_message_id_without_value) as first_message_id_without_value
    from event_property_days
    group by event_date, event_name, source_schema, lower(property_name)
),

unplanned_events as (
    select
        event_days.event_date,
        event_days.event_name,
        event_days.source_schema,
        cast('unplanned_event' as {{ dbt.type_string() }}) as violation,
        event_days.events as violating_events,
        event_days.events as total_events,
        event_days.first_message_id as example_message_id
    from event_days
    where
        not exists (
            select 1 from tracking_plan
            where tracking_plan.event_name = event_days.event_name
        )
),

misnamed_events as (
    select
        event_date,
        event_name,
        source_schema,
        cast('naming_convention' as {{ dbt.type_string() }}) as violation,
        events as violating_events,
        events as total_events,
        first_message_id as example_message_id
    from event_days
    where not {{ product_analytics.follows_event_naming_convention('event_name') }}
),

missing_properties as (
    select
        event_days.event_date,
        event_days.event_name,
        event_days.source_schema,
        {{ dbt.concat(["'missing_required_property:'", "required_properties.property_name"]) }} as violation,
        event_days.events - coalesce(carried_properties.events_with_value, 0) as violating_events,
        event_days.events as total_events,
        coalesce(carried_properties.first_message_id_without_value, event_days.first_message_id) as example_message_id
    from event_days
    inner join required_properties
        on event_days.event_name = required_properties.event_name
    left join carried_properties
        on
            event_days.event_date = carried_properties.event_date
            and event_days.event_name = carried_properties.event_name
            and event_days.source_schema = carried_properties.source_schema
            and lower(required_properties.property_name) = carried_properties.property_key
    where event_days.events > coalesce(carried_properties.events_with_value, 0)
),

misnamed_properties as (
    select
        event_days.event_date,
        event_days.event_name,
        event_days.source_schema,
        {{ dbt.concat(["'property_naming_convention:'", "event_property_days.property_name"]) }} as violation,
        event_property_days.events_with_value as violating_events,
        event_days.events as total_events,
        event_property_days.first_message_id_with_value as example_message_id
    from event_property_days
    inner join event_days
        on
            event_property_days.event_date = event_days.event_date
            and event_property_days.event_name = event_days.event_name
            and event_property_days.source_schema = event_days.source_schema
    where not {{ product_analytics.follows_property_naming_convention('event_property_days.property_name') }}
),

final as (
    select * from unplanned_events
    union all
    select * from misnamed_events
    union all
    select * from missing_properties
    union all
    select * from misnamed_properties
)

select * from final
