{#
    The received days (UTC) of each source schema that hold raw rows the last build did not
    process: more raw rows, over every call type, than dq_segment__arrival_daily accounted for
    that day (messages kept, duplicate copies and rejected rows). These are the newest days,
    and also older days when rows arrive with a received_at older than what was already
    processed: a source schema newly added to `segment_schemas` with its history, or a loader
    replaying old rows. Incremental runs re-read everything received from the first such day
    (incremental_cutoff), so they process these rows and equal a full refresh.

    The counts processed are read from the previous build of dq_segment__arrival_daily, the
    last model to re-read these days (every other model that does is upstream of it): a run
    stopped before it commits leaves the days here, and the next run reads them again. Empty
    when that model has never been built (the first build reads everything anyway).
#}

{{ config(materialized="table") }}

{%- set counted = product_analytics.previous_build("dq_segment__arrival_daily") %}

with

raw_rows as (
    {%- for call_type in product_analytics.segment_call_types() %}
    select
        source_schema,
        cast(received_at as date) as received_date
    from {{ ref('base_segment__' ~ call_type) }}
    where received_at is not null
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

raw_days as (
    select
        source_schema,
        received_date,
        count(*) as raw_rows
    from raw_rows
    group by source_schema, received_date
),

{%- if counted is not none %}

counted_days as (
    select
        source_schema,
        received_date,
        messages + duplicate_rows + rejected_rows as counted_rows
    from {{ counted }}
),

final as (
    select
        raw_days.source_schema,
        raw_days.received_date,
        raw_days.raw_rows,
        coalesce(counted_days.counted_rows, 0) as counted_rows
    from raw_days
    left join counted_days
        on
            raw_days.source_schema = counted_days.source_schema
            and raw_days.received_date = counted_days.received_date
    where raw_days.raw_rows > coalesce(counted_days.counted_rows, 0)
)

{%- else %}

final as (
    select
        source_schema,
        received_date,
        raw_rows,
        raw_rows as counted_rows
    from raw_days
    where 1 = 0
)

{%- endif %}

select * from final
