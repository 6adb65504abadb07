{#
    One row per account that exists and did not opt out (SPEC sections 4, 7). An account
    exists once it has a group call from a user who is not deleted, or an attributed event.
    Traits are each the latest non-null value over the group calls (deleted users' calls
    left out); `created_at` is the `created_at` trait when sent, else the first group call.
#}

{%- set traits = product_analytics.config_traits("account_traits") %}

with

group_calls as (
    select * from {{ ref('int_accounts__live_group_calls') }}
),

events as (
    select * from {{ ref('fct_events') }}
    where account_id is not null
),

last_data_day as (
    select max(event_date) as last_event_date from {{ ref('fct_events') }}
),

account_events as (
    select
        events.account_id,
        min(events.event_at) as first_event_at,
        max(events.event_at) as last_event_at,
        count(
            distinct case
                when
                    events.is_activity
                    and events.event_date > {{ dbt.dateadd("day", -30, "last_data_day.last_event_date") }}
                    then events.user_id
            end
        ) as active_users_last_30d
    from events
    cross join last_data_day
    group by events.account_id
),

account_group_calls as (
    select
        account_id,
        min(event_at) as first_group_call_at,
        max(event_at) as last_group_call_at,
        count(distinct user_id) as member_count
    from group_calls
    group by account_id
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

accounts as (
    select account_id from account_group_calls
    union
    select account_id from account_events
),

final as (
    select
        accounts.account_id,
        {%- for trait in traits %}
        latest_traits.{{ adapter.quote(trait.name) }},
        {%- endfor %}
        coalesce(latest_traits.created_at_trait, account_group_calls.first_group_call_at) as created_at,
        coalesce(
            least(account_group_calls.first_group_call_at, account_events.first_event_at),
            account_group_calls.first_group_call_at,
            account_events.first_event_at
        ) as first_seen_at,
        coalesce(
            greatest(account_group_calls.last_group_call_at, account_events.last_event_at),
            account_group_calls.last_group_call_at,
            account_events.last_event_at
        ) as last_seen_at,
        coalesce(account_group_calls.member_count, 0) as member_count,
        coalesce(account_events.active_users_last_30d, 0) as active_users_last_30d,
        -- Filled by the account health marts (metrics_account_health_daily).
        cast(null as double precision) as health_score,
        cast(null as {{ dbt.type_string() }}) as health_tier
    from accounts
    left join account_group_calls
        on accounts.account_id = account_group_calls.account_id
    left join account_events
        on accounts.account_id = account_events.account_id
    left join latest_traits
        on accounts.account_id = latest_traits.account_id
)

select * from final
