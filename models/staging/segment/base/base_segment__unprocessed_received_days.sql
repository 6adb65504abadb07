{#
    The received days (UTC) of each call type and source schema that hold raw rows the last
    build did not process: more raw rows than dq_segment__message_counts_daily counted for
    that day. These are the newest days, and also older days when rows arrive with a
    received_at older than what was already processed: a source schema newly added to
    `segment_schemas` with its history, or a loader replaying old rows. Incremental runs
    re-read everything received from the first such day (incremental_cutoff), so they
    process these rows and equal a full refresh.

    The counts processed are read from the previous build of the data-quality model, which
    runs after every model that re-reads these days (it declares them as dependencies): a
    run stopped half-way leaves the days here, and the next run reads them again. Empty when
    that model has never been built (the first build reads everything anyway).
#}

{{ config(materialized="table") }}

{%- set counted = product_analytics.previous_build("dq_segment__message_counts_daily") %}

with

raw_days as (
    {%- for call_type in product_analytics.segment_call_types() %}
    select
        cast('{{ call_type }}' as {{ dbt.type_string() }}) as call_type,
        source_schema,
        cast(received_at as date) as received_date,
        count(*) as raw_rows
    from {{ ref('base_segment__' ~ call_type) }}
    where received_at is not null
    group by source_schema, cast(received_at as date)
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

{%- if counted is not none %}

counted_days as (
    select
        call_type,
        source_schema,
        received_date,
        sum(row_count) as counted_rows
    from {{ counted }}
    where received_date is not null
    group by call_type, source_schema, received_date
),

final as (
    select
        raw_days.call_type,
        raw_days.source_schema,
        raw_days.received_date,
        raw_days.raw_rows,
        coalesce(counted_days.counted_rows, 0) as counted_rows
    from raw_days
    left join counted_days
        on
            raw_days.call_type = counted_days.call_type
            and raw_days.source_schema = counted_days.source_schema
            and raw_days.received_date = counted_days.received_date
    where raw_days.raw_rows > coalesce(counted_days.counted_rows, 0)
)

{%- else %}

final as (
    select
        call_type,
        source_schema,
        received_date,
        raw_rows,
        raw_rows as counted_rows
    from raw_days
    where 1 = 0
)

{%- endif %}

select * from final
