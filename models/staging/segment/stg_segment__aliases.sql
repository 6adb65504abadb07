{#
    One row per Alias call: deduplicated over all source schemas, with event time. An alias
    says that `previous_id` and `user_id` are the same person; calls missing either id, or
    naming the same id twice, say nothing and are rejected (counted in
    dq_segment__message_counts).
#}

with

deduplicated as (
    {{ product_analytics.deduplicated_calls(ref('base_segment__aliases')) }}
),

aliases as (
    select
        deduplicated.message_id,
        deduplicated.source_schema,
        {{ product_analytics.known_id('deduplicated.previous_id') }} as previous_id,
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
        {{ product_analytics.segment_extra_column_list('aliases', 'deduplicated') }}
        deduplicated.loaded_at
    from deduplicated
    where deduplicated.received_at is not null
)

select * from aliases
where previous_id is not null and user_id is not null and previous_id != user_id
