{#
    Daily active accounts (SPEC section 7), one row per day of the reporting range,
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

-- An account exists from its first day (SPEC section 4): the earlier of the days of its
-- first group call and of its first attributed event; accounts that exist before the
-- range are counted from its first day.
account_first_days as (
    select first_reported_day from {{ ref('int_accounts__lifespans') }}
),

membership_changes as (
    select
        'daa' as metric,
        daily.change_day,
        daily.delta
    from ({{ product_analytics.window_membership_changes("account_days", ["account_id"], 1) }}) as daily
    union all
    select
        'waa' as metric,
        weekly.change_day,
        weekly.delta
    from ({{ product_analytics.window_membership_changes("account_days", ["account_id"], weekly_days) }}) as weekly
    union all
    select
        'maa' as metric,
        monthly.change_day,
        monthly.delta
    from ({{ product_analytics.window_membership_changes("account_days", ["account_id"], monthly_days) }}) as monthly
),

-- Members active for the account in the monthly window, per account, at each day it changes.
active_member_counts as (
    select
        member_changes.account_id,
        member_changes.change_day,
        sum(sum(member_changes.delta)) over (
            partition by member_changes.account_id
            order by member_changes.change_day
            rows between unbounded preceding and current row
        ) as active_members
    from (
        {{ product_analytics.window_membership_changes(
            "member_days", ["account_id", "user_id"], monthly_days, keep_columns=["account_id"]
        ) }}
    ) as member_changes
    group by member_changes.account_id, member_changes.change_day
),

multi_user_changes as (
    select
        'multi_user_active_accounts' as metric,
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

total_account_changes as (
    select
        'total_accounts' as metric,
        account_first_days.first_reported_day as change_day,
        1 as delta
    from account_first_days
),

daily_changes as (
    select
        all_changes.change_day,
        sum(case when all_changes.metric = 'daa' then all_changes.delta else 0 end) as daa_change,
        sum(case when all_changes.metric = 'waa' then all_changes.delta else 0 end) as waa_change,
        sum(case when all_changes.metric = 'maa' then all_changes.delta else 0 end) as maa_change,
        sum(case when all_changes.metric = 'multi_user_active_accounts' then all_changes.delta else 0 end) as multi_user_change,
        sum(case when all_changes.metric = 'total_accounts' then all_changes.delta else 0 end) as total_accounts_change
    from (
        select * from membership_changes
        union all
        select * from multi_user_changes
        union all
        select * from total_account_changes
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
        cast(daa as double precision) / nullif(maa, 0) as daa_over_maa,
        cast(total_accounts as {{ dbt.type_bigint() }}) as total_accounts,
        cast(daa as double precision) / nullif(total_accounts, 0) as daa_pct,
        cast(multi_user_active_accounts as {{ dbt.type_bigint() }}) as multi_user_active_accounts
    from running_counts
)

select * from final
