{#
    Accounts that opted out of analytics (SPEC section 4): the latest non-null value of the
    `opt_out_trait` group trait, judged over all the account's group calls (deleted users'
    included, so deleting an admin cannot resurface an opted-out account), is true.
    Their events are dropped from fct_events after attribution, and they are absent from
    every mart.
#}

with

opt_out_values as (
    select
        account_id,
        opts_out,
        row_number() over (
            partition by account_id
            order by event_at desc, received_at desc, message_id desc
        ) as recency_rank
    from {{ ref('int_accounts__group_calls') }}
    where opts_out is not null
),

final as (
    select account_id
    from opt_out_values
    where recency_rank = 1 and opts_out
)

select * from final
