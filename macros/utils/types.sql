{#- The 64-bit floating-point SQL type: `double precision` (SQL standard), `double` on Spark. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch("type_double", "product_analytics")()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ return("double precision") }}
{%- endmacro %}

{% macro spark__type_double() -%}
    {{ return("double") }}
{%- endmacro %}
