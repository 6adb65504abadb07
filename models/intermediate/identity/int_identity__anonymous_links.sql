{#
    For every anonymous id that was ever sent together with a user id, the call that linked
    them first (docs/reference.md section 3): by event_at, then received_at, then id, over every staged
    call type. `linked_user_id` is the user id as sent; aliases are applied by
    int_identity__anonymous_users, so a late alias needs no reprocessing here.

    Incremental: calls received since the last run (minus the lookback) compete with the
    link already stored for their anonymous id; the earlier one stays.
#}

-- depends_on: {{ ref('base_segment__unprocessed_received_days') }}

{{ config(
    materialized=product_analytics.incremental_materialization(),
    unique_key="anonymous_id",
    incremental_strategy="delete+insert",
    full_refresh=product_analytics.allow_full_refresh(),
) }}

{#- Incremental runs read the calls received since the last run (less the lookback). -#}
{%- set new_calls = none %}
{%- if is_incremental() %}
{%- set new_calls = "received_at >= " ~ product_analytics.incremental_cutoff(column="latest_link_received_at") %}
{%- endif %}

with

linking_calls as (
    {{ product_analytics.linking_calls(new_calls) }}
),

candidates as (
    select
        anonymous_id,
        linked_user_id,
        linked_at,
        linked_received_at,
        linked_message_id,
        linked_received_at as latest_link_received_at
    from linking_calls
    {%- if is_incremental() %}

    union all

    select
        anonymous_id,
        linked_user_id,
        linked_at,
        linked_received_at,
        linked_message_id,
        latest_link_received_at
    from {{ this }}
    where anonymous_id in (select linking_calls.anonymous_id from linking_calls)
    {%- endif %}
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.anonymous_id
            order by candidates.linked_at, candidates.linked_received_at, candidates.linked_message_id
        ) as link_rank,
        max(candidates.latest_link_received_at) over (partition by candidates.anonymous_id) as latest_received_at
    from candidates
),

final as (
    select
        anonymous_id,
        linked_user_id,
        linked_at,
        linked_received_at,
        linked_message_id,
        latest_received_at as latest_link_received_at
    from ranked
    where link_rank = 1
)

select * from final
