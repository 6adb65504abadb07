{#
    One row per deduplicated track, page and screen call (docs/reference.md sections 3-5, 7), with the
    resolved user, the attributed account and whether it counts as activity.

    - user_id: the call's own user id through aliases; for an anonymous call, the user its
      anonymous id was first linked to; null for anonymous ids never linked.
    - account_id: the call's context_group_id; else the account of the user's latest group
      call at or before the event; else of the user's earliest group call; else null.
    - Events of deleted users and events attributed to opted-out accounts are removed by the
      post-hook, after attribution (they are not re-attributed elsewhere).

    Incremental: a run recomputes the events int_incremental__changes lists and fct_events
    has not applied yet (new calls, and every earlier event whose user, account or existence
    can have changed; see that model), and marks them applied. Late identifies, aliases,
    group calls, opt-outs and deletions so take effect without a full refresh. Changing the
    tracking plan's `counts_as_activity`, the reporting time zone, or removing a user from
    the deletion list needs a full refresh (allow_full_refresh). Where days are rewritten
    whole (Spark: rewrites_day_partitions), the model builds `intermediate.fct_events__by_day`,
    partitioned by event_date, and the mart is a view over it with the yml's column order
    (day_partitioned_mart_config); a run writes every row of each day an event it recomputes
    leaves or lands on or that holds a removed row (the other rows of the day read back
    from the table), the removed rows left out by the select itself.
#}

{%- set overrides = product_analytics.activity_overrides() %}
{%- for variable, names in [("activity_events", overrides["activity"]), ("non_activity_events", overrides["not_activity"])] %}
{%- do product_analytics.warn_unplanned_events(
    names,
    "'{}' in " ~ variable,
    "it decides fct_events.is_activity only for events named exactly that. Event names are case-sensitive: check the variable."
) %}
{%- endfor %}

-- Read only by incremental runs: depends_on: {{ ref('int_incremental__changes') }}

{%- set rewrites_days = product_analytics.rewrites_day_partitions() %}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    unique_key=none if rewrites_days else "event_id",
    incremental_strategy=product_analytics.day_strategy("delete+insert"),
    partition_by=product_analytics.day_partitions("event_date"),
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    post_hook=[
        "{{ product_analytics.delete_removed_users_and_accounts(this) }}",
        "{{ product_analytics.drop_emptied_days(this, 'event_date', product_analytics.rewritten_days('fct_events', this, 'event_date', product_analytics.logged_days('fct_events'))) }}",
        "{{ product_analytics.mark_changes_applied('fct_events') }}",
        "{{ product_analytics.mart_view_over_day_partitions(this) }}",
    ],
    **product_analytics.day_partitioned_mart_config("fct_events")
) }}

with

staged_events as (
    {{ product_analytics.staged_events() }}
),

aliases as (
    select * from {{ ref('int_identity__aliases_resolved') }}
),

anonymous_users as (
    select * from {{ ref('int_identity__anonymous_users') }}
),

group_calls as (
    select * from {{ ref('int_accounts__group_calls') }}
    where user_id is not null
),

tracking_plan as (
    select * from {{ ref('stg_tracking_plan__events') }}
),

events_to_process as (
    select * from staged_events
    {%- if is_incremental() %}
    where event_id in ({{ product_analytics.changed_event_ids('fct_events') }})
    {%- endif %}
),

resolved_events as (
    select
        events_to_process.*,
        {{ product_analytics.resolved_user_id("events_to_process", user_column="sent_user_id") }} as user_id
    from events_to_process
    left join aliases
        on events_to_process.sent_user_id = aliases.alias_id
    left join anonymous_users
        on
            events_to_process.sent_user_id is null
            and events_to_process.anonymous_id = anonymous_users.anonymous_id
),

-- Account attribution by the user's group calls, for events without context_group_id:
-- one timeline per user of group calls and events; at equal times the group call comes
-- first ("at or before"). Each group call starts a segment of the timeline; the events of
-- a segment belong to that call's account.
events_needing_account as (
    select
        event_id,
        user_id,
        event_at,
        received_at
    from resolved_events
    where context_group_id is null and user_id is not null
),

