{#
    Where every raw row went, per call type, source schema and day received (UTC): kept (the
    copy staged for its message), a duplicate copy of a kept message, or rejected, by
    reason. The counts of one call type, schema and day add up to its raw rows.

    Incremental by day received: a run recounts the days from the cutoff on. Counts of
    earlier days do not change, since a copy received later never replaces the copy kept.
    Rows without received_at (received_date null) are recounted every run.
#}

-- Its incremental cutoff reads: depends_on: {{ ref('base_segment__unprocessed_received_days') }}

{%- set rewrites_days = product_analytics.rewrites_day_partitions() %}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    unique_key=none if rewrites_days else ["call_type", "source_schema", "received_date"],
    incremental_strategy=product_analytics.day_strategy("delete+insert"),
    partition_by=product_analytics.day_partitions("received_date"),
    full_refresh=product_analytics.allow_full_refresh(),
    pre_hook="{{ product_analytics.delete_rows_without_day(this, 'received_date') }}",
    post_hook="{{ product_analytics.mart_view_over_day_partitions(this) }}",
    **product_analytics.day_partitioned_mart_config("dq_segment__message_counts_daily")
) }}

{%- set rejection_reasons = {
    "tracks": "rejected_empty_event_name",
    "identifies": "rejected_unexplained",
    "groups": "rejected_missing_group_id",
    "pages": "rejected_unexplained",
    "screens": "rejected_unexplained",
    "aliases": "rejected_incomplete_alias",
} %}

{%- if is_incremental() %}
    {#- The first day recounted, as a literal (raw tables are filtered while scanned). -#}
    {%- set first_day_value = product_analytics.incremental_cutoff_value(column="received_date")[:10] %}
    {%- set first_day = "cast('" ~ first_day_value ~ "' as date)" %}
{%- endif %}

with

{% for call_type, reason in rejection_reasons.items() %}
{{ call_type }}_rows as (
    select
        message_id,
        source_schema,
        received_at,
        cast(received_at as date) as received_date
    {%- if is_incremental() %}
    from (
        {{ product_analytics.union_segment_tables(call_type, received_since=first_day_value ~ " 00:00:00", or_not_received=true) }}
    ) as base_rows
    {%- else %}
    from {{ ref('base_segment__' ~ call_type) }}
    {%- endif %}
),

{{ call_type }}_staged as (
    select
        message_id,
        source_schema,
        cast(received_at as date) as received_date
    from {{ ref('stg_segment__' ~ call_type) }}
    {%- if is_incremental() %}
    where received_at >= {{ first_day }}
    {%- endif %}
),

-- Messages of these rows that staging does not hold (few: the rejected ones)...
{{ call_type }}_unstaged_messages as (
    select distinct counted.message_id
    from {{ call_type }}_rows as counted
    where
        not exists (
            select 1 from {{ ref('stg_segment__' ~ call_type) }} as staged
            where staged.message_id = counted.message_id
        )
),

-- ...and whether any of their copies was received: among these rows, or (incremental runs,
-- only for messages none of whose copies here has received_at) among the copies received
-- before the recounted days. Those are rare, so older raw rows are usually not read at all.
{{ call_type }}_rejected_messages as (
    select
        counted.message_id,
        count(counted.received_at) as copies_received_here
    from {{ call_type }}_rows as counted
    inner join {{ call_type }}_unstaged_messages as unstaged
        on counted.message_id = unstaged.message_id
    group by counted.message_id
),

{%- if is_incremental() %}

{{ call_type }}_received_before as (
    select distinct earlier_copies.message_id
    from {{ ref('base_segment__' ~ call_type) }} as earlier_copies
    inner join {{ call_type }}_rejected_messages as rejected
        on
            earlier_copies.message_id = rejected.message_id
            and rejected.copies_received_here = 0
    where earlier_copies.received_at < {{ first_day }}
),
{%- endif %}

{{ call_type }}_row_outcomes as (
    select
        cast('{{ call_type }}' as {{ dbt.type_string() }}) as call_type,
        counted.source_schema,
        counted.received_date,
        case
            when counted.message_id is null then 'rejected_missing_id'
            -- The kept copy is the earliest received; it lacks received_at only when all copies do.
            {%- if is_incremental() %}
            when rejected.copies_received_here = 0 and received_before.message_id is null
                then 'rejected_missing_received_at'
            {%- else %}
            when rejected.copies_received_here = 0 then 'rejected_missing_received_at'
            {%- endif %}
            when rejected.message_id is not null then '{{ reason }}'
            else 'kept_or_duplicate'
        end as outcome
    from {{ call_type }}_rows as counted
    left join {{ call_type }}_rejected_messages as rejected
        on counted.message_id = rejected.message_id
    {%- if is_incremental() %}
    left join {{ call_type }}_received_before as received_before
        on counted.message_id = received_before.message_id
    {%- endif %}
),

{{ call_type }}_kept as (
    select
        cast('{{ call_type }}' as {{ dbt.type_string() }}) as call_type,
        source_schema,
        received_date,
        count(*) as kept_count
    from {{ call_type }}_staged
    group by source_schema, received_date
),

{% endfor %}

row_outcomes as (
    {%- for call_type in rejection_reasons %}
    select * from {{ call_type }}_row_outcomes
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

kept_messages as (
    {%- for call_type in rejection_reasons %}
    select * from {{ call_type }}_kept
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

outcome_counts as (
    select
        call_type,
        source_schema,
        received_date,
        outcome,
        count(*) as row_count
    from row_outcomes
    group by call_type, source_schema, received_date, outcome
),

-- A row of a staged message is its kept copy or a duplicate: the kept copies of a schema
-- and day are the staged rows of that schema and day, the rest are duplicates.
delivered_counts as (
    select
        outcome_counts.call_type,
        outcome_counts.source_schema,
        outcome_counts.received_date,
        outcome_counts.row_count,
        coalesce(kept_messages.kept_count, 0) as kept_count
    from outcome_counts
    left join kept_messages
        on
            outcome_counts.call_type = kept_messages.call_type
            and outcome_counts.source_schema = kept_messages.source_schema
            and outcome_counts.received_date = kept_messages.received_date
    where outcome_counts.outcome = 'kept_or_duplicate'
),

final as (
    select
        call_type,
        source_schema,
        received_date,
        outcome,
        row_count
    from outcome_counts
    where outcome != 'kept_or_duplicate'

    union all

    select
        call_type,
        source_schema,
        received_date,
        'kept' as outcome,
        kept_count as row_count
    from delivered_counts
    where kept_count > 0

    union all

    select
        call_type,
        source_schema,
        received_date,
        'duplicate' as outcome,
        row_count - kept_count as row_count
    from delivered_counts
    where row_count > kept_count
)

select * from final
