{#
    Incremental processing (docs/reference.md section 8): new rows are chosen by `received_at`, reaching
    back `incremental_lookback_hours` before the newest row already processed.
#}

{#-
    `materialized` config of the package's incremental models: `incremental` where the engine
    can delete and update rows (DuckDB, PostgreSQL, ...). On Spark with parquet tables
    (docs/decisions.md, "Spark") only models whose incremental runs need no row-level delete or
    update stay incremental (`without_row_changes`: they append, or rewrite whole day
    partitions, see rewrites_day_partitions); the others are `table`, rebuilt from all the
    data on every run (a full refresh by construction). Evaluated when dbt parses the project.
-#}
{% macro incremental_materialization(without_row_changes=false) -%}
    {{ return(adapter.dispatch("incremental_materialization", "product_analytics")(without_row_changes)) }}
{%- endmacro %}

{% macro default__incremental_materialization(without_row_changes) -%}
    {{ return("incremental") }}
{%- endmacro %}

{% macro spark__incremental_materialization(without_row_changes) -%}
    {{ return("incremental" if without_row_changes else "table") }}
{%- endmacro %}

{#-
    Whether the day-keyed incremental models rewrite whole day partitions (`insert_overwrite`
    of the days a run recomputes, their other rows read back from the table) instead of
    deleting and inserting rows: true on Spark with parquet tables, which have no row-level
    delete. Such a model's select then returns every row of each day it rewrites, with the
    rows of deleted users and opted-out accounts left out there rather than by a post-hook.
-#}
{% macro rewrites_day_partitions() -%}
    {{ return(adapter.dispatch("rewrites_day_partitions", "product_analytics")()) }}
{%- endmacro %}

{% macro default__rewrites_day_partitions() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro spark__rewrites_day_partitions() -%}
    {{ return(true) }}
{%- endmacro %}

{#- `incremental_strategy` config of a day-keyed model: `strategy`, or `insert_overwrite` where days are rewritten. -#}
{% macro day_strategy(strategy) -%}
    {{ return("insert_overwrite" if product_analytics.rewrites_day_partitions() else strategy) }}
{%- endmacro %}

{#- `partition_by` config of a day-keyed model: its day column where days are rewritten, none elsewhere. -#}
{% macro day_partitions(day_column) -%}
    {{ return([day_column] if product_analytics.rewrites_day_partitions() else none) }}
{%- endmacro %}

{#-
    Spark: makes the session's `insert overwrite ... partition (<column>)` statements replace
    only the partitions their rows hold (dynamic partition overwrite). Such a write stages its
    files in a folder of its own job (`.spark-staging-<job>`), so two models writing one table
    at the same moment (dbt threads) do not delete each other's files. Runs the setting itself;
    renders no SQL.
-#}
{% macro overwrite_only_written_partitions() -%}
    {%- if execute -%}
        {%- do run_query("set spark.sql.sources.partitionOverwriteMode = dynamic") -%}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

{#-
    Post-hook of a model that rewrites day partitions: a day the run rewrote whose rows all
    left (deleted users, an opted-out account, events moved to another day) is not among the
    partitions the `insert_overwrite` wrote, so it is dropped here. `rewritten_days` is a
    select of one column, the days the run rewrote (read again now; the rows of those days
    that the run wrote are read from the run's temporary view). Runs its statements itself;
    renders no SQL. Does nothing outside incremental runs or where days are not rewritten.
-#}
{% macro drop_emptied_days(relation, day_column, rewritten_days) -%}
    {%- if execute and is_incremental() and product_analytics.rewrites_day_partitions() -%}
        {%- set written = product_analytics.rows_written(relation) -%}
        {%- set emptied = run_query(
            "select distinct rewritten.date_day from (" ~ rewritten_days ~ ") as rewritten"
            ~ " where rewritten.date_day is not null and rewritten.date_day not in"
            ~ " (select distinct written." ~ day_column ~ " from " ~ written ~ " as written where written." ~ day_column ~ " is not null)"
        ) -%}
        {%- for row in emptied.rows -%}
            {%- do run_query("alter table " ~ relation ~ " drop if exists partition (" ~ day_column ~ " = '" ~ row[0] ~ "')") -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

{#-
    Where days are rewritten (Spark): the stored rows of `relation` (alias `previous`) that an
    incremental run writes back, the rows on the days it rewrites that it does not recompute.
    `columns`: the model's columns in the order of its select (on Spark a partitioned table
    stores its partition column last, so `select *` would not line up with the recomputed
    rows in a `union all`). `day_column`: the partition column. `rewritten_days`: a select of
    one column, the days the run rewrites. `kept`: a condition on `previous`, false for the
    rows the run recomputes.
-#}
{% macro previous_rows_of_rewritten_days(relation, columns, day_column, rewritten_days, kept) -%}
    select
        {%- for column in columns %}
        previous.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }} as previous
    where
        previous.{{ day_column }} in ({{ rewritten_days }})
        and {{ kept }}
{%- endmacro %}

{#- The rows an `insert_overwrite` run of `relation` wrote: dbt-spark's temporary view `<model>__dbt_tmp` (readable in post-hooks). -#}
{% macro rows_written(relation) -%}
    {{ return(relation.incorporate(path={"identifier": relation.identifier ~ "__dbt_tmp"}).include(database=false, schema=false)) }}
{%- endmacro %}

{#-
    For drop_emptied_days of a model keyed by `key_column` whose rows can move to another day
    (int_identity__anonymous_links): `date_day`, the days of `relation` (`day_column`) holding
    a row whose key the run wrote. Read after the insert, these are the days the run rewrote
    and the days its rewritten keys left; a day left only by moved rows was not written, so
    drop_emptied_days drops it. Distinct.
-#}
{% macro days_of_rewritten_keys(relation, key_column, day_column) -%}
    select distinct stored.{{ day_column }} as date_day
    from {{ relation }} as stored
    where stored.{{ key_column }} in (select written.{{ key_column }} from {{ product_analytics.rows_written(relation) }} as written)
{%- endmacro %}

{#-
    Pre-hook of a day-keyed model whose incremental runs recompute its rows without a day
    (`day_column` null) every time: the statement deleting them first, so the run's rows
    replace them (`delete+insert` matches no null key). Where days are rewritten (Spark),
    those rows are the partition of null days (`__HIVE_DEFAULT_PARTITION__`, which an
    `insert_overwrite` replaces only when the run writes such a row): it is dropped here
    and no SQL is rendered. Nothing outside incremental runs.
-#}
{% macro delete_rows_without_day(relation, day_column) -%}
    {%- if not is_incremental() -%}
        {{ return("") }}
    {%- endif -%}
    {{ return(adapter.dispatch("delete_rows_without_day", "product_analytics")(relation, day_column)) }}
{%- endmacro %}

{% macro default__delete_rows_without_day(relation, day_column) -%}
    {{ return("delete from " ~ relation ~ " where " ~ day_column ~ " is null") }}
{%- endmacro %}

{% macro spark__delete_rows_without_day(relation, day_column) -%}
    {%- if execute -%}
        {%- do run_query("alter table " ~ relation ~ " drop if exists partition (" ~ day_column ~ " = null)") -%}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

{#-
    A statement deleting the rows of `relation` (aliased `alias` in `condition`) that meet
    `condition`: a post-hook removing rows whatever a run recomputed. Engines without
    row-level delete (Spark on parquet) rewrite the table without those rows instead (a row
    whose condition is null stays, as `delete` keeps it: e.g. a null account_id tested
    against the opted-out accounts): the kept rows go to a scratch table that then
    overwrites the relation (Spark refuses to overwrite a table the same statement reads);
    the statements run here, and nothing is left for the hook to run.
-#}
{% macro delete_rows(relation, condition, alias=none) -%}
    {{ return(adapter.dispatch("delete_rows", "product_analytics")(relation, condition, alias)) }}
{%- endmacro %}

{% macro default__delete_rows(relation, condition, alias) -%}
    {{ return("delete from " ~ relation ~ (" as " ~ alias if alias else "") ~ "\n    where\n" ~ condition) }}
{%- endmacro %}

{% macro spark__delete_rows(relation, condition, alias) -%}
    {%- if execute -%}
        {%- set kept = relation.incorporate(path={"identifier": relation.identifier ~ "__pa_kept_rows"}) -%}
        {%- do run_query("drop table if exists " ~ kept) -%}
        {%- do run_query("create table " ~ kept ~ " using parquet as select * from " ~ relation
            ~ (" as " ~ alias if alias else "") ~ " where not coalesce((" ~ condition ~ "), false)") -%}
        {%- do run_query("insert overwrite table " ~ relation ~ " select * from " ~ kept) -%}
        {%- do run_query("drop table " ~ kept) -%}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

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
    {{ return(product_analytics.cutoff_value(relation, column)) }}
{%- endmacro %}

{#-
    incremental_cutoff(relation, column) read from the warehouse now (one query), as the text
    of a timestamp: 'YYYY-MM-DD HH:MM:SS[.ffffff]', UTC on DuckDB and PostgreSQL, the
    session's time zone on Spark (cast('...' as timestamp) reads it back in the same zone).
    '1900-01-01 00:00:00' for an empty relation. For a model that compares with the cutoff
    many times: a constant instead of a subquery that Spark plans and runs at every use.
-#}
{% macro cutoff_value(relation, column="received_at") -%}
    {{ return(adapter.dispatch("cutoff_value", "product_analytics")(relation, column)) }}
{%- endmacro %}

{% macro default__cutoff_value(relation, column) -%}
    {%- set value = run_query("select " ~ product_analytics.incremental_cutoff(relation, column)).columns[0].values()[0] -%}
    {%- if value is none -%}
        {{ return("1900-01-01 00:00:00") }}
    {%- endif -%}
    {{ return(value.strftime("%Y-%m-%d %H:%M:%S.%f")) }}
{%- endmacro %}

{#- Spark: read as text, since pyspark turns a timestamp into the Python process's local time. -#}
{% macro spark__cutoff_value(relation, column) -%}
    {%- set value = run_query(
        "select cast(" ~ product_analytics.incremental_cutoff(relation, column) ~ " as " ~ dbt.type_string() ~ ")"
    ).columns[0].values()[0] -%}
    {{ return(value if value is not none else "1900-01-01 00:00:00") }}
{%- endmacro %}

{#-
    The relation a model's previous build left, when it exists and has `column` (a table model
    that carries values over from its previous build reads it while building the new one);
    none otherwise: first build, a build from an older version, or a unit test. Where a table
    model is dropped before it is re-created (Spark with parquet tables), that is a copy of the
    previous build (`<model>__previous_build`) that the model's pre-hook
    keep_previous_build(this, column) makes before the drop; there a model without that
    pre-hook fails to compile, naming it and the pre-hook to add.
-#}
{% macro previous_build_with_column(relation, column) -%}
    {%- if not execute or model.resource_type == "unit_test" -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if existing is none or column not in adapter.get_columns_in_relation(existing) | map(attribute="name") | map("lower") | list -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.dispatch("previous_build_read", "product_analytics")(existing, column)) }}
{%- endmacro %}

{% macro default__previous_build_read(existing, column=none) -%}
    {{ return(existing) }}
{%- endmacro %}

{% macro spark__previous_build_read(existing, column=none) -%}
    {%- set copy = existing.incorporate(path={"identifier": existing.identifier ~ "__previous_build"}) -%}
    {%- do product_analytics.require_keep_previous_build(existing, copy, column) -%}
    {{ return(copy) }}
{%- endmacro %}

{#-
    Fails, naming the model and the pre-hook to add, unless the model that builds `existing`
    has the pre-hook keep_previous_build, which makes `copy` (its previous build) before dbt
    drops the table: without it the copy is missing, or stale from an older run.
-#}
{% macro require_keep_previous_build(existing, copy, column) -%}
    {%- set builders = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == "model" and node.alias | lower == existing.identifier | lower
            and node.schema | lower == existing.schema | lower -%}
            {%- do builders.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for builder in builders -%}
        {%- for hook in builder.config.get("pre-hook", []) -%}
            {%- if "keep_previous_build" in hook.sql -%}
                {{ return(none) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "product_analytics: " ~ (model.name if model is defined and model else "this call")
        ~ " reads the previous build of " ~ existing ~ " (previous_build_with_column), which on " ~ target.type
        ~ " is the copy " ~ copy ~ " that the pre-hook keep_previous_build makes before dbt drops the table, but "
        ~ ("the model " ~ builders[0].name ~ " has no such pre-hook" if builders else "no model of this project builds it")
        ~ ". Add to the config of the model that builds " ~ existing.identifier ~ ": pre_hook=\"{{ product_analytics.keep_previous_build(this, '"
        ~ (column or "<column>") ~ "') }}\""
    ) }}
{%- endmacro %}

{#-
    Pre-hook of a table model that reads previous_build_with_column(this, `column`): where the
    table is dropped before it is re-created (Spark), copies it to `<model>__previous_build`
    first (replacing the copy an earlier run left), so the model reads its previous rows.
    Runs its statements itself; renders no SQL. Does nothing on other engines.
-#}
{% macro keep_previous_build(relation, column) -%}
    {%- do adapter.dispatch("keep_previous_build", "product_analytics")(relation, column) -%}
    {{ return("") }}
{%- endmacro %}

{% macro default__keep_previous_build(relation, column) -%}
{%- endmacro %}

{% macro spark__keep_previous_build(relation, column) -%}
    {%- set copy = product_analytics.previous_build_with_column(relation, column) -%}
    {%- if copy is not none -%}
        {%- do run_query("drop table if exists " ~ copy) -%}
        {%- do run_query("create table " ~ copy ~ " using parquet as select * from " ~ relation) -%}
    {%- endif -%}
{%- endmacro %}

{#-
    The relation another model's previous build left, found by the model's name; none when it
    does not exist yet, while dbt parses, and in unit tests. For a model that must see what a
    model downstream of it held before this run (int_incremental__changes reads the previous
    facts of the events it logs), which a ref() cannot express without a cycle: the model
    named is downstream, so this run has not rebuilt it yet, also where it is a table
    rebuilt on every run (Spark).
-#}
{% macro previous_build(model_name) -%}
    {%- if not execute or model.resource_type == "unit_test" -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = graph.nodes["model.product_analytics." ~ model_name] -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}


{#-
    Fails an incremental run of int_incremental__changes (the calling model) that finds no
    previous fct_events (`facts` is none) while a model reading the log is already built:
    with no previous facts the log lists nothing, so those incremental models would silently
    miss this run's changes. It happens when fct_events' table was dropped by hand, or once
    after an upgrade that moves it (on Spark fct_events became
    `intermediate.fct_events__by_day`). The readers are the models that ref() the log and
    apply its rows (a post-hook calls mark_changes_applied), found in the dbt graph; a model
    that refs the log only to run after it does not count. On a first build (the log not
    built yet), after a first build that stopped before fct_events (its readers come after
    it) and in a full refresh it does nothing. Renders nothing.
-#}
{% macro fail_when_facts_are_missing(facts) -%}
    {%- if execute and model.resource_type != "unit_test" and facts is none and is_incremental() -%}
        {%- set facts_node = graph.nodes["model.product_analytics.fct_events"] -%}
        {%- set built = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == "model" and model.unique_id in node.depends_on.nodes
            and node.unique_id != facts_node.unique_id
            and "mark_changes_applied" in node.config.get("post-hook", []) | map(attribute="sql") | join(" ") -%}
            {%- if adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) is not none -%}
                {%- do built.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if built -%}
            {{ exceptions.raise_compiler_error(
                "product_analytics: " ~ this ~ " is built but fct_events' table ("
                ~ facts_node.schema ~ "." ~ facts_node.alias ~ ") is not, while " ~ built | sort | join(", ")
                ~ " are: without the previous fct_events this run cannot tell which events changed, and those "
                ~ "incremental models would miss them. (This happens once after an upgrade that moves fct_events, "
                ~ "see CHANGELOG.md, or when its table was dropped.) Rebuild everything: "
                ~ product_analytics.rebuild_command()
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#-
    Extra `config` of a day-keyed mart (`model_name`) that is incremental where days are
    rewritten (Spark): there the model builds its partitioned table `<model>__by_day` in the
    intermediate schema (the engine moves a partition column last), and its post-hook
    mart_view_over_day_partitions creates the mart, a view at the mart's name selecting the
    yml's columns in their order (docs/decisions.md, "Spark"). Nothing elsewhere: the model is
    the mart's table. Pass as `**product_analytics.day_partitioned_mart_config("<model>")`.
    `schema=none` keeps the table in the model's own schema (the staged calls: `staging`). An
    intermediate model keyed otherwise, given a day column to be partitioned by
    (int_identity__anonymous_links), uses it the same way, its view in the intermediate schema.
-#}
{% macro day_partitioned_mart_config(model_name, schema="intermediate") -%}
    {%- if not product_analytics.rewrites_day_partitions() -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set settings = {"alias": model_name ~ "__by_day"} -%}
    {%- if schema -%}
        {%- do settings.update({"schema": schema}) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}

{#-
    Post-hook of a mart configured by day_partitioned_mart_config, where days are rewritten
    (Spark): (re)creates the view `<view_schema>.<model>` (default the marts; an intermediate
    model passes 'intermediate') over the partitioned table `relation`,
    selecting the model's yml columns in their order, so the mart keeps its name and column
    order. A table left at that name by an earlier version (the mart was a table there) is
    dropped first. Runs its statements itself; renders no SQL. Does nothing elsewhere.
    `view_schema` is the view's schema (custom schema name); with `hidden_column` the view
    selects every column of the table but that one, in the table's order (a model whose
    columns the yml cannot all list: the staged calls' configured extra Segment columns).
-#}
{% macro mart_view_over_day_partitions(relation, view_schema="marts", hidden_column=none) -%}
    {%- if execute and product_analytics.rewrites_day_partitions() -%}
        {%- set mart = api.Relation.create(
            database=relation.database, schema=generate_schema_name(view_schema, model) | trim, identifier=model.name, type="view"
        ) -%}
        {%- set existing = adapter.get_relation(database=mart.database, schema=mart.schema, identifier=mart.identifier) -%}
        {%- if existing is not none and not existing.is_view -%}
            {%- do adapter.drop_relation(existing) -%}
        {%- endif -%}
        {%- do adapter.create_schema(mart) -%}
        {%- if hidden_column -%}
            {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute="name")
                | reject("equalto", hidden_column) | list -%}
        {%- else -%}
            {%- set columns = model.columns.values() | map(attribute="name") | list -%}
        {%- endif -%}
        {%- if not columns -%}
            {{ exceptions.raise_compiler_error(
                "product_analytics: " ~ model.name ~ " lists no columns in its yml: the view " ~ mart ~ " selects them in that order"
            ) }}
        {%- endif -%}
        {%- do run_query("create or replace view " ~ mart ~ " as select " ~ columns | join(", ") ~ " from " ~ relation) -%}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}
