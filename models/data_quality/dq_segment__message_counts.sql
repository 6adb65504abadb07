{#
    Where every raw row went: for each call type and source schema, how many rows were kept
    (one per message, in the stg_segment__ models), dropped as a duplicate copy of a kept
    message, or rejected, by reason. The counts of one call type and schema add up to its
    raw row count, so nothing is lost silently.

    Computed from totals (one pass over the raw rows), the staged rows, and the rows of
    messages absent from staging; duplicates are what remains.
#}

{%- set rejection_reasons = {
    "tracks": "rejected_empty_event_name",
    "identifies": "rejected_unexplained",
    "groups": "rejected_missing_group_id",
    "pages": "rejected_unexplained",
    "screens": "rejected_unexplained",
    "aliases": "rejected_incomplete_alias",
} %}

with

{% for call_type, reason in rejection_reasons.items() %}
{{ call_type }}_totals as (
    select
        cast('{{ call_type }}' as {{ dbt.type_string() }}) as call_type,
        source_schema,
        count(*) as raw_rows,
        count(*) - count(message_id) as rows_without_id
    from {{ ref('base_segment__' ~ call_type) }}
    group by source_schema
),

{{ call_type }}_kept as (
    select
        cast('{{ call_type }}' as {{ dbt.type_string() }}) as call_type,
        source_schema,
        count(*) as kept_rows
    from {{ ref('stg_segment__' ~ call_type) }}
    group by source_schema
),

-- Rows of messages with an id that staging does not hold: the message was rejected.
{{ call_type }}_rejected_rows as (
    select
        raw_rows.message_id,
        raw_rows.source_schema,
        raw_rows.received_at
    from {{ ref('base_segment__' ~ call_type) }} as raw_rows
    where
        raw_rows.message_id is not null
        and not exists (
            select 1 from {{ ref('stg_segment__' ~ call_type) }} as staged
            where staged.message_id = raw_rows.message_id
        )
),

{{ call_type }}_rejected_messages as (
    select
        message_id,
        count(received_at) as copies_received
    from {{ call_type }}_rejected_rows
    group by message_id
),

{{ call_type }}_rejected as (
    select
        cast('{{ call_type }}' as {{ dbt.type_string() }}) as call_type,
        rejected_rows.source_schema,
        -- The kept copy is the earliest received; it lacks received_at only when all copies do.
        case
            when rejected_messages.copies_received = 0 then 'rejected_missing_received_at'
            else '{{ reason }}'
        end as outcome,
        count(*) as row_count
    from {{ call_type }}_rejected_rows as rejected_rows
    inner join {{ call_type }}_rejected_messages as rejected_messages
        on rejected_rows.message_id = rejected_messages.message_id
    group by rejected_rows.source_schema, rejected_messages.copies_received
),

{% endfor %}

totals as (
    {%- for call_type in rejection_reasons %}
    select * from {{ call_type }}_totals
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

kept as (
    {%- for call_type in rejection_reasons %}
    select * from {{ call_type }}_kept
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

rejected_by_type as (
    {%- for call_type in rejection_reasons %}
    select * from {{ call_type }}_rejected
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

rejected as (
    select
        call_type,
        source_schema,
        outcome,
        sum(row_count) as row_count
    from rejected_by_type
    group by call_type, source_schema, outcome
),

rejected_totals as (
    select
        call_type,
        source_schema,
        sum(row_count) as rejected_rows
    from rejected
    group by call_type, source_schema
),

balance as (
    select
        totals.call_type,
        totals.source_schema,
        totals.rows_without_id,
        coalesce(kept.kept_rows, 0) as kept_rows,
        totals.raw_rows
        - totals.rows_without_id
        - coalesce(kept.kept_rows, 0)
        - coalesce(rejected_totals.rejected_rows, 0) as duplicate_rows
    from totals
    left join kept
        on totals.call_type = kept.call_type and totals.source_schema = kept.source_schema
    left join rejected_totals
        on totals.call_type = rejected_totals.call_type and totals.source_schema = rejected_totals.source_schema
),

final as (
    select
        call_type,
        source_schema,
        outcome,
        row_count
    from rejected

    union all

    select
        call_type,
        source_schema,
        'rejected_missing_id' as outcome,
        rows_without_id as row_count
    from balance
    where rows_without_id > 0

    union all

    select
        call_type,
        source_schema,
        'kept' as outcome,
        kept_rows as row_count
    from balance
    where kept_rows > 0

    union all

    select
        call_type,
        source_schema,
        'duplicate' as outcome,
        duplicate_rows as row_count
    from balance
    where duplicate_rows > 0
)

select * from final
