{#
    Monthly stickiness (PostHog's stickiness, Amplitude's frequency): per calendar month of
    the reporting range and entity type, how many entities were active on exactly N days of
    the month, for N = 1 to the number of days in the month (zero-filled), with the share of
    the month's active entities and the number active on at least N days.
#}

with

months as (
    select
        month_start,
        min(date_day) as first_reported_day,
        max(last_day_of_data) as last_day_of_data
    from {{ ref('int_engagement__reporting_days') }}
    group by month_start
),

entity_months as (
    select
        entity_type,
        entity_id,
        {{ product_analytics.month_start_date("date_day") }} as month_start,
        count(*) as active_days
    from {{ ref('int_engagement__entity_days') }}
    group by entity_type, entity_id, {{ product_analytics.month_start_date("date_day") }}
),

day_counts as (
    select
        entity_type,
        month_start,
        active_days,
        count(*) as entities
    from entity_months
    group by entity_type, month_start, active_days
),

entity_types as (
    select cast('user' as {{ dbt.type_string() }}) as entity_type
    union all
    select cast('account' as {{ dbt.type_string() }}) as entity_type
),

day_numbers as (
    {{ product_analytics.number_series(1, 31) }}
),

grid as (
    select
        months.month_start,
        months.last_day_of_data,
        entity_types.entity_type,
        day_numbers.number as active_days,
        {{ dbt.datediff("months.month_start", "cast(" ~ dbt.dateadd("month", 1, "months.month_start") ~ " as date)", "day") }} as days_in_month
    from months
    cross join entity_types
    cross join day_numbers
),

counted as (
    select
        grid.month_start,
        grid.entity_type,
        grid.active_days,
        grid.days_in_month,
        grid.last_day_of_data,
        coalesce(day_counts.entities, 0) as entities,
        sum(coalesce(day_counts.entities, 0)) over (
            partition by grid.month_start, grid.entity_type
            order by grid.active_days desc
            rows between unbounded preceding and current row
        ) as entities_active_at_least,
        sum(coalesce(day_counts.entities, 0)) over (partition by grid.month_start, grid.entity_type) as active_entities
    from grid
    left join day_counts
        on
            grid.month_start = day_counts.month_start
            and grid.entity_type = day_counts.entity_type
            and grid.active_days = day_counts.active_days
    where grid.active_days <= grid.days_in_month
),

final as (
    select
        month_start,
        entity_type,
        cast(active_days as {{ dbt.type_int() }}) as active_days,
        cast(entities as {{ dbt.type_bigint() }}) as entities,
        cast(entities_active_at_least as {{ dbt.type_bigint() }}) as entities_active_at_least,
        cast(active_entities as {{ dbt.type_bigint() }}) as active_entities,
        cast(entities as {{ product_analytics.type_double() }}) / nullif(active_entities, 0) as share_of_active,
        cast(days_in_month as {{ dbt.type_int() }}) as days_in_month,
        {{ product_analytics.add_days(dbt.dateadd("month", 1, "month_start"), -1) }} <= last_day_of_data as is_complete
    from counted
)

select * from final
