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

    Every windowed measure is a running sum of changes over the account's days (measure_changes:
    an active user enters the window on their day and leaves `window` days later, and so on).
    Changes before the first row computed are folded into it, so no dense history is needed.

    Incremental: a run recomputes each account from the first day the changes of
    int_incremental__changes it has not applied yet can change (where a recomputed event was
    and is attributed, the first day an account's members can change), every account from the
    day after the last day reported, and an account whose first reported day is earlier than
    its first row (the reporting range grew backwards) from that day. Rows of accounts that no
    longer exist or days outside an account's span are removed by the post-hook. Where days
    are rewritten whole (Spark: rewrites_day_partitions), the model builds
    `intermediate.metrics_account_health_daily__by_day`, partitioned by date_day, and the mart
    is a view over it with the yml's column order (day_partitioned_mart_config); a run writes
    every row of each day holding a recomputed row or a row that must leave (the other rows
    of the day read back from the table), those rows left out by the select itself. Changing the
    tracking plan's feature events or any health variable needs a full refresh
    (allow_full_refresh).
#}

{%- set health = product_analytics.config_health() %}
{%- set window_days = health.window_days %}
{%- set momentum_days = health.momentum_days %}
{#- Input days a computed day can read: the health window and the two momentum windows. -#}
{%- set lookback_days = [window_days, 2 * momentum_days] | max %}

-- Read only by incremental runs: depends_on: {{ ref('int_incremental__changes') }}

{%- set rewrites_days = product_analytics.rewrites_day_partitions() %}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    unique_key=none if rewrites_days else ["account_id", "date_day"],
    incremental_strategy=product_analytics.day_strategy("delete+insert"),
    partition_by=product_analytics.day_partitions("date_day"),
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    post_hook=[
        "{{ product_analytics.delete_health_outside_account_lifespans(this) }}",
        "{{ product_analytics.drop_emptied_days(this, 'date_day', product_analytics.health_rewritten_days(this)) }}",
        "{{ product_analytics.mark_changes_applied('health') }}",
        "{{ product_analytics.mart_view_over_day_partitions(this) }}",
    ],
    **product_analytics.day_partitioned_mart_config("metrics_account_health_daily")
) }}

with

{% if is_incremental() %}

