{#
    Daily active users (docs/reference.md section 7), one row per day of the reporting range, zero-filled.
    Rolling counts come from the changes of each user's window membership
    (window_membership_changes), summed over the days: no per-day join of all users.
#}

{%- set weekly_days = product_analytics.config_positive_integer("weekly_window_days") %}
{%- set monthly_days = product_analytics.config_positive_integer("monthly_window_days") %}
{%- set power_days = product_analytics.power_user_min_days() %}

with

reporting_days as (
    select * from {{ ref('int_engagement__reporting_days') }}
),

user_days as (
    select
        entity_id as user_id,
        date_day
    from {{ ref('int_engagement__entity_days') }}
    where entity_type = 'user'
),

daily_changes as (
    select
        changes.change_day,
        sum(changes.dau) as dau_change,
        sum(changes.wau) as wau_change,
        sum(changes.mau) as mau_change,
        sum(changes.power_users) as power_users_change
    from (
        {{ product_analytics.window_membership_changes("user_days", ["user_id"], [
            {"name": "dau", "days": 1},
            {"name": "wau", "days": weekly_days},
            {"name": "mau", "days": monthly_days},
            {"name": "power_users", "days": weekly_days, "min_days": power_days},
        ]) }}
    ) as changes
    group by changes.change_day
),

new_users as (
    select
        first_day as date_day,
        count(*) as new_users
    from (
        select min(date_day) as first_day
        from user_days
        group by user_id
    ) as first_days
    group by first_day
),

running_counts as (
    select
        reporting_days.date_day,
        {{ product_analytics.running_total("daily_changes.dau_change", "reporting_days.date_day") }} as dau,
        {{ product_analytics.running_total("daily_changes.wau_change", "reporting_days.date_day") }} as wau,
        {{ product_analytics.running_total("daily_changes.mau_change", "reporting_days.date_day") }} as mau,
        {{ product_analytics.running_total("daily_changes.power_users_change", "reporting_days.date_day") }} as power_users
    from reporting_days
    left join daily_changes
        on reporting_days.date_day = daily_changes.change_day
),

final as (
    select
        running_counts.date_day,
        cast(running_counts.dau as {{ dbt.type_bigint() }}) as dau,
        cast(running_counts.wau as {{ dbt.type_bigint() }}) as wau,
        cast(running_counts.mau as {{ dbt.type_bigint() }}) as mau,
        cast(running_counts.dau as {{ product_analytics.type_double() }}) / nullif(running_counts.mau, 0) as dau_over_mau,
        cast(coalesce(new_users.new_users, 0) as {{ dbt.type_bigint() }}) as new_users,
        cast(running_counts.power_users as {{ dbt.type_bigint() }}) as power_users
    from running_counts
    left join new_users
        on running_counts.date_day = new_users.date_day
)

select * from final
