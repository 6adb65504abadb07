{#
    One row per account that exists and did not opt out (docs/reference.md sections 4, 7). An account
    exists once it has a group call from a user who is not deleted, or an attributed event
    (int_accounts__lifespans). Traits are each the latest non-null value over the group
    calls (deleted users' calls left out); `created_at` is the `created_at` trait when sent,
    else the first group call. Health columns come from metrics_account_health_daily.
#}

{%- set traits = product_analytics.config_traits("account_traits") %}
{%- set health_days_back = 30 %}

with

accounts as (
    select * from {{ ref('int_accounts__lifespans') }}
),

group_calls as (
    select * from {{ ref('int_accounts__live_group_calls') }}
),

reporting_range as (
    select max(last_day_of_data) as last_day_of_data from {{ ref('int_engagement__reporting_days') }}
),

active_users as (
    select
        activity_days.account_id,
        count(distinct activity_days.user_id) as active_users_last_30d
    from {{ ref('int_engagement__activity_days') }} as activity_days
    cross join reporting_range
    where
        activity_days.account_id is not null
        and activity_days.date_day > {{ product_analytics.add_days("reporting_range.last_day_of_data", -30) }}
    group by activity_days.account_id
),

-- The health of the last day of data, and the tier {{ health_days_back }} days before it.
account_health as (
    select
        health.account_id,
        max(case when health.date_day = reporting_range.last_day_of_data then health.health_score end) as health_score,
        max(case when health.date_day = reporting_range.last_day_of_data then health.health_tier end) as health_tier,
        max(case when health.date_day < reporting_range.last_day_of_data then health.health_tier end)
            as health_tier_30_days_ago
    from {{ ref('metrics_account_health_daily') }} as health
    inner join reporting_range
        on
            health.date_day = reporting_range.last_day_of_data
            or health.date_day = {{ product_analytics.add_days("reporting_range.last_day_of_data", -health_days_back) }}
    group by health.account_id
),

latest_traits as (
    select distinct
        {%- for trait in traits %}
        {{ product_analytics.latest_non_null(adapter.quote(trait.name), "account_id") }} as {{ adapter.quote(trait.name) }},
        {%- endfor %}
        {{ product_analytics.latest_non_null("created_at_trait", "account_id") }} as created_at_trait,
        account_id
    from group_calls
),

final as (
    select
        accounts.account_id,
        {%- for trait in traits %}
        latest_traits.{{ adapter.quote(trait.name) }},
        {%- endfor %}
        coalesce(latest_traits.created_at_trait, accounts.first_group_call_at) as created_at,
        accounts.first_seen_at,
        accounts.last_seen_at,
        accounts.member_count,
        coalesce(active_users.active_users_last_30d, 0) as active_users_last_30d,
        account_health.health_score,
        account_health.health_tier,
        account_health.health_tier_30_days_ago
    from accounts
    left join active_users
        on accounts.account_id = active_users.account_id
    left join latest_traits
        on accounts.account_id = latest_traits.account_id
    left join account_health
        on accounts.account_id = account_health.account_id
)

select * from final
