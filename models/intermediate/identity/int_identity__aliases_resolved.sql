{#
    Every id that was aliased (`previous_id`), mapped to the end of its alias chain:
    A -> B -> C makes A and B resolve to C (docs/reference.md section 3). Ignored edges (superseded,
    closing a cycle) are not followed, so the remaining edges form chains without cycles;
    a chain longer than `alias_max_chain_length` is cut there and flagged.
    Ids never aliased are absent: they resolve to themselves.
#}

{%- set max_hops = product_analytics.config_positive_integer("alias_max_chain_length") %}

with

edges as (
    select
        previous_id,
        user_id
    from {{ ref('int_identity__alias_edges') }}
    where ignored_because is null
),

walks as (
    select
        hop_0.previous_id,
        {%- for k in range(1, max_hops + 1) %}
        hop_{{ k - 1 }}.user_id as hop_{{ k }},
        {%- endfor %}
        -- An edge leaving the last id reached means the chain goes on beyond the bound.
        hop_{{ max_hops }}.user_id as beyond_bound
    from edges as hop_0
    {% for k in range(1, max_hops + 1) -%}
    left join edges as hop_{{ k }}
        on hop_{{ k - 1 }}.user_id = hop_{{ k }}.previous_id
    {% endfor -%}
),

final as (
    select
        previous_id as alias_id,
        -- The last id reached.
        coalesce({% for k in range(max_hops, 0, -1) %}hop_{{ k }}{% if not loop.last %}, {% endif %}{% endfor %}) as user_id,
        case
            {%- for k in range(max_hops, 1, -1) %}
            when hop_{{ k }} is not null then {{ k }}
            {%- endfor %}
            else 1
        end as chain_length,
        beyond_bound is not null as is_chain_truncated
    from walks
)

select * from final
