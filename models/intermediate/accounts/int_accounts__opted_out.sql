{#
    Accounts that opted out of analytics (docs/reference.md section 4): the latest non-null value of the
    `opt_out_trait` group trait, judged over all the account's group calls (deleted users'
    included, so deleting an admin cannot resurface an opted-out account), is true.
    Their events are dropped from fct_events after attribution, and they are absent from
    every mart.
#}

with

opt_out_status as (
    {{ product_analytics.latest_opt_out_values() }}
),

final as (
    select account_id
    from opt_out_status
    where opts_out
)

select * from final
