{#
    Raw values that staging reads as null, per call type, source schema, day received (UTC),
    column and reason (docs/reference.md section 2): placeholder ids of `excluded_ids`, one row per
    placeholder, and values that are not of the column's declared type (a text 'unlimited' in
    an integer `seats`). Counts raw rows, every delivered copy included, as
    dq_segment__message_counts_daily does; the checks are nulled_value_checks(), built on the
    macros staging reads with, so both agree by construction.

    Incremental by day received, like dq_segment__message_counts_daily: a run recounts the
    days from the cutoff on; rows without a readable received_at (received_date null) are
    recounted every run.
#}

-- Its incremental cutoff reads: depends_on: {{ ref('base_segment__unprocessed_received_days') }}

{%- set rewrites_days = product_analytics.rewrites_day_partitions() %}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    unique_key=none if rewrites_days else ["call_type", "source_schema", "received_date"],
    incremental_strategy=product_analytics.day_strategy("delete+insert"),
    partition_by=product_analytics.day_partitions("received_date"),
    full_refresh=product_analytics.allow_full_refresh(),
    pre_hook="{{ product_analytics.delete_rows_without_day(this, 'received_date') }}",
    post_hook="{{ product_analytics.mart_view_over_day_partitions(this) }}",
    **product_analytics.day_partitioned_mart_config("dq_segment__nulled_values_daily")
) }}

{%- set received_since = none %}
{%- if is_incremental() %}
{%- set received_since = product_analytics.incremental_cutoff_value(column="received_date")[:10] ~ " 00:00:00" %}
{%- endif %}
{#- The raw tables with something to check, and their checks. -#}
{%- set tables = [] %}
{%- for call_type in product_analytics.segment_call_types() %}
{%- for table in product_analytics.segment_tables(call_type) %}
{%- set checks = product_analytics.nulled_value_checks(call_type, table) %}
{%- if checks %}
{%- do tables.append({"call_type": call_type, "table": table, "checks": checks}) %}
{%- endif %}
{%- endfor %}
{%- endfor %}

with

{% for entry in tables %}
{%- set table = entry["table"] %}
{%- set received_at = table["columns"]["received_at"] %}
-- Per day received, how many values of each check were nulled, and the smallest of them.
{{ entry["call_type"] }}_{{ loop.index }}_nulled_by_day as (
    select
        {%- for check in entry["checks"] %}
        {%- set value = check["value"] or "cast(null as " ~ dbt.type_string() ~ ")" %}
        count(case when {{ check["nulled"] }} then 1 end) as nulled_{{ loop.index }},
        min(case when {{ check["nulled"] }} then {{ value }} end) as example_{{ loop.index }},
        {%- endfor %}
        {%- set received_at_read = product_analytics.safe_read(adapter.quote(received_at.name), received_at.data_type, "timestamp") %}
        cast({{ received_at_read }} as date) as received_date
    from {{ table["relation"] }}
    {%- if received_since is not none %}
    where
        {{ product_analytics.raw_received_since(table, received_since) }}
        or {{ product_analytics.safe_read(adapter.quote(received_at.name), received_at.data_type, "timestamp") }} is null
    {%- endif %}
    group by received_date
),

{% endfor %}

nulled_values as (
    {%- for entry in tables %}
    {%- set counts = entry["call_type"] ~ "_" ~ loop.index ~ "_nulled_by_day" %}
    select
        cast('{{ entry["call_type"] }}' as {{ dbt.type_string() }}) as call_type,
        cast('{{ entry["table"]["schema"] }}' as {{ dbt.type_string() }}) as source_schema,
        {{ counts }}.received_date,
        cast(checks.column_name as {{ dbt.type_string() }}) as column_name,
        cast(checks.reason as {{ dbt.type_string() }}) as reason,
        cast(nullif(checks.excluded_id, '') as {{ dbt.type_string() }}) as excluded_id,
        case checks.check_number
            {%- for check in entry["checks"] %}
            when {{ loop.index }} then {{ counts }}.nulled_{{ loop.index }}
            {%- endfor %}
        end as value_count,
        case checks.check_number
            {%- for check in entry["checks"] %}
            when {{ loop.index }} then {{ counts }}.example_{{ loop.index }}
            {%- endfor %}
        end as example_value
    from {{ counts }}
    cross join (
        values
        {%- for check in entry["checks"] %}
        ({{ loop.index }}, '{{ check["column"] }}', '{{ check["reason"] }}', '{{ check["excluded_id"] or "" }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as checks (check_number, column_name, reason, excluded_id)
    union all
    {%- endfor %}
    -- Typed columns when no table has anything to check.
    select
        cast(null as {{ dbt.type_string() }}) as call_type,
        cast(null as {{ dbt.type_string() }}) as source_schema,
        cast(null as date) as received_date,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as {{ dbt.type_string() }}) as excluded_id,
        cast(null as {{ dbt.type_bigint() }}) as value_count,
        cast(null as {{ dbt.type_string() }}) as example_value
    where 1 = 0
),

final as (
    select * from nulled_values
    where value_count > 0
)

select * from final
