{#
    One row per entity and reporting day on which it was active: users with an activity
    event, accounts with an activity event attributed to them (docs/reference.md section 5). Built once
    from int_engagement__activity_days; every user and account engagement mart reads it.
#}

with

activity_days as (
    select * from {{ ref('int_engagement__activity_days') }}
),

final as (
    select
        cast('user' as {{ dbt.type_string() }}) as entity_type,
        user_id as entity_id,
        date_day,
        cast(sum(activity_events) as {{ dbt.type_bigint() }}) as activity_events
    from activity_days
    group by user_id, date_day

    union all

    select
        cast('account' as {{ dbt.type_string() }}) as entity_type,
        account_id as entity_id,
        date_day,
        cast(sum(activity_events) as {{ dbt.type_bigint() }}) as activity_events
    from activity_days
    where account_id is not null
    group by account_id, date_day
)

select * from final
