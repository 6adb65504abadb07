{#
    Arrival and delivery health per source schema and day received (UTC), over every call
    type: messages kept, duplicate copies, rows rejected by reason, how late messages arrive
    (received_at - event_at) and how long the loader took to write them (uuid_ts, else
    loaded_at, minus received_at), and how many were written later than
    `incremental_lookback_hours` after they were received: the rows an incremental run with
    that lookback could miss. Clock-skew clamps count messages whose event time was replaced
    by received_at (`is_event_at_adjusted`); placeholder ids and unreadable typed values
    nulled by staging come from dq_segment__nulled_values_daily (every delivered copy).

    Incremental by day received, like dq_segment__message_counts_daily (whose row counts it
    reads): a run recomputes the days from the incremental cutoff on. Its messages, duplicate
    and rejected rows add up to the raw rows of the day: base_segment__unprocessed_received_days
    compares them with the raw tables to find rows not processed yet.
#}

-- base_segment__unprocessed_received_days reads this model's previous build as what was
-- processed, so it is built after every model that re-reads the days listed there (each is
-- upstream of it): a run stopped before this commits leaves those days to the next run.
-- depends_on: {{ ref('base_segment__unprocessed_received_days') }}
-- {{ ref('int_identity__anonymous_links') }} {{ ref('int_incremental__changes') }}

{%- set rewrites_days = product_analytics.rewrites_day_partitions() %}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    unique_key=none if rewrites_days else ["source_schema", "received_date"],
    incremental_strategy=product_analytics.day_strategy("delete+insert"),
    partition_by=product_analytics.day_partitions("received_date"),
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    post_hook="{{ product_analytics.mart_view_over_day_partitions(this) }}",
    **product_analytics.day_partitioned_mart_config("dq_segment__arrival_daily")
) }}

{%- set lookback_hours = product_analytics.config_positive_integer("incremental_lookback_hours") %}
{%- set rejection_reasons = [
    "rejected_missing_id", "rejected_empty_event_name", "rejected_missing_group_id", "rejected_incomplete_alias",
] %}
{%- if is_incremental() %}
    {%- set first_day = "cast('" ~ product_analytics.incremental_cutoff_value(column="received_date")[:10] ~ "' as date)" %}
{%- endif %}

with

message_counts as (
    select * from {{ ref('dq_segment__message_counts_daily') }}
    -- Rows without received_at have no day.
    where received_date is not null
    {%- if is_incremental() %}
        and received_date >= {{ first_day }}
    {%- endif %}
),

nulled_values as (
    select * from {{ ref('dq_segment__nulled_values_daily') }}
    where received_date is not null
    {%- if is_incremental() %}
        and received_date >= {{ first_day }}
    {%- endif %}
),

