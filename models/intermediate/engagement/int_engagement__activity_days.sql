{#
    The one input of every engagement metric: one row per user, attributed account (null
    when none) and reporting day with at least one activity event (docs/reference.md section 5), with the
    number of those events.

    Incremental: a run recomputes whole days, those of the events int_incremental__changes
    lists and this model has not applied yet: the day each event was on before (it may have
    moved) and the day it is on now. Rows of deleted users and opted-out accounts are removed
    by the post-hook, like in fct_events.
#}

-- Read only by incremental runs: depends_on: {{ ref('int_incremental__changes') }}

{#- The pre-hook empties the changed days first: rows of users and accounts no longer on them go too. #}

{{ config(
    materialized=product_analytics.incremental_materialization(),
    unique_key="date_day",
    incremental_strategy="delete+insert",
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    pre_hook="{% if is_incremental() %}delete from {{ this }} where date_day in ({{ product_analytics.changed_days('activity_days') }}){% endif %}",
    post_hook=[
        "{{ product_analytics.delete_removed_users_and_accounts(this) }}",
        "{{ product_analytics.mark_changes_applied('activity_days') }}",
    ],
) }}

with

events as (
    select * from {{ ref('fct_events') }}
),

{% if is_incremental() %}

changed_days as (
    {{ product_analytics.changed_days('activity_days') }}
),

{% endif %}

activity_days as (
    select
        events.user_id,
        events.account_id,
        events.event_date as date_day,
        count(*) as activity_events,
        max(events.received_at) as last_received_at
    from events
    {%- if is_incremental() %}
    inner join changed_days
        on events.event_date = changed_days.date_day
    {%- endif %}
    where events.is_activity
    group by events.user_id, events.account_id, events.event_date
)

select * from activity_days
