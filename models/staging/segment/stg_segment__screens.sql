{#
    One row per screen call: deduplicated over all source schemas, with event time and
    reporting day. Every screen call is the event 'Screen Viewed'; its `name` property is `page_name`.
    Incremental (a table that grows with event volume): each run deduplicates the copies
    received since the last run and keeps the copy already staged for a message when it comes
    first (keep_unless_staged_copy_comes_first), so earlier copies are never re-read.
    Where days are rewritten whole (Spark: rewrites_day_partitions) the model builds
    `staging.stg_segment__screens__by_day`, partitioned by the received day of the kept copy
    (calls_by_received_day), and `staging.stg_segment__screens` is a view over it without that
    column; a run rewrites the received days of its kept copies and of the copies they replace.
#}

-- depends_on: {{ ref('base_segment__unprocessed_received_days') }}

{%- set rewrites_days = product_analytics.rewrites_day_partitions() %}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    unique_key=none if rewrites_days else "message_id",
    incremental_strategy=product_analytics.day_strategy("delete+insert"),
    partition_by=product_analytics.day_partitions("received_date"),
    on_schema_change="append_new_columns",
    full_refresh=product_analytics.allow_full_refresh(),
    post_hook=[
        "{{ product_analytics.drop_emptied_days(this, 'received_date', product_analytics.days_of_rewritten_keys(this, 'message_id', 'received_date')) }}",
        "{{ product_analytics.mart_view_over_day_partitions(this, 'staging', hidden_column='received_date') }}",
    ],
    **product_analytics.day_partitioned_mart_config("stg_segment__screens", schema=none)
) }}

with

base_calls as (
    {{ product_analytics.calls_to_stage(ref('base_segment__screens'), 'screens') }}
),

deduplicated as (
    {{ product_analytics.deduplicated_calls('base_calls') }}
),

screens as (
    select
        deduplicated.message_id,
        deduplicated.source_schema,
        cast('Screen Viewed' as {{ dbt.type_string() }}) as event_name,
        nullif({{ product_analytics.trim_whitespace('deduplicated.page_name') }}, '') as page_name,
        {{ product_analytics.known_id('deduplicated.user_id') }} as user_id,
        {{ product_analytics.known_id('deduplicated.anonymous_id') }} as anonymous_id,
        {{ product_analytics.known_id('deduplicated.context_group_id') }} as context_group_id,
        deduplicated.event_at,
        deduplicated.is_event_at_adjusted,
        {{ product_analytics.reporting_date('deduplicated.event_at') }} as event_date,
        deduplicated.received_at,
        deduplicated.segment_timestamp,
        deduplicated.original_timestamp,
        deduplicated.sent_at,
        deduplicated.uuid_ts,
        {{ product_analytics.segment_extra_column_list('screens', 'deduplicated') }}
        deduplicated.loaded_at
    from deduplicated
    where deduplicated.received_at is not null
),

kept_screens as (
    select * from screens
    where {{ product_analytics.keep_unless_staged_copy_comes_first('screens') }}
)

{{ product_analytics.staged_calls('kept_screens') }}
