{#- The continuous (interpolated) percentile of an expression, `fraction` in [0, 1], as an aggregate. -#}
{% macro percentile_cont(expression, fraction) -%}
    {{ adapter.dispatch("percentile_cont", "product_analytics")(expression, fraction) }}
{%- endmacro %}

{#- The ordered-set aggregate of SQL:2003 (PostgreSQL, DuckDB, Snowflake, Spark 3.3+). -#}
{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}
