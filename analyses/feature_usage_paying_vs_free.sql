-- Question: which features do paying companies use most, and which do free ones? For each
-- `feature` event of the tracking plan, the companies that used it in the last 30 days of
-- data (a resolved user's track attributed to the company), as a share of the companies of
-- the segment, ranked within the segment. Paying: a latest `plan` in `paying_plans`
-- (default team, business); free: every other company (free plan, trial, or no plan).

{%- set paying_plans = product_analytics.config_string_list("paying_plans", keep_case=true) %}

with

segments as (
    select
        account_id,
        case
            when plan in ('{{ paying_plans | join("', '") }}') then 'paying'
            else 'free'
        end as segment
    from {{ ref('dim_accounts') }}
),

segment_sizes as (
    select
        segment,
        count(*) as companies
    from segments
    group by segment
),

last_data_day as (
    select max(event_date) as last_day from {{ ref('fct_events') }}
),

feature_use as (
    select
        segments.segment,
        events.event_name as feature,
        count(distinct events.account_id) as companies_using,
        count(*) as events
    from {{ ref('fct_events') }} as events
    cross join last_data_day
    inner join segments
        on events.account_id = segments.account_id
    where
        events.event_type = 'track'
        and events.user_id is not null
        and events.event_date > {{ product_analytics.add_days("last_data_day.last_day", -30) }}
        and events.event_name in (
            select plan.event_name from {{ ref('stg_tracking_plan__events') }} as plan
            where plan.category = 'feature'
        )
    group by segments.segment, events.event_name
)

select
    feature_use.segment,
    row_number() over (
        partition by feature_use.segment
        order by feature_use.companies_using desc, feature_use.events desc, feature_use.feature asc
    ) as usage_rank,
    feature_use.feature,
    feature_use.companies_using,
    segment_sizes.companies as companies_in_segment,
    cast(feature_use.companies_using as double precision) / segment_sizes.companies as share_of_companies,
    feature_use.events
from feature_use
inner join segment_sizes
    on feature_use.segment = segment_sizes.segment
order by feature_use.segment, usage_rank
