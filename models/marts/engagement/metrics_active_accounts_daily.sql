{#
    Daily active accounts (docs/reference.md section 7), one row per day of the reporting range,
    zero-filled. An account is active on a day with an activity event attributed to it.
    Rolling counts are summed window-membership changes (window_membership_changes);
    multi-user accounts follow each account's count of distinct active members in the
    monthly window, which changes only where a member's window membership does.
#}

{%- set weekly_days = product_analytics.config_positive_integer("weekly_window_days") %}
{%- set monthly_days = product_analytics.config_positive_integer("monthly_window_days") %}
{%- set min_users = product_analytics.config_positive_integer("multi_user_account_min_users") %}

with

reporting_days as (
    select * from {{ ref('int_engagement__reporting_days') }}
),

account_days as (
    select
        entity_id as account_id,
        date_day
    from {{ ref('int_engagement__entity_days') }}
    where entity_type = 'account'
),

member_days as (
    select distinct
        account_id,
        user_id,
        date_day
    from {{ ref('int_engagement__activity_days') }}
    where account_id is not null
),

-- An account exists from its first day (docs/reference.md section 4): the earlier of the days of its
-- first group call and of its first attributed event; accounts that exist before the
-- range are counted from its first day.
account_first_days as (
    select first_reported_day from {{ ref('int_accounts__lifespans') }}
),

membership_changes as (
    {{ product_analytics.window_membership_changes("account_days", ["account_id"], [
        {"name": "daa", "days": 1},
        {"name": "waa", "days": weekly_days},
        {"name": "maa", "days": monthly_days},
    ]) }}
),

-- Members active for the account in the monthly window, per account, at each day it changes.
active_member_counts as (
    select
        member_changes.account_id,
        member_changes.change_day,
        sum(sum(member_changes.active_members)) over (
            partition by member_changes.account_id
            order by member_changes.change_day
            rows between unbounded preceding and current row
        ) as active_members
    from (
        {{ product_analytics.window_membership_changes(
            "member_days", ["account_id", "user_id"], [{"name": "active_members", "days": monthly_days}],
            keep_columns=["account_id"],
        ) }}
    ) as member_changes
    group by member_changes.account_id, member_changes.change_day
),

multi_user_changes as (
    select
        flags.change_day,
        flags.is_multi_user - coalesce(
            lag(flags.is_multi_user) over (partition by flags.account_id order by flags.change_day), 0
        ) as delta
    from (
        select
            account_id,
            change_day,
            case when active_members >= {{ min_users }} then 1 else 0 end as is_multi_user
        from active_member_counts
    ) as flags
),

daily_changes as (
    select
        all_changes.change_day,
        sum(all_changes.daa) as daa_change,
        sum(all_changes.waa) as waa_change,
        sum(all_changes.maa) as maa_change,
        sum(all_changes.multi_user) as multi_user_change,
        sum(all_changes.total_accounts) as total_accounts_change
    from (
        select
            change_day,
            daa,
            waa,
            maa,
            0 as multi_user,
            0 as total_accounts
        from membership_changes
        union all
        select
            change_day,
            0 as daa,
            0 as waa,
            0 as maa,
            delta as multi_user,
            0 as total_accounts
        from multi_user_changes
        union all
        select
            first_reported_day as change_day,
            0 as daa,
            0 as waa,
            0 as maa,
            0 as multi_user,
            1 as total_accounts
        from account_first_days
    ) as all_changes
    group by all_changes.change_day
),

running_counts as (
    select
        reporting_days.date_day,
        {{ product_analytics.running_total("daily_changes.daa_change", "reporting_days.date_day") }} as daa,
        {{ product_analytics.running_total("daily_changes.waa_change", "reporting_days.date_day") }} as waa,
        {{ product_analytics.running_total("daily_changes.maa_change", "reporting_days.date_day") }} as maa,
        {{ product_analytics.running_total("daily_changes.total_accounts_change", "reporting_days.date_day") }} as total_accounts,
        {{ product_analytics.running_total("daily_changes.multi_user_change", "reporting_days.date_day") }} as multi_user_active_accounts
    from reporting_days
    left join daily_changes
        on reporting_days.date_day = daily_changes.change_day
),

final as (
    select
        date_day,
        cast(daa as {{ dbt.type_bigint() }}) as daa,
        cast(waa as {{ dbt.type_bigint() }}) as waa,
        cast(maa as {{ dbt.type_bigint() }}) as maa,
        cast(daa as {{ product_analytics.type_double() }}) / nullif(maa, 0) as daa_over_maa,
        cast(total_accounts as {{ dbt.type_bigint() }}) as total_accounts,
        cast(daa as {{ product_analytics.type_double() }}) / nullif(total_accounts, 0) as daa_pct,
        cast(multi_user_active_accounts as {{ dbt.type_bigint() }}) as multi_user_active_accounts
    from running_counts
)

select * from final
