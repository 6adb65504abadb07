{#
    First-time retention over calendar periods (docs/reference.md section 7), for users and accounts,
    by week (starting on `week_start`) and by month. An entity's cohort is the period of its
    first activity day; it is retained in period k when it is active in the period k periods
    after its cohort. Rows for every cohort with an entity, from period 0 to the period
    holding the last day of data; `is_complete` when that period has ended by then.
#}

with

reporting_days as (
    select * from {{ ref('int_engagement__reporting_days') }}
),

last_day as (
    select max(date_day) as last_day from reporting_days
),

entity_periods as (
    {%- for grain in ["week", "month"] %}
    select distinct
        entity_type,
        cast('{{ grain }}' as {{ dbt.type_string() }}) as period_grain,
        entity_id,
        {{ product_analytics.period_start_date(grain, "date_day") }} as period_start
    from {{ ref('int_engagement__entity_days') }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

cohorts as (
    select
        entity_type,
        period_grain,
        entity_id,
        min(period_start) as cohort_start
    from entity_periods
    group by entity_type, period_grain, entity_id
),

retained as (
    select
        cohorts.entity_type,
        cohorts.period_grain,
        cohorts.cohort_start,
        case
            {%- for grain in ["week", "month"] %}
            when cohorts.period_grain = '{{ grain }}'
                then {{ product_analytics.periods_between(grain, "cohorts.cohort_start", "entity_periods.period_start") }}
            {%- endfor %}
        end as period_number,
        count(*) as retained
    from entity_periods
    inner join cohorts
        on
            entity_periods.entity_type = cohorts.entity_type
            and entity_periods.period_grain = cohorts.period_grain
            and entity_periods.entity_id = cohorts.entity_id
    group by cohorts.entity_type, cohorts.period_grain, cohorts.cohort_start, period_number
),

cohort_sizes as (
    select
        cohorts.entity_type,
        cohorts.period_grain,
        cohorts.cohort_start,
        count(*) as cohort_size,
        max(case
            {%- for grain in ["week", "month"] %}
            when cohorts.period_grain = '{{ grain }}'
                then {{ product_analytics.periods_between(
                    grain, "cohorts.cohort_start", product_analytics.period_start_date(grain, "last_day.last_day")
                ) }}
            {%- endfor %}
        end) as last_period_number
    from cohorts
    cross join last_day
    group by cohorts.entity_type, cohorts.period_grain, cohorts.cohort_start
),

-- 0, 1, 2, ...: at least as many numbers as there are days, so as there are periods.
period_numbers as (
    select row_number() over (order by date_day) - 1 as period_number
    from reporting_days
),

cells as (
    select
        cohort_sizes.entity_type,
        cohort_sizes.period_grain,
        cohort_sizes.cohort_start,
        period_numbers.period_number,
        cohort_sizes.cohort_size,
        case
            {%- for grain in ["week", "month"] %}
            when cohort_sizes.period_grain = '{{ grain }}'
                then {{ product_analytics.add_periods(grain, "cohort_sizes.cohort_start", "period_numbers.period_number + 1") }}
            {%- endfor %}
        end as next_period_start
    from cohort_sizes
    inner join period_numbers
        on cohort_sizes.last_period_number >= period_numbers.period_number
),

final as (
    select
        cells.entity_type,
        cells.period_grain,
        cells.cohort_start,
        cast(cells.period_number as {{ dbt.type_int() }}) as period_number,
        cast(cells.cohort_size as {{ dbt.type_bigint() }}) as cohort_size,
        cast(coalesce(retained.retained, 0) as {{ dbt.type_bigint() }}) as retained,
        cast(coalesce(retained.retained, 0) as {{ product_analytics.type_double() }}) / cells.cohort_size as retention_rate,
        -- The period's last day (the day before the next period starts) is on or before the last day of data.
        cells.next_period_start <= {{ product_analytics.add_days("last_day.last_day", 1) }} as is_complete
    from cells
    cross join last_day
    left join retained
        on
            cells.entity_type = retained.entity_type
            and cells.period_grain = retained.period_grain
            and cells.cohort_start = retained.cohort_start
            and cells.period_number = retained.period_number
)

select * from final
