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

{#- The text values of an expression joined by `delimiter` (a SQL string literal) in ascending order, as an aggregate. -#}
{% macro ordered_listagg(expression, delimiter) -%}
    {{ adapter.dispatch("ordered_listagg", "product_analytics")(expression, delimiter) }}
{%- endmacro %}

{% macro default__ordered_listagg(expression, delimiter) -%}
    {{ dbt.listagg(expression, delimiter, "order by " ~ expression) }}
{%- endmacro %}

{#- dbt-spark's listagg drops the order (collect_list keeps none): sort the collected array. -#}
{% macro spark__ordered_listagg(expression, delimiter) -%}
    array_join(array_sort(collect_list({{ expression }})), {{ delimiter }})
{%- endmacro %}
