{#
    Segment's per-event tables (docs/reference.md section 1): besides the call tables, a collector writes one
    table per track event (`signed_up` for `Signed Up`, ...) holding the call's standard columns
    plus one column per event property. They are found by introspection, like the call tables,
    in every schema of `segment_schemas`.
#}

{#-
    The per-event tables of every source schema: [{"schema", "relation", "id_column",
    "properties": [column names as the warehouse writes them]}]. A per-event table is any table
    that is not a call table and has the columns `id` and `event_text` (so other tables a loader
    writes, such as Segment's `users` and `accounts`, are not taken for one). Its properties are
    its columns other than the standard track columns and `context_*`. Returns [] while dbt
    parses.
-#}
{% macro segment_event_tables() -%}
    {%- set tables = [] -%}
    {%- if not execute -%}
        {{ return(tables) }}
    {%- endif -%}
    {%- set call_types = product_analytics.segment_call_types() -%}
    {%- set standard = product_analytics.segment_call_spec("tracks")["columns"] | map(attribute="raw") | list -%}
    {%- set database = product_analytics.segment_database() -%}
    {%- for schema in product_analytics.segment_schemas() -%}
        {%- set schema_relation = api.Relation.create(database=database, schema=schema) -%}
        {%- set names = product_analytics.table_names_in_schema(schema_relation) | sort -%}
        {%- for table_name in names if table_name | lower not in call_types -%}
            {%- set relation = adapter.get_relation(database=database, schema=schema, identifier=table_name) -%}
            {%- set columns = {} -%}
            {%- for column in (adapter.get_columns_in_relation(relation) if relation is not none else []) -%}
                {%- do columns.update({column.name | lower: column.name}) -%}
            {%- endfor -%}
            {%- if "id" in columns and "event_text" in columns -%}
                {%- set properties = [] -%}
                {%- for name, column_name in columns.items()
                    if name not in standard and not name.startswith("context_") -%}
                    {%- do properties.append(column_name) -%}
                {%- endfor -%}
                {%- do tables.append({"schema": schema, "relation": relation, "id_column": columns["id"], "properties": properties}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}

{#- The names of the tables and views in a schema, asked of the warehouse (not dbt's cache). -#}
{% macro table_names_in_schema(schema_relation) -%}
    {{ return(adapter.dispatch("table_names_in_schema", "product_analytics")(schema_relation)) }}
{%- endmacro %}

{% macro default__table_names_in_schema(schema_relation) -%}
    {{ return(list_relations_without_caching(schema_relation).columns["name"].values() | list) }}
{%- endmacro %}

{#-
    dbt-spark's listing (`show table extended`) has no `name` column; `show tables` names them in
    `tableName`. A schema that does not exist (a typo in segment_schemas) has none: `show tables`
    would fail on it, where the other engines list nothing.
-#}
{% macro spark__table_names_in_schema(schema_relation) -%}
    {%- if not run_query("show schemas like '" ~ schema_relation.schema ~ "'").rows -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(run_query("show tables in `" ~ schema_relation.schema ~ "`").columns["tableName"].values() | list) }}
{%- endmacro %}
