{#
    Reading Segment-spec warehouse tables (docs/reference.md section 1).

    A collector creates a table or column only once it has seen a non-null value, so any
    table may be missing from a source schema and any optional column from a table. These
    macros find, at compile time, which of the configured `segment_schemas` hold a call
    type's table and which columns each has, and build one union with a fixed set of
    standard columns (missing ones are typed nulls) plus every other column found
    (traits, properties, context), minus the privacy drops, with the privacy hashes.
#}

{#- The standard columns of every call type: raw name -> staged name and kind. -#}
{#- The Segment call types (one raw table each), in the order of segment_call_specs(). -#}
{% macro segment_call_types() -%}
    {{ return(product_analytics.segment_call_specs().keys() | list) }}
{%- endmacro %}

{% macro segment_call_spec(call_type) -%}
    {%- set common = [
        {"raw": "id", "name": "message_id", "kind": "identifier"},
        {"raw": "received_at", "name": "received_at", "kind": "timestamp"},
        {"raw": "timestamp", "name": "segment_timestamp", "kind": "timestamp"},
        {"raw": "original_timestamp", "name": "original_timestamp", "kind": "timestamp"},
        {"raw": "sent_at", "name": "sent_at", "kind": "timestamp"},
        {"raw": "uuid_ts", "name": "uuid_ts", "kind": "timestamp"},
        {"raw": "loaded_at", "name": "loaded_at", "kind": "timestamp"},
        {"raw": "user_id", "name": "user_id", "kind": "identifier"},
        {"raw": "anonymous_id", "name": "anonymous_id", "kind": "identifier"},
        {"raw": "context_group_id", "name": "context_group_id", "kind": "identifier"},
    ] -%}
    {%- set specific = product_analytics.segment_call_specs() -%}
    {%- if call_type not in specific -%}
        {{ exceptions.raise_compiler_error(
            "product_analytics: unknown Segment call type '" ~ call_type ~ "', expected one of "
            ~ (product_analytics.segment_call_types() | join(", "))
        ) }}
    {%- endif -%}
    {%- set spec = specific[call_type] -%}
    {{ return({
        "columns": common + spec["columns"],
        "required": spec["required"],
        "one_of": spec["one_of"],
    }) }}
{%- endmacro %}

{#- The columns, required columns and user columns (one_of) specific to each call type. -#}
{% macro segment_call_specs() -%}
    {{ return({
        "tracks": {
            "columns": [
                {"raw": "event", "name": "event_slug", "kind": "string"},
                {"raw": "event_text", "name": "event_text", "kind": "string"},
            ],
            "required": ["id", "received_at", "event", "event_text"],
            "one_of": ["user_id", "anonymous_id"],
        },
        "identifies": {
            "columns": [],
            "required": ["id", "received_at"],
            "one_of": ["user_id", "anonymous_id"],
        },
        "groups": {
            "columns": [{"raw": "group_id", "name": "group_id", "kind": "identifier"}],
            "required": ["id", "received_at", "group_id"],
            "one_of": ["user_id", "anonymous_id"],
        },
        "pages": {
            "columns": [{"raw": "name", "name": "page_name", "kind": "string"}],
            "required": ["id", "received_at"],
            "one_of": [],
        },
        "screens": {
            "columns": [{"raw": "name", "name": "page_name", "kind": "string"}],
            "required": ["id", "received_at"],
            "one_of": [],
        },
        "aliases": {
            "columns": [{"raw": "previous_id", "name": "previous_id", "kind": "identifier"}],
            "required": ["id", "received_at", "previous_id", "user_id"],
            "one_of": [],
        },
    }) }}
{%- endmacro %}

{#- Names the staging layer adds itself; a raw column with one of these names is not passed through. -#}
{% macro segment_reserved_names() -%}
    {{ return([
        "source_schema", "message_id", "segment_timestamp", "event_slug", "event_name", "event_at",
        "event_date", "is_event_at_adjusted", "page_name", "copy_number",
    ]) }}
{%- endmacro %}

{#-
    The tables of one call type that exist, one entry per source schema that has it:
    {"schema", "relation", "columns": {lower-case name: Column}}. Fails when a table lacks
    a required column. Returns [] while dbt parses (no database access then).
-#}
{% macro segment_tables(call_type) -%}
    {%- set spec = product_analytics.segment_call_spec(call_type) -%}
    {%- set tables = [] -%}
    {%- if not execute -%}
        {{ return(tables) }}
    {%- endif -%}
    {%- set database = product_analytics.segment_database() -%}
    {%- for schema in product_analytics.segment_schemas() -%}
        {%- set relation = adapter.get_relation(database=database, schema=schema, identifier=call_type) -%}
        {%- if relation is not none -%}
            {%- set columns = {} -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do columns.update({column.name | lower: column}) -%}
            {%- endfor -%}
            {%- for required in spec["required"] -%}
                {%- if required not in columns -%}
                    {{ exceptions.raise_compiler_error(
                        "product_analytics: table " ~ schema ~ "." ~ call_type
                        ~ " has no column '" ~ required ~ "', which every " ~ call_type
                        ~ " table needs (required: " ~ (spec["required"] | join(", ")) ~ ")"
                    ) }}
                {%- endif -%}
            {%- endfor -%}
            {%- if spec["one_of"] and (spec["one_of"] | select("in", columns) | list | length) == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "product_analytics: table " ~ schema ~ "." ~ call_type
                    ~ " has none of the columns " ~ (spec["one_of"] | join(", "))
                    ~ "; a " ~ call_type ~ " table needs at least one of them"
                ) }}
            {%- endif -%}
            {%- do tables.append({"schema": schema, "relation": relation, "columns": columns}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}

{#-
    The call types (segment_call_types()) whose table exists in each configured schema:
    {schema: [call type, ...]}, in the order of segment_schemas. Empty while dbt parses.
-#}
{% macro segment_tables_by_schema() -%}
    {%- set found = {} -%}
    {%- if not execute -%}
        {{ return(found) }}
    {%- endif -%}
    {%- set database = product_analytics.segment_database() -%}
    {%- for schema in product_analytics.segment_schemas() -%}
        {%- do found.update({schema: []}) -%}
        {%- for call_type in product_analytics.segment_call_types() -%}
            {%- if adapter.get_relation(database=database, schema=schema, identifier=call_type) is not none -%}
                {%- do found[schema].append(call_type) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#-
    Run before any model (on-run-start, after check_configuration). When the run builds a
    model of this package and no configured schema holds any Segment table (a typo in
    `segment_schemas`, a forgotten --vars), fails naming the schemas and how to set the
    variable: such a run would rebuild every mart from nothing. Otherwise warns in the log,
    naming them, about a schema without Segment tables and about a source without group
    calls; the tests segment_schema_without_segment_tables and
    account_metrics_need_group_calls count the same as dbt warnings (WARN). Renders no SQL.
-#}
{% macro check_segment_sources() -%}
    {%- if not execute -%}
        {{ return("") }}
    {%- endif -%}
    {%- set database = product_analytics.segment_database() -%}
    {%- set call_types = product_analytics.segment_call_types() -%}
    {%- set found = product_analytics.segment_tables_by_schema() -%}
    {%- set package_models = [] -%}
    {%- for resource in selected_resources if resource.startswith("model.product_analytics.") -%}
        {%- do package_models.append(resource) -%}
    {%- endfor -%}
    {%- if package_models and found.values() | sum(start=[]) | length == 0 -%}
        {%- set elsewhere = product_analytics.schemas_with_segment_tables(database) -%}
        {{ exceptions.raise_compiler_error(
            "product_analytics: no Segment table (" ~ call_types | join(", ") ~ ") in any schema of segment_schemas ("
            ~ found.keys() | join(", ") ~ ")" ~ (" in database " ~ database if database else "") ~ "; nothing was run, because this run would rebuild every mart from nothing. "
            ~ "Set segment_schemas to the schemas your collector writes to, one per source: under `vars: product_analytics: segment_schemas: [...]` "
            ~ "in dbt_project.yml, or dbt build --vars '{segment_schemas: [segment_web, segment_backend]}'."
            ~ (" Schemas " ~ ("of " ~ database ~ " " if database else "") ~ "that hold a tracks or identifies table: " ~ elsewhere | join(", ") ~ "." if elsewhere else "")
        ) }}
    {%- endif -%}
    {%- for schema, tables in found.items() if not tables -%}
        {%- do exceptions.warn(
            "product_analytics: segment_schemas lists '" ~ schema ~ "', but "
            ~ (database ~ "." if database else "") ~ schema ~ " holds none of the Segment tables ("
            ~ call_types | join(", ") ~ "); nothing is read from it. Check the schema name."
        ) -%}
    {%- endfor -%}
    {%- if found.values() | sum(start=[]) | length > 0 and "groups" not in found.values() | sum(start=[]) -%}
        {%- do exceptions.warn(
            "product_analytics: no schema of segment_schemas (" ~ found.keys() | join(", ") ~ ") holds a groups table. "
            ~ "Account metrics need group calls: without them accounts come only from events' context_group_id, "
            ~ "with no members and no traits (member_count and dim_users.account_count are 0, every account's health is Critical). "
            ~ "README, 'What each mart needs from the source', lists the calls each mart reads."
        ) -%}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

{#- Up to 20 schemas of the database holding a tracks or identifies table (a hint when none is configured). -#}
{% macro schemas_with_segment_tables(database) -%}
    {{ return(adapter.dispatch("schemas_with_segment_tables", "product_analytics")(database)) }}
{%- endmacro %}

{% macro default__schemas_with_segment_tables(database) -%}
    {%- set found = run_query(
        "select distinct table_schema from information_schema.tables"
        ~ " where lower(table_name) in ('tracks', 'identifies') and table_catalog = '" ~ database ~ "'"
        ~ " order by table_schema limit 20"
    ) -%}
    {{ return(found.columns[0].values() | list) }}
{%- endmacro %}

{#- Spark has no information_schema: each schema's tables are listed (`show tables ... like`). -#}
{% macro spark__schemas_with_segment_tables(database) -%}
    {%- set found = [] -%}
    {%- for schema in run_query("show schemas").columns[0].values() | sort -%}
        {%- if found | length < 20 and run_query("show tables in `" ~ schema ~ "` like 'tracks|identifies'").rows -%}
            {%- do found.append(schema) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#-
    The extra columns (beyond the standard ones) whose type the package declares, per call
    type: {name: kind}. Identifies carry the `user_traits`; groups the `account_traits`, the
    opt-out trait (boolean) and `created_at` (timestamp). A declared column is read with
    safe_read() in every source schema, whatever each stores it as.
-#}
{% macro segment_declared_columns(call_type) -%}
    {%- if call_type == "identifies" -%}
        {{ return(product_analytics.config_trait_kinds("user_traits")) }}
    {%- elif call_type == "groups" -%}
        {%- set declared = product_analytics.config_trait_kinds("account_traits") -%}
        {%- do declared.update({product_analytics.config_non_empty_string("opt_out_trait"): "boolean", "created_at": "timestamp"}) -%}
        {{ return(declared) }}
    {%- endif -%}
    {{ return({}) }}
{%- endmacro %}

{#-
    Columns found in a call type's tables beyond the standard ones: [{"name", "data_type",
    "kind"}], in first-seen order, without dropped PII columns and staging's own names. A
    declared column (segment_declared_columns) has its declared kind and type. Otherwise the
    type is the one every schema that has the column stores it as (timestamps become plain
    UTC timestamps, integers bigint), or text when the schemas disagree (kind none).
-#}
{% macro segment_extra_columns(call_type) -%}
    {%- set spec = product_analytics.segment_call_spec(call_type) -%}
    {%- set standard = spec["columns"] | map(attribute="raw") | list -%}
    {%- set dropped = product_analytics.config_string_list("pii_dropped_columns") -%}
    {%- set reserved = product_analytics.segment_reserved_names() -%}
    {%- set declared = product_analytics.segment_declared_columns(call_type) -%}
    {%- set extras = [] -%}
    {%- set by_name = {} -%}
    {%- for table in product_analytics.segment_tables(call_type) -%}
        {%- for name, column in table["columns"].items() -%}
            {%- if name not in standard and name not in dropped -%}
                {%- set data_type = column.data_type -%}
                {%- set family = product_analytics.type_family(data_type) -%}
                {%- if family in ["timestamp", "timestamp_tz"] -%}
                    {%- set data_type = dbt.type_timestamp() -%}
                {%- elif family == "integer" -%}
                    {%- set data_type = dbt.type_bigint() -%}
                {%- elif column.is_string() -%}
                    {#- Never a sized varchar: a longer value in another schema would be cut. -#}
                    {%- set data_type = dbt.type_string() -%}
                {%- endif -%}
                {%- if name in by_name -%}
                    {%- set seen = by_name[name] -%}
                    {%- if seen is not none and seen["kind"] is none and seen["data_type"] | lower != data_type | lower -%}
                        {%- do seen.update({"data_type": dbt.type_string()}) -%}
                    {%- endif -%}
                {%- elif name in reserved -%}
                    {%- do by_name.update({name: none}) -%}
                    {{ log("product_analytics: column " ~ table["schema"] ~ "." ~ call_type ~ "." ~ name
                           ~ " is not staged: the name is used by the staging layer itself", info=true) }}
                {%- else -%}
                    {%- set kind = declared.get(name) -%}
                    {%- set extra = {
                        "name": name,
                        "data_type": product_analytics.kind_sql_type(kind) if kind else data_type,
                        "kind": kind,
                    } -%}
                    {%- do by_name.update({name: extra}) -%}
                    {%- do extras.append(extra) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(extras) }}
{%- endmacro %}

{#- `, calls.<column>` for each extra column, for a staging model's final select. -#}
{% macro segment_extra_column_list(call_type, relation_alias) -%}
    {%- for column in product_analytics.segment_extra_columns(call_type) %}
        {{ relation_alias }}.{{ adapter.quote(column["name"]) }},
    {%- endfor -%}
{%- endmacro %}

{#-
    One select per existing table, unioned: `source_schema`, the standard columns (typed,
    identifiers trimmed with '' as null, timestamps as UTC), then the extra columns, with the
    privacy rules applied. With no table anywhere, an empty select with the standard columns.
-#}
{#-
    `received_since` (a UTC timestamp literal such as '2026-10-01 00:00:00', or none) keeps
    the rows received at or after it (and, with `or_not_received`, the rows without
    received_at). It is compared with each raw `received_at` column in its own type, so the
    engine filters while scanning (and skips storage blocks by their min/max) before anything
    is projected.
-#}
{% macro union_segment_tables(call_type, received_since=none, or_not_received=false) -%}
    {%- set spec = product_analytics.segment_call_spec(call_type) -%}
    {%- set tables = product_analytics.segment_tables(call_type) -%}
    {%- set extras = product_analytics.segment_extra_columns(call_type) -%}
    {%- set dropped = product_analytics.pii_dropped_columns() -%}
    {%- set hashed = product_analytics.config_string_list("pii_hashed_columns") -%}
    {#- The salt expression, asked of the session only when a hashed column is present. -#}
    {%- set salt = namespace(sql=none) -%}
    {%- if tables | length == 0 %}
    select
        cast(null as {{ dbt.type_string() }}) as source_schema,
        {%- for column in spec["columns"] %}
        {{ product_analytics.typed_null(column["kind"]) }} as {{ column["name"] }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endif -%}
    {%- for table in tables %}
    select
        cast('{{ table["schema"] }}' as {{ dbt.type_string() }}) as source_schema,
        {%- for column in spec["columns"] %}
            {%- set raw = table["columns"].get(column["raw"]) -%}
            {%- if raw is none or column["raw"] in dropped -%}
                {%- set expression = product_analytics.typed_null(column["kind"]) -%}
            {%- else -%}
                {%- set expression = product_analytics.standard_column_expression(column["kind"], adapter.quote(raw.name), raw.data_type) -%}
            {%- endif -%}
            {%- if column["raw"] in hashed %}
                {%- set salt.sql = salt.sql or product_analytics.pii_salt_sql() -%}
                {%- set expression = product_analytics.pii_hash(expression, salt.sql) -%}
            {%- endif %}
        {{ expression }} as {{ column["name"] }}{{ "," if extras or not loop.last }}
        {%- endfor %}
        {%- for extra in extras %}
            {%- set raw = table["columns"].get(extra["name"]) -%}
            {%- if raw is none -%}
                {%- set expression = "cast(null as " ~ extra["data_type"] ~ ")" -%}
            {%- elif extra["kind"] -%}
                {%- set expression = product_analytics.safe_read(adapter.quote(raw.name), raw.data_type, extra["kind"]) -%}
            {%- elif extra["data_type"] == dbt.type_string() -%}
                {%- set expression = product_analytics.safe_read(adapter.quote(raw.name), raw.data_type, "string") -%}
            {%- elif product_analytics.is_tz_aware_type(raw.data_type) -%}
                {%- set expression = product_analytics.to_utc_timestamp(adapter.quote(raw.name), raw.data_type) -%}
            {%- else -%}
                {%- set expression = "cast(" ~ adapter.quote(raw.name) ~ " as " ~ extra["data_type"] ~ ")" -%}
            {%- endif -%}
            {%- if extra["name"] in hashed %}
                {%- set salt.sql = salt.sql or product_analytics.pii_salt_sql() -%}
                {%- set expression = product_analytics.pii_hash(expression, salt.sql) -%}
            {%- endif %}
        {{ expression }} as {{ adapter.quote(extra["name"]) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ table["relation"] }}
    {%- if received_since is not none %}
    where
        {{ product_analytics.raw_received_since(table, received_since) }}
        {%- if or_not_received %}
        or {{ adapter.quote(table["columns"]["received_at"].name) }} is null
        {%- endif %}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- `received_at` of one raw table (from segment_tables) at or after a UTC timestamp literal. -#}
{% macro raw_received_since(table, since) -%}
    {%- set raw = table["columns"]["received_at"] -%}
    {%- set raw_type = (raw.data_type or "") | lower -%}
    {%- if product_analytics.is_tz_aware_type(raw_type) -%}
        {{ adapter.quote(raw.name) }} >= cast('{{ since }}+00' as {{ raw.data_type }})
    {%- elif raw_type.startswith("timestamp") or raw_type.startswith("datetime") -%}
        {{ adapter.quote(raw.name) }} >= cast('{{ since }}' as {{ raw.data_type }})
    {%- else -%}
        {{ product_analytics.standard_column_expression("timestamp", adapter.quote(raw.name), raw.data_type) }} >= cast('{{ since }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{% macro typed_null(kind) -%}
    {%- if kind == "timestamp" -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{% macro standard_column_expression(kind, quoted_name, data_type) -%}
    {%- if kind == "identifier" -%}
        nullif({{ product_analytics.trim_whitespace('cast(' ~ quoted_name ~ ' as ' ~ dbt.type_string() ~ ')') }}, '')
    {%- elif kind == "timestamp" -%}
        {{ product_analytics.safe_read(quoted_name, data_type, "timestamp") }}
    {%- else -%}
        cast({{ quoted_name }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#-
    Segment's per-event tables of a track event (`Signed Up` -> `signed_up`) in the source
    schemas that have one with `column`: a list of relations, empty when none (or while
    dbt parses). Read only for event properties, joined on `id`, never counted as events.
-#}
{% macro per_event_tables(event_name, column) -%}
    {%- set tables = [] -%}
    {%- if not execute -%}
        {{ return(tables) }}
    {%- endif -%}
    {%- set slug = modules.re.sub("[^a-z0-9]+", "_", event_name | lower) | trim("_") -%}
    {%- for schema in product_analytics.segment_schemas() -%}
        {%- set relation = adapter.get_relation(database=product_analytics.segment_database(), schema=schema, identifier=slug) -%}
        {%- if relation is not none -%}
            {%- set names = adapter.get_columns_in_relation(relation) | map(attribute="name") | map("lower") | list -%}
            {%- if column in names and "id" in names -%}
                {%- do tables.append(relation) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}
