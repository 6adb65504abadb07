{#
    The history of every account's traits as validity intervals: one row per version, from
    the group call that changed a trait's latest non-null value to the next such call.
    Answers "what plan was this account on when it did X":
        events.event_at >= history.valid_from
        and (events.event_at < history.valid_to or history.valid_to is null)
#}

{%- set traits = product_analytics.config_traits("account_traits") %}
{%- set call_order = "event_at, received_at, message_id" %}

with

group_calls as (
    select * from {{ ref('int_accounts__group_calls') }}
    where
        not is_from_deleted_user
        and account_id not in (select opted_out.account_id from {{ ref('int_accounts__opted_out') }} as opted_out)
),

-- For each trait, how many calls so far carried it: a segment of calls sharing that count
-- starts with the call that set the value, which stays in force through the segment.
trait_segments as (
    select
        group_calls.*,
        {%- for trait in traits %}
        count({{ adapter.quote(trait.name) }}) over (
            partition by account_id order by {{ call_order }} rows between unbounded preceding and current row
        ) as {{ trait.name }}_segment{{ "," if not loop.last }}
        {%- endfor %}
    from group_calls
),

filled_traits as (
    select
        account_id,
        message_id,
        event_at,
        received_at,
        {%- for trait in traits %}
        first_value({{ adapter.quote(trait.name) }}) over (
            partition by account_id, {{ trait.name }}_segment order by {{ call_order }}
            rows between unbounded preceding and unbounded following
        ) as {{ adapter.quote(trait.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from trait_segments
),

compared_to_previous as (
    select
        filled_traits.*,
        row_number() over (partition by account_id order by {{ call_order }}) as call_number,
        {%- for trait in traits %}
        lag({{ adapter.quote(trait.name) }}) over (partition by account_id order by {{ call_order }})
            as previous_{{ trait.name }}{{ "," if not loop.last }}
        {%- endfor %}
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
        lead(event_at) over (partition by account_id order by {{ call_order }}) as valid_to,
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
