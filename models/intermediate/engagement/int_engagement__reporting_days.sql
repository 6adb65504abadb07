{#
    The reporting range (docs/reference.md section 7): one row per day from the first to the last
    `event_date` in fct_events, with the start of its week and month. Every daily metric is
    zero-filled over these days.
#}

with

bounds as (
    select
        min(event_date) as first_day,
        max(event_date) as last_day
    from {{ ref('fct_events') }}
    having count(*) > 0
),

days as (
    {{ product_analytics.day_series("bounds", "first_day", "last_day") }}
),

final as (
    select
        days.date_day,
        {{ product_analytics.week_start_date("days.date_day") }} as week_start,
        {{ product_analytics.month_start_date("days.date_day") }} as month_start,
        bounds.last_day as last_day_of_data
    from days
    cross join bounds
)

select * from final
