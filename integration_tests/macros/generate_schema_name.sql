{#- Land the package's models in schemas named exactly staging / intermediate / marts. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ product_analytics.exact_schema_name(custom_schema_name, node) }}
{%- endmacro %}