staged_messages as (
    {%- for call_type in product_analytics.segment_call_types() %}
    select
        source_schema,
        received_at,
        event_at,
        is_event_at_adjusted,
        coalesce(uuid_ts, loaded_at) as written_at
    from {{ ref('stg_segment__' ~ call_type) }}
    {%- if is_incremental() %}
    where received_at >= {{ first_day }}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

message_delays as (
    select
        source_schema,
        cast(received_at as date) as received_date,
        received_at,
        is_event_at_adjusted,
        {{ product_analytics.seconds_between('event_at', 'received_at') }} as arrival_seconds,
        {{ product_analytics.seconds_between('received_at', 'written_at') }} as load_seconds
    from staged_messages
),

arrivals as (
    select
        source_schema,
        received_date,
        sum(case when is_event_at_adjusted then 1 else 0 end) as clock_skew_clamps,
        {{ product_analytics.percentile_cont('arrival_seconds', 0.5) }} as arrival_seconds_p50,
        {{ product_analytics.percentile_cont('arrival_seconds', 0.95) }} as arrival_seconds_p95,
        max(arrival_seconds) as arrival_seconds_max,
        sum(case when arrival_seconds > 86400 then 1 else 0 end) as messages_over_a_day_late,
        {{ product_analytics.percentile_cont('load_seconds', 0.95) }} as load_seconds_p95,
        max(load_seconds) as load_seconds_max,
        sum(case when load_seconds > {{ lookback_hours * 3600 }} then 1 else 0 end) as messages_written_after_lookback
    from message_delays
    group by source_schema, received_date
),

row_counts as (
    select
        source_schema,
        received_date,
        -- The kept copies are the staged messages, one per message id.
        sum(case when outcome = 'kept' then row_count else 0 end) as kept_rows,
        sum(case when outcome = 'duplicate' then row_count else 0 end) as duplicate_rows,
        sum(case when outcome in ('kept', 'duplicate') then row_count else 0 end) as delivered_rows,
        {%- for reason in rejection_reasons %}
        sum(case when outcome = '{{ reason }}' then row_count else 0 end) as {{ reason }}_rows,
        {%- endfor %}
        sum(case when outcome like 'rejected_%' then row_count else 0 end) as rejected_rows
    from message_counts
    group by source_schema, received_date
),

nulled_counts as (
    select
        source_schema,
        received_date,
        sum(case when reason = 'excluded_id' then value_count else 0 end) as placeholder_ids_nulled,
        sum(case when reason like 'unreadable_%' then value_count else 0 end) as unreadable_values_nulled
    from nulled_values
    group by source_schema, received_date
),

final as (
    select
        row_counts.source_schema,
        row_counts.received_date,
        cast(row_counts.kept_rows as {{ dbt.type_bigint() }}) as messages,
        cast(row_counts.duplicate_rows as {{ dbt.type_bigint() }}) as duplicate_rows,
        cast(row_counts.duplicate_rows as {{ product_analytics.type_double() }}) / nullif(row_counts.delivered_rows, 0) as duplicate_share,
        {%- for reason in rejection_reasons %}
        cast(row_counts.{{ reason }}_rows as {{ dbt.type_bigint() }}) as {{ reason }}_rows,
        {%- endfor %}
        cast(row_counts.rejected_rows as {{ dbt.type_bigint() }}) as rejected_rows,
        cast(coalesce(arrivals.clock_skew_clamps, 0) as {{ dbt.type_bigint() }}) as clock_skew_clamps,
        cast(coalesce(nulled_counts.placeholder_ids_nulled, 0) as {{ dbt.type_bigint() }}) as placeholder_ids_nulled,
        cast(coalesce(nulled_counts.unreadable_values_nulled, 0) as {{ dbt.type_bigint() }}) as unreadable_values_nulled,
        -- Percentiles rounded to the millisecond, so engines agree on interpolated values.
        cast(round(cast(arrivals.arrival_seconds_p50 as numeric(38, 6)), 3) as {{ product_analytics.type_double() }}) as arrival_seconds_p50,
        cast(round(cast(arrivals.arrival_seconds_p95 as numeric(38, 6)), 3) as {{ product_analytics.type_double() }}) as arrival_seconds_p95,
        cast(arrivals.arrival_seconds_max as {{ product_analytics.type_double() }}) as arrival_seconds_max,
        cast(coalesce(arrivals.messages_over_a_day_late, 0) as {{ dbt.type_bigint() }}) as messages_over_a_day_late,
        cast(round(cast(arrivals.load_seconds_p95 as numeric(38, 6)), 3) as {{ product_analytics.type_double() }}) as load_seconds_p95,
        cast(arrivals.load_seconds_max as {{ product_analytics.type_double() }}) as load_seconds_max,
        cast(coalesce(arrivals.messages_written_after_lookback, 0) as {{ dbt.type_bigint() }}) as messages_written_after_lookback
    from row_counts
    left join arrivals
        on
            row_counts.source_schema = arrivals.source_schema
            and row_counts.received_date = arrivals.received_date
    left join nulled_counts
        on
            row_counts.source_schema = nulled_counts.source_schema
            and row_counts.received_date = nulled_counts.received_date
)

select * from final
