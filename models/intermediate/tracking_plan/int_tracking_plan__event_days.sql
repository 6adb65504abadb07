{#
    The track events of fct_events per reporting day, event name and source schema: how many,
    when, and one message id. What the tracking-plan marts need of the events, whatever the
    plan says (so editing the plan never needs a rebuild of this table).

    Incremental: a run recomputes whole days, namely every day holding an event that
    fct_events recomputes (new calls and earlier events whose existence can have changed:
    deletions, opt-outs), as int_engagement__activity_days does.
#}

-- Read only by incremental runs: {{ product_analytics.events_to_reprocess_dependencies() }}

{{ config(
    materialized="incremental",
    unique_key="event_date",
    incremental_strategy="delete+insert",
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
) }}

with

{% if is_incremental() %}

{{ product_analytics.event_resolution_inputs() }},

-- The newest event this table has seen marks the last run.
{{ product_analytics.events_to_reprocess(product_analytics.incremental_cutoff(column="last_received_at")) }},

changed_days as (
    select distinct event_date from events_to_process
),

{% endif %}

track_events as (
    select
        events.event_id,
        events.event_date,
        events.event_name,
        events.source_schema,
        events.event_at,
        events.received_at
    from {{ ref('fct_events') }} as events
    {%- if is_incremental() %}
    inner join changed_days
        on events.event_date = changed_days.event_date
    {%- endif %}
    where events.event_type = 'track'
),

event_days as (
    select
        event_date,
        event_name,
        source_schema,
        count(*) as events,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        min(event_id) as first_message_id,
        max(received_at) as last_received_at
    from track_events
    group by event_date, event_name, source_schema
)

select * from event_days
