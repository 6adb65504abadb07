{#
    The one input of every engagement metric: one row per user, attributed account (null
    when none) and reporting day with at least one activity event (docs/reference.md section 5), with the
    number of those events.

    Incremental: a run recomputes the (user, day) cells of the events int_incremental__changes
    lists and this model has not applied yet (macro changed_user_days): the cell each event
    was in before (its user or day may have changed) and the cell it is in now, every account
    of them. A late event on an old day so rewrites its user's rows of that day, not the
    whole day. Rows of deleted users and opted-out accounts are removed by the post-hook,
    like in fct_events. Where days are rewritten whole (Spark: rewrites_day_partitions), the
    table is partitioned by date_day and a run writes every row of each day holding a changed
    cell or a removed row (the other rows of the day read back from the table), the removed
    rows left out by the select itself.
#}

-- Read only by incremental runs: depends_on: {{ ref('int_incremental__changes') }}

{#-
    The pre-hook empties the changed cells first (rows of accounts the user no longer has
    events of on that day go too); the run then appends the cells' new rows.
#}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    incremental_strategy=product_analytics.day_strategy("append"),
    partition_by=product_analytics.day_partitions("date_day"),
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    pre_hook="{% if is_incremental() and not product_analytics.rewrites_day_partitions() %}{{ product_analytics.delete_changed_user_days(this, 'activity_days') }}{% endif %}",
    post_hook=[
        "{{ product_analytics.delete_removed_users_and_accounts(this) }}",
        "{{ product_analytics.drop_emptied_days(this, 'date_day', product_analytics.rewritten_days('activity_days', this, 'date_day')) }}",
        "{{ product_analytics.mark_changes_applied('activity_days') }}",
    ],
) }}

{%- set rewrites_days = product_analytics.rewrites_day_partitions() %}

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

{%- if rewrites_days and is_incremental() %},

-- Days are rewritten whole (Spark): the recomputed cells, and the other rows each rewritten
-- day already holds.
rewritten_days as (
    {{ product_analytics.rewritten_days('activity_days', this, 'date_day') | indent(4) }}
),

{%- set not_recomputed %}not exists (
            select 1
            from changed_user_days
            where
                changed_user_days.user_id = previous.user_id
                and changed_user_days.date_day = previous.date_day
        ){% endset %}

kept_rows as (
    {{ product_analytics.previous_rows_of_rewritten_days(
        this,
        ["user_id", "account_id", "date_day", "activity_events", "last_received_at"],
        "date_day",
        "select rewritten_days.date_day from rewritten_days",
        not_recomputed,
    ) }}
),

day_rows as (
    select * from activity_days
    union all
    select * from kept_rows
)

select * from day_rows
where {{ product_analytics.removed_rows_kept_out() }}
{%- elif rewrites_days %}

select * from activity_days
where {{ product_analytics.removed_rows_kept_out() }}
{%- else %}

select * from activity_days
{%- endif %}
