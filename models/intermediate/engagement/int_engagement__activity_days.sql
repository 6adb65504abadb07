{#
    The one input of every engagement metric: one row per user, attributed account (null
    when none) and reporting day with at least one activity event (docs/reference.md section 5), with the
    number of those events.

    Incremental: a run recomputes whole days, namely every day holding an event that
    fct_events recomputes (new calls and earlier events whose user, account or existence can
    have changed, the same set fct_events uses). Rows of deleted users and opted-out
    accounts are removed by the post-hook, like in fct_events.
#}

-- Read only by incremental runs: {{ product_analytics.events_to_reprocess_dependencies() }}

{{ config(
    materialized="incremental",
    unique_key="date_day",
    incremental_strategy="delete+insert",
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    post_hook="{{ product_analytics.delete_removed_users_and_accounts(this) }}",
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

activity_days as (
    select
        events.user_id,
        events.account_id,
        events.event_date as date_day,
        count(*) as activity_events,
        max(events.received_at) as last_received_at
    from {{ ref('fct_events') }} as events
    {%- if is_incremental() %}
    inner join changed_days
        on events.event_date = changed_days.event_date
    {%- endif %}
    where events.is_activity
    group by events.user_id, events.account_id, events.event_date
)

select * from activity_days
