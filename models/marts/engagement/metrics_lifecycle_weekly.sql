{#
    Weekly lifecycle of users and accounts (PostHog's lifecycle, Amplitude's user
    composition), one row per reporting week and entity type, zero-filled. Every entity
    active in a week is exactly one of:
    - new: the week holds its first activity day;
    - returning: it was active the week before too;
    - resurrecting: active before, but not the week before.
    `dormant_entities` counts entities active the week before but not this week (a positive
    count; PostHog plots it below the axis). new + returning + resurrecting = active.
#}

with

weeks as (
    select
        week_start,
        max(last_day_of_data) as last_day_of_data
    from {{ ref('int_engagement__reporting_days') }}
    group by week_start
),

entity_weeks as (
    select distinct
        entity_type,
        entity_id,
        {{ product_analytics.week_start_date("date_day") }} as week_start
    from {{ ref('int_engagement__entity_days') }}
),

ordered_weeks as (
    select
        entity_type,
        entity_id,
        week_start,
        lag(week_start) over (partition by entity_type, entity_id order by week_start) as previous_active_week,
        lead(week_start) over (partition by entity_type, entity_id order by week_start) as next_active_week
    from entity_weeks
),

statuses as (
    select
        entity_type,
        week_start,
        case
            when previous_active_week is null then 'new'
            when previous_active_week = {{ product_analytics.add_days("week_start", -7) }} then 'returning'
            else 'resurrecting'
        end as status
    from ordered_weeks

    union all

    -- The week after an active week without activity.
    select
        entity_type,
        {{ product_analytics.add_days("week_start", 7) }} as week_start,
        'dormant' as status
    from ordered_weeks
    where next_active_week is null or next_active_week > {{ product_analytics.add_days("week_start", 7) }}
),

status_counts as (
    select
        entity_type,
        week_start,
        sum(case when status = 'new' then 1 else 0 end) as new_entities,
        sum(case when status = 'returning' then 1 else 0 end) as returning_entities,
        sum(case when status = 'resurrecting' then 1 else 0 end) as resurrecting_entities,
        sum(case when status = 'dormant' then 1 else 0 end) as dormant_entities
    from statuses
    group by entity_type, week_start
),

entity_types as (
    select cast('user' as {{ dbt.type_string() }}) as entity_type
    union all
    select cast('account' as {{ dbt.type_string() }}) as entity_type
),

grid as (
    select
        weeks.week_start,
        weeks.last_day_of_data,
        entity_types.entity_type
    from weeks
    cross join entity_types
),

final as (
    select
        grid.week_start,
        grid.entity_type,
        cast(coalesce(status_counts.new_entities, 0) as {{ dbt.type_bigint() }}) as new_entities,
        cast(coalesce(status_counts.returning_entities, 0) as {{ dbt.type_bigint() }}) as returning_entities,
        cast(coalesce(status_counts.resurrecting_entities, 0) as {{ dbt.type_bigint() }}) as resurrecting_entities,
        cast(coalesce(status_counts.dormant_entities, 0) as {{ dbt.type_bigint() }}) as dormant_entities,
        cast(
            coalesce(status_counts.new_entities, 0)
            + coalesce(status_counts.returning_entities, 0)
            + coalesce(status_counts.resurrecting_entities, 0)
            as {{ dbt.type_bigint() }}
        ) as active_entities,
        {{ product_analytics.add_days("grid.week_start", 6) }} <= grid.last_day_of_data as is_complete
    from grid
    left join status_counts
        on
            grid.week_start = status_counts.week_start
            and grid.entity_type = status_counts.entity_type
)

select * from final
