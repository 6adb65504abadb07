{#
    One row per user and account they joined with a Group call (docs/reference.md sections 4, 7): when
    the user was first and last grouped into the account. Deleted users' calls and
    opted-out accounts are left out.
#}

with

group_calls as (
    select * from {{ ref('int_accounts__live_group_calls') }}
    where user_id is not null
),

final as (
    select
        account_id,
        user_id,
        min(event_at) as first_grouped_at,
        max(event_at) as last_grouped_at
    from group_calls
    group by account_id, user_id
)

select * from final
