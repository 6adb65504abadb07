-- Question: how many companies are over the MAU limit, and which? Companies whose latest
-- `monthly_tracked_users` group trait (the MAU their own product sends) exceeds the
-- variable `mau_limit` (default 1,000), largest first.

{%- set mau_limit = product_analytics.config_positive_integer("mau_limit") %}

select
    account_id,
    name,
    plan,
    monthly_tracked_users,
    monthly_tracked_users - {{ mau_limit }} as over_limit_by
from {{ ref('dim_accounts') }}
where monthly_tracked_users > {{ mau_limit }}
order by monthly_tracked_users desc, account_id asc
