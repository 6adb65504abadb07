{#
    The tracking plan against what is sent (docs/reference.md section 6): one row per event name seen in
    track events (fct_events) or planned, with its plan entry, when and where it was seen,
    its volume over the last 30 days of data, whether its name follows
    `event_naming_convention`, and a status. A table: it describes the state as of the last
    day of data, and the plan is read afresh on every run.
#}

with

tracking_plan as (
    select * from {{ ref('stg_tracking_plan__events') }}
),

event_days as (
    select * from {{ ref('int_tracking_plan__event_days') }}
),

reporting_days as (
    select * from {{ ref('int_engagement__reporting_days') }}
),

last_day as (
    select max(last_day_of_data) as last_day_of_data
    from reporting_days
),

seen_events as (
    select
        event_name,
        min(first_event_at) as first_seen_at,
        max(last_event_at) as last_seen_at
    from event_days
    group by event_name
),

event_sources as (
    select distinct
        event_name,
        source_schema
    from event_days
),

source_lists as (
    select
        event_name,
        {{ dbt.listagg('source_schema', "', '", "order by source_schema") }} as source_schemas
    from event_sources
    group by event_name
),

-- Events and distinct resolved users over the 30 days ending on the last day of data.
recent_activity as (
    select
        events.event_name,
        count(*) as events_last_30d,
        count(distinct events.user_id) as users_last_30d
    from {{ ref('fct_events') }} as events
    cross join last_day
    where
        events.event_type = 'track'
        and events.event_date > {{ dbt.dateadd('day', -30, 'last_day.last_day_of_data') }}
    group by events.event_name
),

event_names as (
    select event_name from seen_events
    union
    select event_name from tracking_plan
),

final as (
    select
        event_names.event_name,
        tracking_plan.event_name is not null as is_planned,
        tracking_plan.category,
        tracking_plan.owner,
        seen_events.first_seen_at,
        seen_events.last_seen_at,
        coalesce(recent_activity.events_last_30d, 0) as events_last_30d,
        coalesce(recent_activity.users_last_30d, 0) as users_last_30d,
        source_lists.source_schemas,
        {{ product_analytics.follows_event_naming_convention('event_names.event_name') }} as follows_naming_convention,
        case
            when tracking_plan.event_name is null then 'unplanned'
            when seen_events.event_name is null then 'planned_never_seen'
            when recent_activity.event_name is null then 'planned_not_seen_last_30d'
            else 'ok'
        end as status
    from event_names
    left join tracking_plan
        on event_names.event_name = tracking_plan.event_name
    left join seen_events
        on event_names.event_name = seen_events.event_name
    left join source_lists
        on event_names.event_name = source_lists.event_name
    left join recent_activity
        on event_names.event_name = recent_activity.event_name
)

select * from final
