{#
    The history of every account's traits as validity intervals: one row per version, from
    the group call that changed a trait's latest non-null value to the next such call.
    Answers "what plan was this account on when it did X":
        events.event_at >= history.valid_from
        and (events.event_at < history.valid_to or history.valid_to is null)
#}

{%- set traits = product_analytics.config_traits("account_traits") %}

with

group_calls as (
    select * from {{ ref('int_accounts__live_group_calls') }}
),

-- For each trait, how many calls so far carried it: a segment of calls sharing that count
-- starts with the call that set the value, which stays in force through the segment.
trait_segments as (
    select
        {%- for trait in traits %}
        count(group_calls.{{ adapter.quote(trait.name) }}) over (
            partition by group_calls.account_id
            order by group_calls.event_at, group_calls.received_at, group_calls.message_id
            rows between unbounded preceding and current row
        ) as {{ trait.name }}_segment,
        {%- endfor %}
        group_calls.*
    from group_calls
),

filled_traits as (
    select
        {%- for trait in traits %}
        first_value(trait_segments.{{ adapter.quote(trait.name) }}) over (
            partition by trait_segments.account_id, trait_segments.{{ trait.name }}_segment
            order by trait_segments.event_at, trait_segments.received_at, trait_segments.message_id
            rows between unbounded preceding and unbounded following
        ) as {{ adapter.quote(trait.name) }},
        {%- endfor %}
        trait_segments.account_id,
        trait_segments.message_id,
        trait_segments.event_at,
        trait_segments.received_at
    from trait_segments
),

compared_to_previous as (
    select
        {%- for trait in traits %}
        lag(filled_traits.{{ adapter.quote(trait.name) }}) over (
            partition by filled_traits.account_id
            order by filled_traits.event_at, filled_traits.received_at, filled_traits.message_id
        ) as previous_{{ trait.name }},
        {%- endfor %}
        filled_traits.*,
        row_number() over (
            partition by filled_traits.account_id
            order by filled_traits.event_at, filled_traits.received_at, filled_traits.message_id
        ) as call_number
    from filled_traits
),

versions as (
    select * from compared_to_previous
    where
        call_number = 1
        {%- for trait in traits %}
        or {{ adapter.quote(trait.name) }} is distinct from previous_{{ trait.name }}
        {%- endfor %}
),

final as (
    select
        account_id,
        event_at as valid_from,
        lead(event_at) over (partition by account_id order by event_at, received_at, message_id) as valid_to,
        {%- for trait in traits %}
        {{ adapter.quote(trait.name) }},
        {%- endfor %}
        message_id as changed_by_message_id
    from versions
)

select
    final.*,
    final.valid_to is null as is_current
from final
