{#
    Account health (docs/reference.md section 7): one row per account per day, from the account's first
    day (int_accounts__lifespans) to the last day of data, over the `health_window_days`
    days ending that day:
    - breadth: users with an activity event attributed to the account in the window /
      members whose first group call into it is on or before the day, capped at 1; 0
      without members.
    - frequency: min(1, mean active days of those users (days with an activity event
      attributed to the account) / health_frequency_target_days); 0 without active users.
    - adoption: distinct `feature` events of the tracking plan attributed to the account in
      the window / `feature` events in the plan; 0 when the plan has none.
    - momentum: activity events in the last health_momentum_window_days days / in the
      same number of days before those, capped at 1; 1 when only the recent days have any,
      0 when neither has.
    health_score = 100 x the weighted sum (health_weights), rounded to 4 decimal places;
    health_tier compares it with health_tier_thresholds (strictly above).

    Every windowed measure is a running sum of changes over the account's days: an active
    user enters the window on their day and leaves `window` days later, and so on. Changes
    before the first row computed are folded into it, so no dense history is needed.

    Incremental: a run recomputes each account from the first day the new data can change
    for it, and every account from the day after the last day reported. An account changes
    from the earliest day of an event fct_events recomputes that is attributed to it now, of
    a new group call into it, of the events and calls of a user of it (any of the user's
    group calls) whose events or memberships can have changed, or of the anonymous events a
    new first link of their anonymous id moves away from a user of it (any user ever linked
    to that id). Rows of accounts that no longer exist or days outside an account's span are
    removed by the post-hook. Changing the tracking plan's feature events or any health
    variable needs a full refresh (allow_full_refresh).
#}

{%- set health = product_analytics.config_health() %}
{%- set window_days = health.window_days %}
{%- set momentum_days = health.momentum_days %}
{#- Input days a computed day can read: the health window and the two momentum windows. -#}
{%- set lookback_days = [window_days, 2 * momentum_days] | max %}

-- Read only by incremental runs: {{ product_analytics.events_to_reprocess_dependencies() }}

{{ config(
    materialized="incremental",
    unique_key=["account_id", "date_day"],
    incremental_strategy="delete+insert",
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    post_hook="{{ product_analytics.delete_health_outside_account_lifespans(this) }}",
) }}

with

{% if is_incremental() %}

{{ product_analytics.event_resolution_inputs() }},

-- Rows received since the start of the last reported day (less the lookback, and two days
-- for time zones) include everything the previous run had not seen: no event is dated
-- after it was received (clock skew is clamped at staging).
{%- set cutoff = product_analytics.incremental_cutoff(
    column=dbt.dateadd("hour", -48, "cast(date_day as " ~ dbt.type_timestamp() ~ ")")
) %}
{{ product_analytics.events_to_reprocess(cutoff) }},

-- The first day each account can change: the days of the recomputed events attributed to it
-- now, for every account a user of it was in, the events and calls of that user that can
-- have changed (an event can leave one of them for another), and the anonymous events that
-- a new first link moves away from its earlier user.
changed_account_days as (
    -- The recomputed events received since the cutoff are the rows of fct_events received
    -- since then (a filter on received_at, not a join of every such event by id).
    select
        events.account_id,
        min(events.event_date) as changed_day
    from {{ ref('fct_events') }} as events
    where events.received_at >= {{ cutoff }} and events.account_id is not null
    group by events.account_id
    union all
    select
        events.account_id,
        min(events.event_date) as changed_day
    from {{ ref('fct_events') }} as events
    inner join events_to_process
        on events.event_id = events_to_process.event_id
    where events_to_process.received_at < {{ cutoff }} and events.account_id is not null
    group by events.account_id
    union all
    select
        group_calls.account_id,
        min({{ product_analytics.reporting_date("affected_users.affected_since") }}) as changed_day
    from group_calls
    inner join affected_users
        on group_calls.user_id = affected_users.user_id
    group by group_calls.account_id
    union all
    select
        new_group_calls.account_id,
        min({{ product_analytics.reporting_date("new_group_calls.event_at") }}) as changed_day
    from new_group_calls
    group by new_group_calls.account_id
    union all
    -- A new first link moves the anonymous id's events away from the user it was linked to
    -- before: the accounts of every user ever linked to it change from its first such event.
    select
        group_calls.account_id,
        min(moved_events.event_date) as changed_day
    from (
        select
            anonymous_id,
            min(event_date) as event_date
        from events_to_process
        where
            sent_user_id is null
            and anonymous_id in (select new_first_links.anonymous_id from new_first_links)
        group by anonymous_id
    ) as moved_events
    inner join relinked_users
        on moved_events.anonymous_id = relinked_users.anonymous_id
    inner join group_calls
        on relinked_users.user_id = group_calls.user_id
    group by group_calls.account_id
),

recompute_range as (
    select
        changed_account_days.account_id,
        min(changed_account_days.changed_day) as recompute_from
    from changed_account_days
    group by changed_account_days.account_id
),

-- Every account is computed from the day after the last day reported.
next_day as (
    select coalesce(
        {{ product_analytics.add_days("max(health.date_day)", 1) }},
        cast({{ product_analytics.all_time() }} as date)
    ) as next_day
    from {{ this }} as health
),

-- The first day computed per account: its first reported day, within the days this run
-- recomputes for it.
accounts as (
    select
        lifespans.account_id,
        greatest(
            lifespans.first_reported_day,
            coalesce(least(recompute_range.recompute_from, next_day.next_day), next_day.next_day)
        ) as first_computed_day
    from {{ ref('int_accounts__lifespans') }} as lifespans
    cross join next_day
    left join recompute_range
        on lifespans.account_id = recompute_range.account_id
),

{% else %}

accounts as (
    select
        account_id,
        first_reported_day as first_computed_day
    from {{ ref('int_accounts__lifespans') }}
),

{% endif %}

-- Input days a computed day reads: the `lookback_days` days ending it.
account_inputs as (
    select
        account_id,
        first_computed_day,
        {{ product_analytics.add_days("first_computed_day", -(lookback_days - 1)) }} as input_from
    from accounts
),

bounds as (
    select min(input_from) as input_from from account_inputs
),

reporting_days as (
    select date_day from {{ ref('int_engagement__reporting_days') }}
),

account_days as (
    select
        accounts.account_id,
        reporting_days.date_day
    from accounts
    inner join reporting_days
        on accounts.first_computed_day <= reporting_days.date_day
),

activity as (
    select
        activity_days.account_id,
        activity_days.user_id,
        activity_days.date_day,
        activity_days.activity_events
    from {{ ref('int_engagement__activity_days') }} as activity_days
    inner join account_inputs
        on
            activity_days.account_id = account_inputs.account_id
            and activity_days.date_day >= account_inputs.input_from
    cross join bounds
    where activity_days.date_day >= bounds.input_from
),

daily_activity as (
    select
        account_id,
        date_day,
        count(*) as active_users,
        sum(activity_events) as activity_events
    from activity
    group by account_id, date_day
),

plan_features as (
    select distinct event_name
    from {{ ref('stg_tracking_plan__events') }}
    where category = 'feature'
),

plan_size as (
    select count(*) as feature_count from plan_features
),

feature_days as (
    select distinct
        events.account_id,
        events.event_name,
        events.event_date as date_day
    from {{ ref('fct_events') }} as events
    inner join account_inputs
        on
            events.account_id = account_inputs.account_id
            and events.event_date >= account_inputs.input_from
    cross join bounds
    where
        events.event_type = 'track'
        and events.user_id is not null
        and events.event_date >= bounds.input_from
        and events.event_name in (select plan_features.event_name from plan_features)
),

-- Days after an active day on which its users and events enter (0) or leave a window.
window_offsets as (
    select
        0 as offset_days,
        1 as user_day_sign,
        1 as recent_sign,
        0 as previous_sign
    union all
    select
        {{ window_days }} as offset_days,
        -1 as user_day_sign,
        0 as recent_sign,
        0 as previous_sign
    union all
    select
        {{ momentum_days }} as offset_days,
        0 as user_day_sign,
        -1 as recent_sign,
        1 as previous_sign
    union all
    select
        {{ 2 * momentum_days }} as offset_days,
        0 as user_day_sign,
        0 as recent_sign,
        -1 as previous_sign
),

user_window_changes as (
    {{ product_analytics.window_membership_changes(
        "activity", ["account_id", "user_id"], [{"name": "delta", "days": window_days}], keep_columns=["account_id"]
    ) }}
),

feature_window_changes as (
    {{ product_analytics.window_membership_changes(
        "feature_days", ["account_id", "event_name"], [{"name": "delta", "days": window_days}], keep_columns=["account_id"]
    ) }}
),

memberships as (
    select
        account_id,
        {{ product_analytics.reporting_date("first_grouped_at") }} as first_member_day
    from {{ ref('fct_account_memberships') }}
),

-- Each measure as changes on days: a value enters on one day and leaves on another.
changes as (
    select
        user_window_changes.account_id,
        user_window_changes.change_day,
        user_window_changes.delta as active_users,
        0 as active_user_days,
        0 as features_used,
        0 as recent_events,
        0 as previous_events,
        0 as members
    from user_window_changes

    union all

    select
        feature_window_changes.account_id,
        feature_window_changes.change_day,
        0 as active_users,
        0 as active_user_days,
        feature_window_changes.delta as features_used,
        0 as recent_events,
        0 as previous_events,
        0 as members
    from feature_window_changes

    union all

    -- A day's active users and events enter the windows on that day and leave them after
    -- the window length; the previous momentum window takes the events over from the recent one.
    select
        daily_activity.account_id,
        {{ product_analytics.add_days("daily_activity.date_day", "window_offsets.offset_days") }} as change_day,
        0 as active_users,
        daily_activity.active_users * window_offsets.user_day_sign as active_user_days,
        0 as features_used,
        daily_activity.activity_events * window_offsets.recent_sign as recent_events,
        daily_activity.activity_events * window_offsets.previous_sign as previous_events,
        0 as members
    from daily_activity
    cross join window_offsets

    union all

    select
        memberships.account_id,
        memberships.first_member_day as change_day,
        0 as active_users,
        0 as active_user_days,
        0 as features_used,
        0 as recent_events,
        0 as previous_events,
        1 as members
    from memberships
),

-- Changes before an account's first computed day are folded into that day.
daily_changes as (
    select
        changes.account_id,
        greatest(changes.change_day, accounts.first_computed_day) as change_day,
        sum(changes.active_users) as active_users,
        sum(changes.active_user_days) as active_user_days,
        sum(changes.features_used) as features_used,
        sum(changes.recent_events) as recent_events,
        sum(changes.previous_events) as previous_events,
        sum(changes.members) as members
    from changes
    inner join accounts
        on changes.account_id = accounts.account_id
    group by changes.account_id, greatest(changes.change_day, accounts.first_computed_day)
),

measures as (
    select
        account_days.account_id,
        account_days.date_day,
        {{ product_analytics.running_total("daily_changes.members", "account_days.date_day", "account_days.account_id") }} as members,
        {{ product_analytics.running_total("daily_changes.active_users", "account_days.date_day", "account_days.account_id") }} as active_users,
        {{ product_analytics.running_total("daily_changes.active_user_days", "account_days.date_day", "account_days.account_id") }} as active_user_days,
        {{ product_analytics.running_total("daily_changes.features_used", "account_days.date_day", "account_days.account_id") }} as features_used,
        {{ product_analytics.running_total("daily_changes.recent_events", "account_days.date_day", "account_days.account_id") }} as recent_events,
        {{ product_analytics.running_total("daily_changes.previous_events", "account_days.date_day", "account_days.account_id") }} as previous_events
    from account_days
    left join daily_changes
        on
            account_days.account_id = daily_changes.account_id
            and account_days.date_day = daily_changes.change_day
),

components as (
    select
        measures.*,
        case
            when measures.members = 0 then 0
            else least(1.0, cast(measures.active_users as double precision) / measures.members)
        end as breadth,  -- noqa: RF04
        case
            when measures.active_users = 0 then 0
            -- Mean active days per active user, against the target.
            else least(1.0, cast(measures.active_user_days as double precision) / measures.active_users / {{ health.frequency_target_days }})
        end as frequency,
        case
            when plan_size.feature_count = 0 then 0
            else cast(measures.features_used as double precision) / plan_size.feature_count
        end as adoption,
        case
            when measures.previous_events = 0 then case when measures.recent_events > 0 then 1 else 0 end
            else least(1.0, cast(measures.recent_events as double precision) / measures.previous_events)
        end as momentum
    from measures
    cross join plan_size
),

scores as (
    select
        components.*,
        cast(round(cast(100 * (
            {{ health.weights.breadth }} * components.breadth
            + {{ health.weights.frequency }} * components.frequency
            + {{ health.weights.adoption }} * components.adoption
            + {{ health.weights.momentum }} * components.momentum
        ) as numeric(38, 12)), 4) as double precision) as health_score
    from components
),

final as (
    select
        account_id,
        date_day,
        cast(members as {{ dbt.type_bigint() }}) as member_count,
        cast(active_users as {{ dbt.type_bigint() }}) as active_users,
        cast(active_user_days as {{ dbt.type_bigint() }}) as active_user_days,
        cast(features_used as {{ dbt.type_bigint() }}) as features_used,
        cast(recent_events as {{ dbt.type_bigint() }}) as recent_activity_events,
        cast(previous_events as {{ dbt.type_bigint() }}) as previous_activity_events,
        cast(breadth as double precision) as breadth,  -- noqa: RF04
        cast(frequency as double precision) as frequency,
        cast(adoption as double precision) as adoption,
        cast(momentum as double precision) as momentum,
        health_score,
        cast({{ product_analytics.health_tier("health_score", health) }} as {{ dbt.type_string() }}) as health_tier
    from scores
)

select * from final