user_timelines as (
    select
        user_id,
        event_at,
        1 as row_kind,
        received_at,
        event_id as row_id,
        cast(null as {{ dbt.type_string() }}) as account_id
    from events_needing_account

    union all

    select
        user_id,
        event_at,
        0 as row_kind,
        received_at,
        message_id as row_id,
        account_id
    from group_calls
    where user_id in (select events_needing_account.user_id from events_needing_account)
),

timeline_segments as (
    select
        user_timelines.*,
        count(user_timelines.account_id) over (
            partition by user_timelines.user_id
            order by user_timelines.event_at, user_timelines.row_kind, user_timelines.received_at, user_timelines.row_id
            rows between unbounded preceding and current row
        ) as group_calls_so_far
    from user_timelines
),

latest_group_accounts as (
    select
        row_id as event_id,
        max(account_id) over (partition by user_id, group_calls_so_far) as account_id
    from timeline_segments
),

first_group_accounts as (
    select
        user_id,
        account_id
    from (
        select
            user_id,
            account_id,
            row_number() over (
                partition by user_id
                order by event_at, received_at, message_id
            ) as call_rank
        from group_calls
    ) as ranked_calls
    where call_rank = 1
),

final as (
    select
        resolved_events.event_id,
        resolved_events.event_at,
        resolved_events.event_date,
        resolved_events.received_at,
        resolved_events.event_name,
        resolved_events.event_type,
        resolved_events.page_name,
        resolved_events.user_id,
        resolved_events.anonymous_id,
        coalesce(
            resolved_events.context_group_id,
            latest_group_accounts.account_id,
            first_group_accounts.account_id
        ) as account_id,
        case
            when resolved_events.user_id is null then false
            {%- if overrides["not_activity"] %}
            when resolved_events.event_name in ('{{ overrides["not_activity"] | join("', '") }}') then false
            {%- endif %}
            {%- if overrides["activity"] %}
            when resolved_events.event_name in ('{{ overrides["activity"] | join("', '") }}') then true
            {%- endif %}
            when resolved_events.event_type = 'track' then coalesce(tracking_plan.counts_as_activity, true)
            else true
        end as is_activity,
        resolved_events.is_event_at_adjusted,
        resolved_events.source_schema
    from resolved_events
    left join latest_group_accounts
        on resolved_events.event_id = latest_group_accounts.event_id
    left join first_group_accounts
        on
            resolved_events.context_group_id is null
            and resolved_events.user_id = first_group_accounts.user_id
    left join tracking_plan
        on
            resolved_events.event_type = 'track'
            and resolved_events.event_name = tracking_plan.event_name
)

{%- if rewrites_days and is_incremental() %},

-- Days are rewritten whole (Spark): the recomputed events, and the other events each
-- rewritten day already holds. A day is rewritten when a recomputed event leaves it (the
-- day logged), lands on it (its new row, unless the row is kept out: a deleted user's or
-- opted-out account's events re-read within the lookback land nowhere), or it holds rows
-- that must leave.
rewritten_days as (
    {{ product_analytics.rewritten_days('fct_events', this, 'event_date', product_analytics.logged_days('fct_events')) | indent(4) }}

    union

    select final.event_date as date_day
    from final
    where {{ product_analytics.removed_rows_kept_out() }}
),

kept_rows as (
    {{ product_analytics.previous_rows_of_rewritten_days(
        this,
        [
            "event_id", "event_at", "event_date", "received_at", "event_name", "event_type",
            "page_name", "user_id", "anonymous_id", "account_id", "is_activity",
            "is_event_at_adjusted", "source_schema",
        ],
        "event_date",
        "select rewritten_days.date_day from rewritten_days",
        "previous.event_id not in (" ~ product_analytics.changed_event_ids('fct_events') ~ ")",
    ) }}
),

day_rows as (
    select * from final
    union all
    select * from kept_rows
)

select * from day_rows
where {{ product_analytics.removed_rows_kept_out() }}
{%- elif rewrites_days %}

select * from final
where {{ product_analytics.removed_rows_kept_out() }}
{%- else %}

select * from final
{%- endif %}