-- Each account whose rows can have changed, from the first day that can
-- (int_incremental__changes: the events and members that changed since this model's last run).
changed_accounts as (
    {{ product_analytics.changed_account_days('health') }}
),

-- Every account is computed from the day after the last day reported.
next_day as (
    select coalesce(
        {{ product_analytics.add_days("max(health.date_day)", 1) }},
        cast({{ product_analytics.all_time() }} as date)
    ) as next_day
    from {{ this }} as health
),

-- The first day each account has rows for: an account whose first reported day is now
-- earlier (the reporting range or the account's first day moved back) gets the missing days.
reported_from as (
    select
        account_id,
        min(date_day) as first_day
    from {{ this }}
    group by account_id
),

-- The first day computed per account: its first reported day, within the days this run
-- recomputes for it.
accounts as (
    select
        lifespans.account_id,
        greatest(
            lifespans.first_reported_day,
            least(
                next_day.next_day,
                coalesce(changed_accounts.changed_from, next_day.next_day),
                case
                    when lifespans.first_reported_day < coalesce(reported_from.first_day, next_day.next_day)
                        then lifespans.first_reported_day
                    else next_day.next_day
                end
            )
        ) as first_computed_day
    from {{ ref('int_accounts__lifespans') }} as lifespans
    cross join next_day
    left join changed_accounts
        on lifespans.account_id = changed_accounts.account_id
    left join reported_from
        on lifespans.account_id = reported_from.account_id
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

-- The members of an account on a day: users whose first group call into it is on or before.
memberships as (
    select
        account_id,
        {{ product_analytics.reporting_date("first_grouped_at") }} as first_member_day
    from {{ ref('fct_account_memberships') }}
),

-- Users and plan features enter a window on their first active day in it and leave when they
-- have had no active day for the window's length (one +1 and one -1 per stretch).
active_user_changes as (
    {{ product_analytics.window_membership_changes(
        "activity", ["account_id", "user_id"], [{"name": "delta", "days": window_days}], keep_columns=["account_id"]
    ) }}
),

feature_changes as (
    {{ product_analytics.window_membership_changes(
        "feature_days", ["account_id", "event_name"], [{"name": "delta", "days": window_days}], keep_columns=["account_id"]
    ) }}
),

-- Every measure as changes on days (measure, delta): the measure on a day is the running sum
-- of its changes up to that day.
measure_changes as (
    select
        account_id,
        change_day,
        'active_users' as measure,
        delta
    from active_user_changes

    union all

    select
        account_id,
        change_day,
        'features_used' as measure,
        delta
    from feature_changes

    union all

    -- A day's active users count in active_user_days for the `window_days` days from it.
    select
        account_id,
        date_day as change_day,
        'active_user_days' as measure,
        active_users as delta
    from daily_activity

    union all

    select
        account_id,
        {{ product_analytics.add_days("date_day", window_days) }} as change_day,
        'active_user_days' as measure,
        -active_users as delta
    from daily_activity

    union all

    -- A day's activity events are recent for `momentum_days` days from it...
    select
        account_id,
        date_day as change_day,
        'recent_events' as measure,
        activity_events as delta
    from daily_activity

    union all

    select
        account_id,
        {{ product_analytics.add_days("date_day", momentum_days) }} as change_day,
        'recent_events' as measure,
        -activity_events as delta
    from daily_activity

    union all

    -- ...then previous for the next `momentum_days` days.
    select
        account_id,
        {{ product_analytics.add_days("date_day", momentum_days) }} as change_day,
        'previous_events' as measure,
        activity_events as delta
    from daily_activity

    union all

    select
        account_id,
        {{ product_analytics.add_days("date_day", 2 * momentum_days) }} as change_day,
        'previous_events' as measure,
        -activity_events as delta
    from daily_activity

    union all

    select
        account_id,
        first_member_day as change_day,
        'members' as measure,
        1 as delta
    from memberships
),

-- One row per account and day with a change, a column per measure. Changes before an
-- account's first computed day are folded into that day.
daily_changes as (
    select
        measure_changes.account_id,
        greatest(measure_changes.change_day, accounts.first_computed_day) as change_day,
        sum(case when measure_changes.measure = 'members' then measure_changes.delta else 0 end) as members,
        sum(case when measure_changes.measure = 'active_users' then measure_changes.delta else 0 end) as active_users,
        sum(case when measure_changes.measure = 'active_user_days' then measure_changes.delta else 0 end) as active_user_days,
        sum(case when measure_changes.measure = 'features_used' then measure_changes.delta else 0 end) as features_used,
        sum(case when measure_changes.measure = 'recent_events' then measure_changes.delta else 0 end) as recent_events,
        sum(case when measure_changes.measure = 'previous_events' then measure_changes.delta else 0 end) as previous_events
    from measure_changes
    inner join accounts
        on measure_changes.account_id = accounts.account_id
    group by measure_changes.account_id, greatest(measure_changes.change_day, accounts.first_computed_day)
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
            else least(1.0, cast(measures.active_users as {{ product_analytics.type_double() }}) / measures.members)
        end as breadth,  -- noqa: RF04
        case
            when measures.active_users = 0 then 0
            -- Mean active days per active user, against the target.
            else least(1.0, cast(measures.active_user_days as {{ product_analytics.type_double() }}) / measures.active_users / {{ health.frequency_target_days }})
        end as frequency,
        case
            when plan_size.feature_count = 0 then 0
            else cast(measures.features_used as {{ product_analytics.type_double() }}) / plan_size.feature_count
        end as adoption,
        case
            when measures.previous_events = 0 then case when measures.recent_events > 0 then 1 else 0 end
            else least(1.0, cast(measures.recent_events as {{ product_analytics.type_double() }}) / measures.previous_events)
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
        ) as numeric(38, 12)), 4) as {{ product_analytics.type_double() }}) as health_score
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
        cast(breadth as {{ product_analytics.type_double() }}) as breadth,  -- noqa: RF04
        cast(frequency as {{ product_analytics.type_double() }}) as frequency,
        cast(adoption as {{ product_analytics.type_double() }}) as adoption,
        cast(momentum as {{ product_analytics.type_double() }}) as momentum,
        health_score,
        cast({{ product_analytics.health_tier("health_score", health) }} as {{ dbt.type_string() }}) as health_tier
    from scores
)

{%- if rewrites_days and is_incremental() %},

-- Days are rewritten whole (Spark): the recomputed rows, and the other rows each rewritten day
-- already holds. A day is rewritten when it has a recomputed row or holds rows that must leave.
rewritten_days as (
    {{ product_analytics.health_rewritten_days(this) | indent(4) }}

    union

    select final.date_day
    from final
),

{%- set not_recomputed %}not exists (
            select 1
            from final
            where
                final.account_id = previous.account_id
                and final.date_day = previous.date_day
        ){% endset %}

kept_rows as (
    {{ product_analytics.previous_rows_of_rewritten_days(
        this,
        [
            "account_id", "date_day", "member_count", "active_users", "active_user_days",
            "features_used", "recent_activity_events", "previous_activity_events", "breadth",
            "frequency", "adoption", "momentum", "health_score", "health_tier",
        ],
        "date_day",
        "select rewritten_days.date_day from rewritten_days",
        not_recomputed,
    ) }}
),

day_rows as (
    select * from final
    union all
    select * from kept_rows
)

select * from day_rows as health
where not ({{ product_analytics.health_outside_account_lifespans("health") }})
{%- elif rewrites_days %}

select * from final as health
where not ({{ product_analytics.health_outside_account_lifespans("health") }})
{%- else %}

select * from final
{%- endif %}
