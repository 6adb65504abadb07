{#
    For every anonymous id that was ever sent together with a user id, the call that linked
    them first (docs/reference.md section 3): by event_at, then received_at, then id, over every staged
    call type. `linked_user_id` is the user id as sent; aliases are applied by
    int_identity__anonymous_users, so a late alias needs no reprocessing here.

    Incremental: calls received since the last run (minus the lookback) compete with the
    link already stored for their anonymous id; the earlier one stays. Where days are
    rewritten whole (Spark: rewrites_day_partitions), the model builds
    `intermediate.int_identity__anonymous_links__by_day`, partitioned by `linked_date` (the
    UTC day of linked_at), with a view at this model's name selecting the yml's columns
    (day_partitioned_mart_config). A run writes every row of each day holding a link it
    recomputes, now or before (the other rows of the day read back from the table), and drops
    a day left holding only links that moved to an earlier day (drop_emptied_days).
#}

-- depends_on: {{ ref('base_segment__unprocessed_received_days') }}

{%- set rewrites_days = product_analytics.rewrites_day_partitions() %}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    unique_key=none if rewrites_days else "anonymous_id",
    incremental_strategy=product_analytics.day_strategy("delete+insert"),
    partition_by=product_analytics.day_partitions("linked_date"),
    full_refresh=product_analytics.allow_full_refresh(),
    post_hook=[
        "{{ product_analytics.drop_emptied_days(this, 'linked_date', product_analytics.days_of_rewritten_keys(this, 'anonymous_id', 'linked_date')) }}",
        "{{ product_analytics.mart_view_over_day_partitions(this, 'intermediate') }}",
    ],
    **product_analytics.day_partitioned_mart_config("int_identity__anonymous_links")
) }}

{#- Incremental runs read the calls received since the last run (less the lookback), the cutoff read once. -#}
{%- set new_calls = none %}
{%- if is_incremental() %}
{%- set cutoff = product_analytics.incremental_cutoff_value(column="latest_link_received_at") %}
{%- set new_calls = "received_at >= cast('" ~ cutoff ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
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

{%- if rewrites_days %},

-- Days are rewritten whole (Spark): each link with its day, the partition it lives in.
links_by_day as (
    select
        final.*,
        cast(final.linked_at as date) as linked_date
    from final
)
{%- if is_incremental() %},

-- The days of the recomputed links, before and now, and the other links those days hold.
rewritten_days as (
    select links_by_day.linked_date from links_by_day

    union

    select stored.linked_date
    from {{ this }} as stored
    where stored.anonymous_id in (select linking_calls.anonymous_id from linking_calls)
),

kept_rows as (
    {{ product_analytics.previous_rows_of_rewritten_days(
        this,
        [
            "anonymous_id", "linked_user_id", "linked_at", "linked_received_at",
            "linked_message_id", "latest_link_received_at", "linked_date",
        ],
        "linked_date",
        "select rewritten_days.linked_date from rewritten_days",
        "previous.anonymous_id not in (select linking_calls.anonymous_id from linking_calls)",
    ) }}
)

select * from links_by_day
union all
select * from kept_rows
{%- else %}

select * from links_by_day
{%- endif %}
{%- else %}

select * from final
{%- endif %}
