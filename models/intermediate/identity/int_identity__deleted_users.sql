{#
    Users whose data must disappear (SPEC section 4): the ids listed in the seed
    `deleted_users`, or in the relation named by `deleted_users_relation`, each resolved
    through aliases to the user id the models use. Any id of an alias chain deletes the
    whole person.
#}

{%- set configured = var("deleted_users_relation") %}
{%- if configured and not modules.re.fullmatch("[A-Za-z0-9_\".]+", configured | string) %}
    {{ product_analytics.config_error("deleted_users_relation", "a relation name such as 'privacy.deleted_users', or null", configured) }}
{%- endif %}

with

listed_ids as (
    select distinct {{ product_analytics.trim_whitespace("cast(user_id as " ~ dbt.type_string() ~ ")") }} as user_id
    {%- if configured %}
    from {{ configured }}
    {%- else %}
    from {{ ref('deleted_users') }}
    {%- endif %}
    where user_id is not null
),

final as (
    select distinct coalesce(aliases.user_id, listed_ids.user_id) as user_id
    from listed_ids
    left join {{ ref('int_identity__aliases_resolved') }} as aliases
        on listed_ids.user_id = aliases.alias_id
    where listed_ids.user_id != ''
)

select * from final
