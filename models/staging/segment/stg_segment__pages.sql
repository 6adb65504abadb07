{#
    One row per page call: deduplicated over all source schemas, with event time and
    reporting day. Every page call is the event 'Page Viewed'; its `name` property is `page_name`.
    Incremental (a table that grows with event volume): each run deduplicates the copies
    received since the last run and keeps the copy already staged for a message when it comes
    first (keep_unless_staged_copy_comes_first), so earlier copies are never re-read.
#}

-- depends_on: {{ ref('base_segment__unprocessed_received_days') }}

{{ config(
    materialized=product_analytics.incremental_materialization(),
    unique_key="message_id",
    incremental_strategy="delete+insert",
    on_schema_change="append_new_columns",
    full_refresh=product_analytics.allow_full_refresh(),
) }}

with

base_calls as (
    {{ product_analytics.calls_to_stage(ref('base_segment__pages'), 'pages') }}
),

deduplicated as (
    {{ product_analytics.deduplicated_calls('base_calls') }}
),

pages as (
    select
        deduplicated.message_id,
        deduplicated.source_schema,
        cast('Page Viewed' as {{ dbt.type_string() }}) as event_name,
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
        {{ product_analytics.segment_extra_column_list('pages', 'deduplicated') }}
        deduplicated.loaded_at
    from deduplicated
    where deduplicated.received_at is not null
)

select * from pages
where {{ product_analytics.keep_unless_staged_copy_comes_first('pages') }}
