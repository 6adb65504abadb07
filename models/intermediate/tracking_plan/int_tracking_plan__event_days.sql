{#
    The track events of fct_events per reporting day, event name and source schema: how many,
    when, and one message id. What the tracking-plan marts need of the events, whatever the
    plan says (so editing the plan never needs a rebuild of this table).

    Incremental: a run recomputes whole days: the days of the events int_incremental__changes
    lists and this model has not applied yet whose own values can have changed (macro
    restaged_days: re-read from staging, new to fct_events or gone from it; the day each was
    on before, it may have moved, and the day it is on now), emptied first. An event logged
    only because its user or account can change leaves this table as it is (it holds neither).
    Where days are rewritten whole (Spark: rewrites_day_partitions), the table is partitioned
    by event_date and the run's rows replace those days' partitions (insert_overwrite) instead
    of the pre-hook's delete; a day left with no row is dropped by the post-hook
    (drop_emptied_days). Rows of deleted users and opted-out accounts need no removal here:
    their events leave fct_events and are logged, so their days are recomputed.
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
    pre_hook="{% if is_incremental() and not product_analytics.rewrites_day_partitions() %}delete from {{ this }} where event_date in ({{ product_analytics.restaged_days('tracking_plan_event_days') }}){% endif %}",
    post_hook=[
        "{{ product_analytics.drop_emptied_days(this, 'event_date', product_analytics.restaged_days('tracking_plan_event_days')) }}",
        "{{ product_analytics.mark_changes_applied('tracking_plan_event_days') }}",
    ],
) }}

with

{% if is_incremental() %}

changed_days as (
    {{ product_analytics.restaged_days('tracking_plan_event_days') }}
),

{% endif %}

track_events as (
    select
        events.event_id,
        events.event_date,
        events.event_name,
        events.source_schema,
        events.event_at
    from {{ ref('fct_events') }} as events
    {%- if is_incremental() %}
    inner join changed_days
        on events.event_date = changed_days.date_day
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
        min(event_id) as first_message_id
    from track_events
    group by event_date, event_name, source_schema
)

select * from event_days
