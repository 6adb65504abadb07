{#
    Every raw `tracks` row of every schema in `segment_schemas`, unioned, with standard
    columns typed and trimmed, timestamps in UTC and the privacy rules applied. No row is
    removed here: stg_segment__tracks deduplicates and filters, dq_segment__message_counts counts.
#}
-- depends_on: {{ source('segment', 'tracks') }}

{{ product_analytics.union_segment_tables('tracks') }}
