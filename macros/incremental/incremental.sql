{#
    Incremental processing (docs/reference.md section 8): new rows are chosen by `received_at`, reaching
    back `incremental_lookback_hours` before the newest row already processed.
#}

{#- `full_refresh` config of large incremental models: `--full-refresh` is ignored unless allowed. -#}
{% macro allow_full_refresh() -%}
    {%- if product_analytics.config_boolean("allow_full_refresh") or target.name in ["dev", "test", "ci"] -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}

{#-
    The earliest received_at an incremental run re-reads: the newest row `relation` holds
    minus the lookback, or the first received day holding raw rows not yet processed
    (base_segment__unprocessed_received_days: a new source schema, a loader replaying old
    rows) when that is earlier. A model that calls it declares
    `-- depends_on: {{ ref('base_segment__unprocessed_received_days') }}`.
-#}
{% macro incremental_cutoff(relation=this, column="received_at") -%}
    (
        select
            least(
                coalesce(
                    {{ dbt.dateadd("hour", -1 * product_analytics.config_positive_integer("incremental_lookback_hours"), "max(" ~ column ~ ")") }},
                    cast('1900-01-01' as {{ dbt.type_timestamp() }})
                ),
                (
                    select coalesce(
                        cast(min(unprocessed.received_date) as {{ dbt.type_timestamp() }}),
                        cast('9999-12-31' as {{ dbt.type_timestamp() }})
                    )
                    from {{ ref('base_segment__unprocessed_received_days') }} as unprocessed
                )
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

{#-
    The relation another model's previous build left, found by the model's name; none when it
    does not exist yet, while dbt parses, and in unit tests. For a model that must see what a
    model downstream of it held before this run (int_incremental__changes reads the previous
    facts of the events it logs), which a ref() cannot express without a cycle.
-#}
{% macro previous_build(model_name) -%}
    {%- if not execute or model.resource_type == "unit_test" -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = graph.nodes["model.product_analytics." ~ model_name] -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

