{#
    A dbt warning (counted in WARN) when the sources hold no group call: accounts then come
    only from events' context_group_id, without members or traits, so every account's
    health is Critical and member_count / dim_users.account_count are 0. Account metrics
    need group calls. One row when there is none.
#}

{{ config(severity="warn") }}

select count(*) as group_calls
from {{ ref('stg_segment__groups') }}
having count(*) = 0
