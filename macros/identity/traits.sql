{#- A trait column of a staged call, cast to its configured type; null when no source has the column. -#}
{% macro trait_value(call_type, relation_alias, name, sql_type) -%}
    {%- set available = product_analytics.segment_extra_columns(call_type) | map(attribute="name") | list -%}
    {%- if name in available -%}
        {{ dbt.safe_cast(relation_alias ~ "." ~ adapter.quote(name), sql_type) }}
    {%- else -%}
        cast(null as {{ sql_type }})
    {%- endif -%}
{%- endmacro %}

{#-
    Latest non-null value of `column` per `partition_by`, ordered by event_at, received_at,
    message_id (SPEC section 4: traits are each the latest non-null value, not the whole
    latest call). A window expression; null when the column was never sent.
-#}
{% macro latest_non_null(column, partition_by) -%}
    first_value({{ column }}) over (
        partition by {{ partition_by }}
        order by
            case when {{ column }} is null then 1 else 0 end,
            event_at desc,
            received_at desc,
            message_id desc
        rows between unbounded preceding and unbounded following
    )
{%- endmacro %}
