{#
    A dbt warning (counted in WARN) for each schema of `segment_schemas` that holds none of
    the Segment tables while the others do: a typo, usually, or a source whose collector has
    not synced yet (hence a warning; when no schema holds any, the run fails before any
    model, see check_segment_sources). One row per such schema.
#}

{{ config(severity="warn") }}

{%- set empty_schemas = [] %}
{%- for schema, tables in product_analytics.segment_tables_by_schema().items() if not tables %}
    {%- do empty_schemas.append(schema) %}
{%- endfor %}

{%- for schema in empty_schemas %}
select cast('{{ schema }}' as {{ dbt.type_string() }}) as source_schema
{%- if not loop.last %}
union all
{%- endif %}
{%- else %}
select cast(null as {{ dbt.type_string() }}) as source_schema
where 1 = 0
{%- endfor %}
