{#
    The properties sent with the track events of fct_events, per reporting day, event name,
    source schema and property (a column of a per-event table, base_segment__event_properties):
    how many of those events carry a value, one that does and one that does not. A value is
    carried when some per-event row of the message (any schema) has it not null and not empty
    after trimming. Only properties carried by at least one event of the day, name and schema
    have a row; for any other property every event lacks it.

    Incremental like int_tracking_plan__event_days: whole days, those of restaged_days
    (Spark: partitioned by event_date, the days' partitions rewritten).
#}

-- Read only by incremental runs: depends_on: {{ ref('int_incremental__changes') }}

{#- The pre-hook empties the changed days first: rows of events no longer on them go too. #}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    unique_key="event_date",
    incremental_strategy=product_analytics.day_strategy("delete+insert"),
    partition_by=product_analytics.day_partitions("event_date"),
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    pre_hook="{% if is_incremental() and not product_analytics.rewrites_day_partitions() %}delete from {{ this }} where event_date in ({{ product_analytics.restaged_days('tracking_plan_property_days') }}){% endif %}",
    post_hook=[
        "{{ product_analytics.drop_emptied_days(this, 'event_date', product_analytics.restaged_days('tracking_plan_property_days')) }}",
        "{{ product_analytics.mark_changes_applied('tracking_plan_property_days') }}",
    ],
) }}

with

{% if is_incremental() %}

changed_days as (
    {{ product_analytics.restaged_days('tracking_plan_property_days') }}
),

{% endif %}

track_events as (
    select
        events.event_id,
        events.event_date,
        events.event_name,
        events.source_schema
    from {{ ref('fct_events') }} as events
    {%- if is_incremental() %}
    inner join changed_days
        on events.event_date = changed_days.date_day
    {%- endif %}
    where events.event_type = 'track'
),

property_rows as (
    select * from {{ ref('base_segment__event_properties') }}
),

-- One row per event and property it was sent with (a column of one of its per-event rows).
event_properties as (
    select
        track_events.event_id,
        track_events.event_date,
        track_events.event_name,
        track_events.source_schema,
        property_rows.property_name,
        max(
            case
                when {{ product_analytics.trim_whitespace('property_rows.property_value') }} <> '' then 1
                else 0
            end
        ) as has_value
    from track_events
    inner join property_rows
        on track_events.event_id = property_rows.message_id
    group by
        track_events.event_id,
        track_events.event_date,
        track_events.event_name,
        track_events.source_schema,
        property_rows.property_name
),

carried_properties as (
    select
        event_date,
        event_name,
        source_schema,
        property_name,
        cast(sum(has_value) as {{ dbt.type_bigint() }}) as events_with_value,
        min(case when has_value = 1 then event_id end) as first_message_id_with_value
    from event_properties
    group by event_date, event_name, source_schema, property_name
    having sum(has_value) > 0
),

-- The first event of each day, name and schema without a value of a carried property.
first_without_value as (
    select
        carried_properties.event_date,
        carried_properties.event_name,
        carried_properties.source_schema,
        carried_properties.property_name,
        min(track_events.event_id) as first_message_id_without_value
    from carried_properties
    inner join track_events
        on
            carried_properties.event_date = track_events.event_date
            and carried_properties.event_name = track_events.event_name
            and carried_properties.source_schema = track_events.source_schema
    left join event_properties
        on
            track_events.event_id = event_properties.event_id
            and carried_properties.property_name = event_properties.property_name
            and event_properties.has_value = 1
    where event_properties.event_id is null
    group by
        carried_properties.event_date,
        carried_properties.event_name,
        carried_properties.source_schema,
        carried_properties.property_name
),

final as (
    select
        carried_properties.event_date,
        carried_properties.event_name,
        carried_properties.source_schema,
        carried_properties.property_name,
        carried_properties.events_with_value,
        carried_properties.first_message_id_with_value,
        first_without_value.first_message_id_without_value
    from carried_properties
    left join first_without_value
        on
            carried_properties.event_date = first_without_value.event_date
            and carried_properties.event_name = first_without_value.event_name
            and carried_properties.source_schema = first_without_value.source_schema
            and carried_properties.property_name = first_without_value.property_name
)

select * from final
