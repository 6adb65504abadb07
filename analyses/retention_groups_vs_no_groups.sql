-- Question: do companies that use groups retain better than those that do not? Weekly
-- account retention (docs/reference.md section 7: cohort = week of first activity, retained in week k
-- when active in week cohort + k) pooled over all cohorts, split by whether the company
-- ever sent a `Created Group` event (a resolved user's track attributed to it). Only weeks
-- that have ended by the last day of data count, so every rate compares finished weeks.

with

reporting_days as (
    select * from {{ ref('int_engagement__reporting_days') }}
),

account_weeks as (
    select distinct
        entity_days.entity_id as account_id,
        reporting_days.week_start
    from {{ ref('int_engagement__entity_days') }} as entity_days
    inner join reporting_days
        on entity_days.date_day = reporting_days.date_day
    where entity_days.entity_type = 'account'
),

cohorts as (
    select
        account_id,
        min(week_start) as cohort_week
    from account_weeks
    group by account_id
),

group_users as (
    select distinct account_id
    from {{ ref('fct_events') }}
    where
        event_type = 'track'
        and event_name = 'Created Group'
        and user_id is not null
        and account_id is not null
),

-- Every week from each cohort's first on that has ended by the last day of data.
finished_weeks as (
    select distinct week_start
    from reporting_days
    where {{ product_analytics.add_days("week_start", 6) }} <= last_day_of_data
),

account_periods as (
    select
        cohorts.account_id,
        group_users.account_id is not null as uses_groups,
        cast({{ dbt.datediff("cohorts.cohort_week", "finished_weeks.week_start", "day") }} / 7 as {{ dbt.type_int() }}) as period_number,
        account_weeks.account_id is not null as is_retained
    from cohorts
    inner join finished_weeks
        on cohorts.cohort_week <= finished_weeks.week_start
    left join account_weeks
        on
            cohorts.account_id = account_weeks.account_id
            and finished_weeks.week_start = account_weeks.week_start
    left join group_users
        on cohorts.account_id = group_users.account_id
)

select
    uses_groups,
    period_number,
    count(*) as cohort_accounts,
    sum(case when is_retained then 1 else 0 end) as retained_accounts,
    cast(sum(case when is_retained then 1 else 0 end) as double precision) / count(*) as retention_rate
from account_periods
group by uses_groups, period_number
order by uses_groups desc, period_number asc
