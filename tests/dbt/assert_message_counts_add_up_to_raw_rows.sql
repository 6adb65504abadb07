{#
    Nothing is lost silently: for every call type and source schema, the outcomes counted
    in dq_segment__message_counts add up to the number of raw rows. Returns the offenders.
#}

{%- set call_types = ["tracks", "identifies", "groups", "pages", "screens", "aliases"] %}

with

raw_rows as (
    {%- for call_type in call_types %}
    select
        '{{ call_type }}' as call_type,
        source_schema,
        count(*) as raw_row_count
    from {{ ref('base_segment__' ~ call_type) }}
    group by source_schema
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

counted as (
    select
        call_type,
        source_schema,
        sum(row_count) as counted_row_count
    from {{ ref('dq_segment__message_counts') }}
    group by call_type, source_schema
)

select
    raw_rows.call_type,
    raw_rows.source_schema,
    raw_rows.raw_row_count,
    counted.counted_row_count
from raw_rows
left join counted
    on raw_rows.call_type = counted.call_type and raw_rows.source_schema = counted.source_schema
where counted.counted_row_count is null or counted.counted_row_count != raw_rows.raw_row_count
