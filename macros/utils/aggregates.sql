{#-
    The continuous (interpolated) percentile of an expression, `fraction` in [0, 1], as an
    aggregate; null over no rows. `fraction` 0.5 is the interpolated median (the average of the
    two middle values), as the funnel step metrics and the analyses use it.
-#}
{% macro percentile_cont(expression, fraction) -%}
    {{ adapter.dispatch("percentile_cont", "product_analytics")(expression, fraction) }}
{%- endmacro %}

{#- The ordered-set aggregate of SQL:2003 (PostgreSQL, DuckDB, Snowflake, Spark 3.3+). -#}
{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}
