{#
    Incremental processing (docs/reference.md section 8): new rows are chosen by `received_at`, reaching
    back `incremental_lookback_hours` before the newest row already processed.
#}

{#- `full_refresh` config of large incremental models: `--full-refresh` is ignored unless allowed. -#}
{% macro allow_full_refresh() -%}
    {%- if var("allow_full_refresh") or target.name in ["dev", "test", "ci"] -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}

{#- The earliest received_at an incremental run re-reads: newest processed minus the lookback. -#}
{% macro incremental_cutoff(relation=this, column="received_at") -%}
    (
        select
            coalesce(
                {{ dbt.dateadd("hour", -1 * product_analytics.config_positive_integer("incremental_lookback_hours"), "max(" ~ column ~ ")") }},
                cast('1900-01-01' as {{ dbt.type_timestamp() }})
            )
        from {{ relation }}
    )
{%- endmacro %}

{#- A timestamp before any event: "from the beginning" in affected-since comparisons. -#}
{% macro all_time() -%}
    cast('1900-01-01' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#-
    incremental_cutoff() as a UTC timestamp literal ('YYYY-MM-DD HH:MM:SS.ffffff'), read from
    the warehouse when the model runs, so filters compare raw columns with a constant (which
    engines push into the scan). '1900-01-01 00:00:00' for an empty table; none outside an
    incremental run.
-#}
{% macro incremental_cutoff_value(relation=this, column="received_at") -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set value = run_query("select " ~ product_analytics.incremental_cutoff(relation, column)).columns[0].values()[0] -%}
    {%- if value is none -%}
        {{ return("1900-01-01 00:00:00") }}
    {%- endif -%}
    {{ return(value.strftime("%Y-%m-%d %H:%M:%S.%f")) }}
{%- endmacro %}

{#-
    The relation a model's previous build left, when it exists and has `column` (a table model
    that carries values over from its previous build reads it while building the new one);
    none otherwise: first build, a build from an older version, or a unit test.
-#}
{% macro previous_build_with_column(relation, column) -%}
    {%- if not execute or model.resource_type == "unit_test" -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if existing is none or column not in adapter.get_columns_in_relation(existing) | map(attribute="name") | map("lower") | list -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(existing) }}
{%- endmacro %}
