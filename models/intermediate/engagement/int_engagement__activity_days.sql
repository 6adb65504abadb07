{#
    The one input of every engagement metric: one row per user, attributed account (null
    when none) and reporting day with at least one activity event (docs/reference.md section 5), with the
    number of those events.

    Incremental: a run recomputes the (user, day) cells of the events int_incremental__changes
    lists and this model has not applied yet (macro changed_user_days): the cell each event
    was in before (its user or day may have changed) and the cell it is in now, every account
    of them. A late event on an old day so rewrites its user's rows of that day, not the
    whole day. Rows of deleted users and opted-out accounts are removed by the post-hook,
    like in fct_events.
#}

-- Read only by incremental runs: depends_on: {{ ref('int_incremental__changes') }}

{#-
    The pre-hook empties the changed cells first (rows of accounts the user no longer has
    events of on that day go too); the run then appends the cells' new rows.
#}

{{ config(
    materialized=product_analytics.incremental_materialization(),
    incremental_strategy="append",
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    pre_hook="{% if is_incremental() %}{{ product_analytics.delete_changed_user_days(this, 'activity_days') }}{% endif %}",
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

changed_user_days as (
    {{ product_analytics.changed_user_days('activity_days') }}
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
    inner join changed_user_days
        on
            events.user_id = changed_user_days.user_id
            and events.event_date = changed_user_days.date_day
    {%- endif %}
    where events.is_activity
    group by events.user_id, events.account_id, events.event_date
)

select * from activity_days
