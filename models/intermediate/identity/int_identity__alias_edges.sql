{#
    Every alias call as an edge previous_id -> user_id, with the reason it is ignored when
    it is (docs/reference.md section 3):
      - superseded: another alias call for the same previous_id came first (by event_at,
        then received_at, then id); the earliest alias call wins;
      - closes_cycle: the edge would close a cycle (A -> B, later B -> A); in every cycle of
        winning edges the latest edge is ignored, which is what processing the alias calls
        in time order would do.
    Cycles are found by walking each edge up to `alias_max_chain_length` hops.
#}

{%- set max_hops = product_analytics.config_positive_integer("alias_max_chain_length") %}

with

alias_calls as (
    select
        message_id,
        previous_id,
        user_id,
        event_at,
        received_at,
        row_number() over (
            partition by previous_id
            order by event_at, received_at, message_id
        ) as previous_id_rank,
        -- One total order of all alias calls: later edges have larger numbers.
        row_number() over (order by event_at, received_at, message_id) as edge_order
    from {{ ref('stg_segment__aliases') }}
),

winning_edges as (
    select * from alias_calls
    where previous_id_rank = 1
),

-- hop_k: the id reached after k edges from previous_id; order_k: the edge taken at step k.
walks as (
    select
        {%- for k in range(1, max_hops + 1) %}
        hop_{{ k - 1 }}.user_id as hop_{{ k }},
        hop_{{ k - 1 }}.edge_order as order_{{ k }},
        {%- endfor %}
        hop_0.previous_id
    from winning_edges as hop_0
    {% for k in range(1, max_hops) -%}
    left join winning_edges as hop_{{ k }}
        on hop_{{ k - 1 }}.user_id = hop_{{ k }}.previous_id
    {% endfor -%}
),

cycles as (
    select
        {%- for k in range(1, max_hops + 1) %}
        walks.order_{{ k }},
        {%- endfor %}
        walks.previous_id,
        case
            {%- for k in range(1, max_hops + 1) %}
            when walks.hop_{{ k }} = walks.previous_id then {{ k }}
            {%- endfor %}
        end as cycle_length
    from walks
),

-- The edge leaving previous_id closes its cycle when it is the latest edge of the cycle.
cycle_closing_edges as (
    select cycles.previous_id
    from cycles
    where
        cycles.cycle_length is not null
        {%- for k in range(2, max_hops + 1) %}
        and (cycles.cycle_length < {{ k }} or cycles.order_1 >= cycles.order_{{ k }})
        {%- endfor %}
),

final as (
    select
        alias_calls.message_id,
        alias_calls.previous_id,
        alias_calls.user_id,
        alias_calls.event_at,
        alias_calls.received_at,
        alias_calls.edge_order,
        case
            when alias_calls.previous_id_rank > 1 then 'superseded'
            when cycle_closing_edges.previous_id is not null then 'closes_cycle'
        end as ignored_because
    from alias_calls
    left join cycle_closing_edges
        on
            alias_calls.previous_id = cycle_closing_edges.previous_id
            and alias_calls.previous_id_rank = 1
)

select * from final
