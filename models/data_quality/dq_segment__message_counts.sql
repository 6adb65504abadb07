{#
    Where every raw row went: for each call type and source schema, how many rows were kept
    (one per message), dropped as a duplicate copy of a kept message, or rejected, by reason.
    The counts of one call type and schema add up to its raw row count, so nothing is lost
    silently.
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
{{ call_type }}_row_outcomes as (
    select
        cast('{{ call_type }}' as {{ dbt.type_string() }}) as call_type,
        raw_rows.source_schema,
        case
            when raw_rows.message_id is null then 'rejected_missing_id'
            when staged.message_id is not null then 'kept_or_duplicate'
            -- The kept copy is the earliest received; it lacks received_at only when all copies do.
            when count(raw_rows.received_at) over (partition by raw_rows.message_id) = 0
                then 'rejected_missing_received_at'
            else '{{ reason }}'
        end as outcome
    from {{ ref('base_segment__' ~ call_type) }} as raw_rows
    left join {{ ref('stg_segment__' ~ call_type) }} as staged
        on raw_rows.message_id = staged.message_id
),

{{ call_type }}_kept as (
    select
        cast('{{ call_type }}' as {{ dbt.type_string() }}) as call_type,
        source_schema,
        count(*) as kept_count
    from {{ ref('stg_segment__' ~ call_type) }}
    group by source_schema
),

{% endfor %}

row_outcomes as (
    {% for call_type in rejection_reasons %}
    select * from {{ call_type }}_row_outcomes
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

kept_messages as (
    {% for call_type in rejection_reasons %}
    select * from {{ call_type }}_kept
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

outcome_counts as (
    select
        call_type,
        source_schema,
        outcome,
        count(*) as row_count
    from row_outcomes
    group by call_type, source_schema, outcome
),

-- A row whose message was kept is either the kept copy or a duplicate of it; the kept
-- copies per schema are the staged rows of that schema, the rest are duplicates.
delivered_counts as (
    select
        outcome_counts.call_type,
        outcome_counts.source_schema,
        outcome_counts.row_count,
        coalesce(kept_messages.kept_count, 0) as kept_count
    from outcome_counts
    left join kept_messages
        on
            outcome_counts.call_type = kept_messages.call_type
            and outcome_counts.source_schema = kept_messages.source_schema
    where outcome_counts.outcome = 'kept_or_duplicate'
),

final as (
    select
        call_type,
        source_schema,
        outcome,
        row_count
    from outcome_counts
    where outcome != 'kept_or_duplicate'

    union all

    select
        call_type,
        source_schema,
        'kept' as outcome,
        kept_count as row_count
    from delivered_counts
    where kept_count > 0

    union all

    select
        call_type,
        source_schema,
        'duplicate' as outcome,
        row_count - kept_count as row_count
    from delivered_counts
    where row_count > kept_count
)

select * from final
