{#- A string with leading and trailing spaces, tabs and line breaks removed ('' stays ''). SQL's plain trim() removes spaces only. -#}
{% macro trim_whitespace(expression) -%}
    {{ adapter.dispatch("trim_whitespace", "product_analytics")(expression) }}
{%- endmacro %}

{% macro default__trim_whitespace(expression) -%}
    trim(both ' ' || chr(9) || chr(10) || chr(13) from {{ expression }})
{%- endmacro %}
