{#
    The group calls that count for memberships, traits and account existence: those of users
    who are not deleted, into accounts that did not opt out (docs/reference.md section 4).
#}

with

group_calls as (
    select * from {{ ref('int_accounts__group_calls') }}
),

opted_out as (
    select * from {{ ref('int_accounts__opted_out') }}
),

final as (
    select group_calls.*
    from group_calls
    where
        not group_calls.is_from_deleted_user
        and group_calls.account_id not in (select opted_out.account_id from opted_out)
)

-- Every column of int_accounts__group_calls (its trait columns follow `account_traits`).
select * from final  -- noqa: AM04
