{#
    Where every raw row went, over all days: dq_segment__message_counts_daily summed per call
    type, source schema and outcome.
#}

with

daily_counts as (
    select * from {{ ref('dq_segment__message_counts_daily') }}
),

final as (
    select
        call_type,
        source_schema,
        outcome,
        -- bigint: a plain sum is HUGEINT on DuckDB and numeric on PostgreSQL, which BI drivers misread
        cast(sum(row_count) as {{ dbt.type_bigint() }}) as row_count
    from daily_counts
    group by call_type, source_schema, outcome
)

select * from final
