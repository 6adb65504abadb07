-- Question: how long do new users take to reach first value, by signup week? For users who
-- signed up (dim_users.signed_up_at, the first `Signed Up`), the interpolated median time
-- from signup to their first `Sent Project Data` at or after it, per reporting week of the
-- signup; users who have not sent data yet count in `signups` only.

with

signups as (
    select
        user_id,
        signed_up_at,
        {{ product_analytics.week_start_date(product_analytics.reporting_date("signed_up_at")) }} as signup_week
    from {{ ref('dim_users') }}
    where signed_up_at is not null
),

first_values as (
    select
        signups.user_id,
        min(events.event_at) as first_value_at
    from signups
    inner join {{ ref('fct_events') }} as events
        on
            signups.user_id = events.user_id
            and signups.signed_up_at <= events.event_at
    where
        events.event_type = 'track'
        and events.event_name = 'Sent Project Data'
    group by signups.user_id
),

times_to_value as (
    select
        signups.signup_week,
        signups.user_id,
        {{ product_analytics.seconds_between("signups.signed_up_at", "first_values.first_value_at") }} as seconds_to_value
    from signups
    left join first_values
        on signups.user_id = first_values.user_id
)

select
    signup_week,
    count(*) as signups,
    count(seconds_to_value) as reached_value,
    {{ product_analytics.percentile_cont("seconds_to_value", 0.5) }} / 3600.0 as median_hours_to_value
from times_to_value
group by signup_week
order by signup_week
