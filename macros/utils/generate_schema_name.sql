{#
    Models land in schemas named exactly as configured (`staging`, `intermediate`, `marts`),
    not `<target schema>_<custom schema>` as dbt does by default, because BI tools and
    downstream code address the marts as `marts.<model>`. A host project that installs
    this package gets the same behaviour by defining its own generate_schema_name that
    calls this one (see README, "Install as a package").
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ product_analytics.exact_schema_name(custom_schema_name, node) }}
{%- endmacro %}

{% macro exact_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
