{#-
    A trait column of a staged call, of its configured type; null when no source has the
    column. Staging already read it as that type (segment_declared_columns, safe_read: values
    that are not of the type are null and counted in dq_segment__nulled_values), so the cast
    changes nothing and never fails.
-#}
{% macro trait_value(call_type, relation_alias, name, sql_type) -%}
    {%- set available = product_analytics.segment_extra_columns(call_type) | map(attribute="name") | list -%}
    {%- if name in available -%}
        cast({{ relation_alias }}.{{ adapter.quote(name) }} as {{ sql_type }})
    {%- else -%}
        cast(null as {{ sql_type }})
    {%- endif -%}
{%- endmacro %}

{#-
    Latest non-null value of `column` per `partition_by`, ordered by event_at, received_at,
    message_id (docs/reference.md section 4: traits are each the latest non-null value, not the whole
    latest call). A window expression; null when the column was never sent.
-#}
{% macro latest_non_null(column, partition_by) -%}
    first_value({{ column }}) over (
        partition by {{ partition_by }}
        order by
            case when {{ column }} is null then 1 else 0 end,
            event_at desc,
            received_at desc,
            message_id desc
        rows between unbounded preceding and unbounded following
    )
{%- endmacro %}

{#-
    Every staged call that sent an anonymous id together with a user id (docs/reference.md section 3), of
    every call type, with the user id as sent, and every alias call as a link from its
    previous_id (as an anonymous id) to its user id; `condition` (SQL over the columns of the
    calls, naming the anonymous id `anonymous_id`) filters them.
-#}
{% macro linking_calls(condition=none) -%}
    {%- set sources = [] -%}
    {%- for call_type in product_analytics.segment_call_types() -%}
        {%- do sources.append(ref('stg_segment__' ~ call_type)) -%}
    {%- endfor -%}
    {#- An alias call also links its previous_id, read as an anonymous id, to its user id:
        server-side alias(previous_id = <anonymous id>) is how many products merge a visitor. -#}
    {%- do sources.append(
        "(select previous_id as anonymous_id, user_id, event_at, received_at, message_id from "
        ~ ref('stg_segment__aliases') ~ ")"
    ) -%}
    {%- for source in sources %}
    select
        anonymous_id,
        user_id as linked_user_id,
        event_at as linked_at,
        received_at as linked_received_at,
        message_id as linked_message_id
    from {{ source }} as calls
    where
        anonymous_id is not null
        and user_id is not null
        {%- if condition %}
        and {{ condition }}
        {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- The relations linking_calls() reads, as a SQL comment (for a model that calls it only in incremental runs). -#}
{% macro linking_calls_dependencies() -%}
    depends_on:{% for call_type in product_analytics.segment_call_types() %} {{ ref('stg_segment__' ~ call_type) }}{% endfor %}
{%- endmacro %}

{#-
    Each account's opt-out status (docs/reference.md section 4): the latest non-null value of the opt-out
    trait over the group calls of int_accounts__group_calls (deleted users' included) that
    meet `condition`, ordered as latest_non_null orders them. A query of (account_id,
    opts_out): one row per account that sent a value.
-#}
{% macro latest_opt_out_values(condition="1 = 1") -%}
    select
        account_id,
        opts_out
    from (
        select
            account_id,
            opts_out,
            row_number() over (
                partition by account_id
                order by event_at desc, received_at desc, message_id desc
            ) as recency_rank
        from {{ ref('int_accounts__group_calls') }}
        where opts_out is not null and ({{ condition }})
    ) as ranked_values
    where recency_rank = 1
{%- endmacro %}

{#-
    The user a call belongs to (docs/reference.md section 3): its own user id through aliases, else the
    user its anonymous id was first linked to. Needs `aliases` (int_identity__aliases_resolved)
    and `anonymous_users` (int_identity__anonymous_users) joined on the call.
-#}
{% macro resolved_user_id(call, user_column="user_id", aliases="aliases", anonymous_users="anonymous_users") -%}
    case
        when {{ call }}.{{ user_column }} is not null then coalesce({{ aliases }}.user_id, {{ call }}.{{ user_column }})
        else {{ anonymous_users }}.user_id
    end
{%- endmacro %}
