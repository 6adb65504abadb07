{#
    One row per resolved user with at least one event in fct_events (docs/reference.md section 7):
    when they were first and last seen (any event, stitched anonymous ones included), when
    they signed up, their latest traits, and their accounts.
#}

{%- set traits = product_analytics.config_traits("user_traits") %}
{%- set signup_event = product_analytics.config_non_empty_string("signup_event") %}
{%- do product_analytics.warn_unplanned_events(
    [signup_event],
    "signup_event '{}'",
    "dim_users.signed_up_at is null for every user unless the event occurs. Event names are case-sensitive: check the variable."
) %}

-- depends_on: {{ ref('stg_tracking_plan__events') }}

with

events as (
    select * from {{ ref('fct_events') }}
),

last_data_day as (
    select max(event_date) as last_event_date from events
),

user_events as (
    select
        events.user_id,
        min(events.event_at) as first_seen_at,
        max(events.event_at) as last_seen_at,
        min(case when events.event_type = 'track' and events.event_name = '{{ signup_event }}' then events.event_at end)
            as signed_up_at,
        coalesce(max(
            case
                when
                    events.is_activity
                    and events.event_date > {{ dbt.dateadd("day", -30, "last_data_day.last_event_date") }}
                    then 1
            end
        ) = 1, false) as is_active_last_30d
    from events
    cross join last_data_day
    where events.user_id is not null
    group by events.user_id
),

identifies as (
    select
        stg.message_id,
        stg.event_at,
        stg.received_at,
        {%- for trait in traits %}
        {{ product_analytics.trait_value("identifies", "stg", trait.name, trait.sql_type) }} as {{ adapter.quote(trait.name) }},
        {%- endfor %}
        {{ product_analytics.resolved_user_id("stg") }} as user_id
    from {{ ref('stg_segment__identifies') }} as stg
    left join {{ ref('int_identity__aliases_resolved') }} as aliases
        on stg.user_id = aliases.alias_id
    left join {{ ref('int_identity__anonymous_users') }} as anonymous_users
        on stg.user_id is null and stg.anonymous_id = anonymous_users.anonymous_id
),

latest_traits as (
    select distinct
        {%- for trait in traits %}
        {{ product_analytics.latest_non_null(adapter.quote(trait.name), "user_id") }} as {{ adapter.quote(trait.name) }},
        {%- endfor %}
        user_id
    from identifies
    where user_id is not null
),

memberships as (
    select * from {{ ref('int_accounts__live_group_calls') }}
    where user_id is not null
),

user_accounts as (
    select
        user_id,
        count(distinct account_id) as account_count
    from memberships
    group by user_id
),

primary_accounts as (
    select
        user_id,
        account_id
    from (
        select
            user_id,
            account_id,
            row_number() over (
                partition by user_id
                order by event_at desc, received_at desc, message_id desc
            ) as recency_rank
        from memberships
    ) as ranked_calls
    where recency_rank = 1
),

final as (
    select
        user_events.user_id,
        user_events.first_seen_at,
        user_events.last_seen_at,
        user_events.signed_up_at,
        {%- for trait in traits %}
        latest_traits.{{ adapter.quote(trait.name) }},
        {%- endfor %}
        primary_accounts.account_id as primary_account_id,
        coalesce(user_accounts.account_count, 0) as account_count,
        user_events.is_active_last_30d
    from user_events
    left join latest_traits
        on user_events.user_id = latest_traits.user_id
    left join primary_accounts
        on user_events.user_id = primary_accounts.user_id
    left join user_accounts
        on user_events.user_id = user_accounts.user_id
)

select * from final
