{#
    One row per account that exists and did not opt out (docs/reference.md section 4), with when it was
    first and last seen. An account exists once it has a group call from a user who is not
    deleted, or an attributed event; its first day is the earlier of the days (reporting
    time zone) of its first group call and of its first attributed event; its first
    reported day is that day, or the first day of the reporting range when it is earlier
    (daily metrics have no rows before the range). Read by dim_accounts, the daily account
    metrics and the account health history.
#}

with

group_calls as (
    select * from {{ ref('int_accounts__live_group_calls') }}
),

account_events as (
    select
        account_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from {{ ref('fct_events') }}
    where account_id is not null
    group by account_id
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

accounts as (
    select account_id from account_group_calls
    union
    select account_id from account_events
),

spans as (
    select
        accounts.account_id,
        account_group_calls.first_group_call_at,
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
        coalesce(account_group_calls.member_count, 0) as member_count
    from accounts
    left join account_group_calls
        on accounts.account_id = account_group_calls.account_id
    left join account_events
        on accounts.account_id = account_events.account_id
),

range_start as (
    select min(date_day) as first_day from {{ ref('int_engagement__reporting_days') }}
),

first_days as (
    select
        spans.*,
        {{ product_analytics.reporting_date("spans.first_seen_at") }} as first_day
    from spans
),

final as (
    select
        first_days.*,
        greatest(first_days.first_day, range_start.first_day) as first_reported_day
    from first_days
    cross join range_start
)

select * from final
