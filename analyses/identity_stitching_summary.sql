-- Question: how much does identity resolution change the picture? Of all events, how many
-- came with a user id, how many were anonymous but stitched to a user through their
-- anonymous id's first link, and how many stay anonymous; and how many user ids were merged
-- by alias calls (and whether any chain was too long or any alias ignored).

with

events as (
    select * from {{ ref('fct_events') }}
),

-- Events sent without a user id (their user, if any, comes from the anonymous id's link).
sent_anonymously as (
    select message_id from {{ ref('stg_segment__tracks') }}
    where user_id is null
    union all
    select message_id from {{ ref('stg_segment__pages') }}
    where user_id is null
    union all
    select message_id from {{ ref('stg_segment__screens') }}
    where user_id is null
),

event_identity as (
    select
        case
            when events.user_id is null then 'anonymous, never linked'
            when sent_anonymously.message_id is not null then 'anonymous, stitched to a user'
            else 'sent with a user id'
        end as identity_source
    from events
    left join sent_anonymously
        on events.event_id = sent_anonymously.message_id
),

alias_summary as (
    select
        count(*) as aliased_ids,
        sum(case when is_chain_truncated then 1 else 0 end) as truncated_chains
    from {{ ref('int_identity__aliases_resolved') }}
),

ignored_aliases as (
    select count(*) as ignored_alias_calls
    from {{ ref('int_identity__alias_edges') }}
    where ignored_because is not null
)

select
    event_identity.identity_source,
    count(*) as events,
    max(alias_summary.aliased_ids) as aliased_ids,
    max(alias_summary.truncated_chains) as truncated_chains,
    max(ignored_aliases.ignored_alias_calls) as ignored_alias_calls
from event_identity
cross join alias_summary
cross join ignored_aliases
group by event_identity.identity_source
order by events desc
