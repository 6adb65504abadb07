{#
    Every staged Group call with the user it resolves to (its user id through aliases, or
    for an anonymous-only call the user its anonymous id is linked to), the opt-out value
    and the configured account traits, typed. Calls of deleted users are kept and flagged:
    they still count for opt-out, and are left out of everything else downstream.
#}

{%- set traits = product_analytics.config_traits("account_traits") %}
{%- set opt_out_trait = product_analytics.config_non_empty_string("opt_out_trait") %}

with

group_calls as (
    select * from {{ ref('stg_segment__groups') }}
),

aliases as (
    select * from {{ ref('int_identity__aliases_resolved') }}
),

anonymous_users as (
    select * from {{ ref('int_identity__anonymous_users') }}
),

deleted_users as (
    select * from {{ ref('int_identity__deleted_users') }}
),

resolved_calls as (
    select
        group_calls.message_id,
        group_calls.group_id as account_id,
        {{ product_analytics.resolved_user_id("group_calls") }} as user_id,
        case when group_calls.user_id is null then group_calls.anonymous_id end as resolved_through_anonymous_id,
        group_calls.event_at,
        group_calls.received_at,
        {%- for trait in traits %}
        {{ product_analytics.trait_value("groups", "group_calls", trait.name, trait.sql_type) }} as {{ adapter.quote(trait.name) }},
        {%- endfor %}
        {{ product_analytics.trait_value("groups", "group_calls", opt_out_trait, dbt.type_boolean()) }} as opts_out,
        {{ product_analytics.trait_value("groups", "group_calls", "created_at", dbt.type_timestamp()) }} as created_at_trait
    from group_calls
    left join aliases
        on group_calls.user_id = aliases.alias_id
    left join anonymous_users
        on
            group_calls.user_id is null
            and group_calls.anonymous_id = anonymous_users.anonymous_id
),

final as (
    select
        resolved_calls.*,
        deleted_users.user_id is not null as is_from_deleted_user
    from resolved_calls
    left join deleted_users
        on resolved_calls.user_id = deleted_users.user_id
)

select * from final
