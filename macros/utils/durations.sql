{#
    Cross-engine time arithmetic used by the funnel models, the data-quality marts and the analyses.
#}

{#- Fractional seconds from one timestamp to another (negative when the end is earlier). -#}
{% macro seconds_between(start_expression, end_expression) -%}
    {{ adapter.dispatch("seconds_between", "product_analytics")(start_expression, end_expression) }}
{%- endmacro %}

{% macro default__seconds_between(start_expression, end_expression) -%}
    cast(extract(epoch from ({{ end_expression }} - {{ start_expression }})) as double precision)
{%- endmacro %}

{% macro duckdb__seconds_between(start_expression, end_expression) -%}
    ((epoch_us({{ end_expression }}) - epoch_us({{ start_expression }})) / 1000000.0)
{%- endmacro %}
