-- Question: which accounts dropped from Healthy to At Risk in the last 30 days? Accounts whose
-- health tier was Healthy on one day and At Risk the next, that next day being within the 30
-- days ending the last day of data; with the latest such day and where they stand now.

with

health as (
    select
        account_id,
        date_day,
        health_tier,
        lag(health_tier) over (partition by account_id order by date_day) as previous_tier
    from {{ ref('metrics_account_health_daily') }}
),

last_data_day as (
    select max(date_day) as last_day from {{ ref('metrics_account_health_daily') }}
),

drops as (
    select
        health.account_id,
        max(health.date_day) as dropped_on
    from health
    cross join last_data_day
    where
        health.previous_tier = 'Healthy'
        and health.health_tier = 'At Risk'
        and health.date_day > {{ product_analytics.add_days("last_data_day.last_day", -30) }}
    group by health.account_id
)

select
    drops.account_id,
    account_rows.name,
    account_rows.plan,
    drops.dropped_on,
    account_rows.health_tier as current_health_tier,
    account_rows.health_score as current_health_score
from drops
inner join {{ ref('dim_accounts') }} as account_rows
    on drops.account_id = account_rows.account_id
order by drops.dropped_on desc, drops.account_id asc
