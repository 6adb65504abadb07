{#
    Raw values staging read as null, over all days: dq_segment__nulled_values_daily summed per
    call type, source schema, column, reason and placeholder.
#}

with

daily_counts as (
    select * from {{ ref('dq_segment__nulled_values_daily') }}
),

final as (
    select
        call_type,
        source_schema,
        column_name,
        reason,
        excluded_id,
        -- bigint: a plain sum is HUGEINT on DuckDB and numeric on PostgreSQL, which BI drivers misread
        cast(sum(value_count) as {{ dbt.type_bigint() }}) as value_count,
        min(example_value) as example_value
    from daily_counts
    group by call_type, source_schema, column_name, reason, excluded_id
)

select * from final
