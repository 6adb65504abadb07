-- Question: which paying companies opened fewer than 20 reports in the last 30 days? Paying
-- means a latest `plan` trait in the variable `paying_plans` (default team, business); the
-- last 30 days end on the last day of data, inclusive; reports are `Opened Report` track
-- events of resolved users attributed to the company (companies with none are listed with 0).

{%- set paying_plans = product_analytics.config_string_list("paying_plans", keep_case=true) %}
{%- set min_reports = 20 %}

with

accounts as (
    select * from {{ ref('dim_accounts') }}
),

last_data_day as (
    select max(event_date) as last_day from {{ ref('fct_events') }}
),

reports_opened as (
    select
        events.account_id,
        count(*) as reports_opened
    from {{ ref('fct_events') }} as events
    cross join last_data_day
    where
        events.event_type = 'track'
        and events.event_name = 'Opened Report'
        and events.user_id is not null
        and events.event_date > {{ product_analytics.add_days("last_data_day.last_day", -30) }}
    group by events.account_id
)

select
    accounts.account_id,
    accounts.name,
    accounts.plan,
    coalesce(reports_opened.reports_opened, 0) as reports_opened_last_30d
from accounts
left join reports_opened
    on accounts.account_id = reports_opened.account_id
where
    accounts.plan in ('{{ paying_plans | join("', '") }}')
    and coalesce(reports_opened.reports_opened, 0) < {{ min_reports }}
order by reports_opened_last_30d, accounts.account_id
