{#
    One row per Group call (a user joining or updating an account): deduplicated over all
    source schemas, with event time. Group trait columns (name, plan, seats, ...) are passed
    through after the privacy rules.
#}

with

deduplicated as (
    {{ product_analytics.deduplicated_calls(ref('base_segment__groups')) }}
),

groups_calls as (
    select
        deduplicated.message_id,
        deduplicated.source_schema,
        {{ product_analytics.known_id('deduplicated.group_id') }} as group_id,
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
        {{ product_analytics.segment_extra_column_list('groups', 'deduplicated') }}
        deduplicated.loaded_at
    from deduplicated
    where deduplicated.received_at is not null
)

select * from groups_calls
where group_id is not null
