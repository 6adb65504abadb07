{#
    Configuration state (docs/reference.md section 8): a run never silently mixes two configurations.

    Each incremental model of the package records, after it builds (post-hook), the value of
    every setting its stored rows were computed with, one row per setting in the table
    `product_analytics_configuration_state` of the intermediate schema (model_name,
    setting_name, setting_value as JSON text, recorded_at). Before an incremental run of the
    model (pre-hook), the current values are compared with the recorded ones; any difference
    fails the model, naming each setting with its stored and new value and the command that
    rebuilds. A build from scratch (first build, allowed full refresh) records the new values.
    The hooks are set for every model of the package in dbt_project.yml and do nothing for
    models that are not incremental.

    Settings are grouped by what they change; configuration_setting_groups() lists the groups
    each incremental model depends on (docs/decisions.md explains the choice).
#}

{#- The table holding the recorded settings, in the schema of the package's intermediate models. -#}
{% macro configuration_state_relation() -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == "model" and node.package_name == "product_analytics" and node.fqn[1] == "intermediate" -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier="product_analytics_configuration_state")) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("product_analytics: no intermediate model found to place the configuration state table") }}
{%- endmacro %}

{#- The statement creating the state table when missing (its schema exists); idempotent. -#}
{% macro create_configuration_state_sql() -%}
    {{ return(adapter.dispatch("create_configuration_state_sql", "product_analytics")()) }}
{%- endmacro %}

{#-
    Spark: partitioned by model name (the last column there), so that each model replaces its
    own rows (store_configuration_state) without row-level delete.
-#}
{% macro spark__create_configuration_state_sql() -%}
    {%- set state = product_analytics.configuration_state_relation() -%}
    create table if not exists {{ state }} (
        setting_name string,
        setting_value string,
        recorded_at timestamp,
        model_name string
    ) using parquet partitioned by (model_name)
{%- endmacro %}

{% macro default__create_configuration_state_sql() -%}
    {%- set state = product_analytics.configuration_state_relation() -%}
    create table if not exists {{ state }} (
        model_name {{ dbt.type_string() }},
        setting_name {{ dbt.type_string() }},
        setting_value {{ dbt.type_string() }},
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}

{#-
    on-run-start of run and build: the state table exists before any model's hook reads or
    writes it. Runs and commits the statement itself (dbt rolls back the hooks' connection
    after the last hook); renders no SQL.
-#}
{% macro prepare_configuration_state() -%}
    {%- if execute and flags.WHICH in ["run", "build", "retry"] -%}
        {#- One statement per call: some engines (Spark) run a single statement at a time. -#}
        {%- do run_query("create schema if not exists " ~ product_analytics.configuration_state_relation().without_identifier().include(database=false)) -%}
        {%- do product_analytics.upgrade_configuration_state() -%}
        {%- do run_query(product_analytics.create_configuration_state_sql()) -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}

{#-
    Before the state table is created when missing: a state table of an older version that the
    current one cannot use is dropped. Spark: earlier versions of the package built every model
    as a table there and so never stored a row, in an unpartitioned table; an empty state
    table is dropped (and re-created partitioned). Nothing elsewhere.
-#}
{% macro upgrade_configuration_state() -%}
    {{ return(adapter.dispatch("upgrade_configuration_state", "product_analytics")()) }}
{%- endmacro %}

{% macro default__upgrade_configuration_state() -%}{%- endmacro %}

{% macro spark__upgrade_configuration_state() -%}
    {%- set state = product_analytics.configuration_state_relation() -%}
    {%- if adapter.get_relation(database=state.database, schema=state.schema, identifier=state.identifier) is not none
        and run_query("select count(*) from " ~ state).columns[0].values()[0] == 0 -%}
        {%- do run_query("drop table " ~ state) -%}
    {%- endif -%}
{%- endmacro %}

{#- The setting groups an incremental model's stored rows depend on (an unlisted model: all of them). -#}
{% macro configuration_setting_groups(model_name) -%}
    {%- set staged = ["sources", "event_time", "reporting_day", "privacy", "excluded_ids"] -%}
    {%- set events = staged + ["identity", "accounts", "activity"] -%}
    {%- set groups = {
        "stg_segment__tracks": staged,
        "stg_segment__pages": staged,
        "stg_segment__screens": staged,
        "dq_segment__message_counts_daily": ["sources"],
        "dq_segment__nulled_values_daily": ["sources", "excluded_ids", "declared_types"],
        "dq_segment__arrival_daily": ["sources", "event_time", "excluded_ids", "declared_types", "lookback"],
        "int_tracking_plan__event_days": staged + ["identity", "accounts"],
        "int_tracking_plan__event_property_days": staged + ["identity", "accounts"],
        "int_identity__anonymous_links": ["sources", "event_time", "privacy", "excluded_ids", "identity"],
        "fct_events": events,
        "int_engagement__activity_days": events,
        "metrics_account_health_daily": events + ["health"],
    } -%}
    {{ return(groups.get(model_name, events + ["health"])) }}
{%- endmacro %}

{#- A JSON text of a value as a SQL string literal (tojson escapes quotes as \u0027). -#}
{% macro configuration_literal(value) -%}
    {{ return("'" ~ (value | tojson) ~ "'") }}
{%- endmacro %}

{#- The sorted event names of the tracking plan (as validated by stg_tracking_plan__events) matching a condition. -#}
{% macro configuration_plan_events(condition) -%}
    {%- set plan = graph.nodes["model.product_analytics.stg_tracking_plan__events"] -%}
    {%- set relation = api.Relation.create(database=plan.database, schema=plan.schema, identifier=plan.alias) -%}
    {%- set result = run_query("select distinct event_name from " ~ relation ~ " where " ~ condition ~ " order by event_name") -%}
    {{ return(result.columns[0].values() | list) }}
{%- endmacro %}

{#-
    The current settings of the groups a model depends on: a list of {"name", "sql"} where sql
    is a text expression of the value (a JSON literal; the PII salt as a fingerprint the engine
    computes from its session, so the salt never appears in SQL text). A setting that may grow
    (segment_schemas) also has "grows": its current list; only stored values no longer in it
    count as a change.
-#}
{% macro configuration_settings(model_name) -%}
    {%- set groups = product_analytics.configuration_setting_groups(model_name) -%}
    {%- set values = [] -%}
    {%- if "sources" in groups -%}
        {%- do values.append(("segment_database", var("segment_database"))) -%}
    {%- endif -%}
    {%- if "event_time" in groups -%}
        {%- do values.append(("future_event_tolerance_minutes", product_analytics.future_event_tolerance_minutes())) -%}
    {%- endif -%}
    {%- if "lookback" in groups -%}
        {%- do values.append(("incremental_lookback_hours", product_analytics.config_positive_integer("incremental_lookback_hours"))) -%}
    {%- endif -%}
    {%- if "reporting_day" in groups -%}
        {%- do values.append(("reporting_timezone", product_analytics.reporting_timezone())) -%}
    {%- endif -%}
    {%- if "privacy" in groups -%}
        {%- do values.append(("pii_dropped_columns", product_analytics.config_string_list("pii_dropped_columns") | sort)) -%}
        {%- do values.append(("pii_hashed_columns", product_analytics.config_string_list("pii_hashed_columns") | sort)) -%}
    {%- endif -%}
    {%- if "identity" in groups -%}
        {%- do values.append(("alias_max_chain_length", product_analytics.config_positive_integer("alias_max_chain_length"))) -%}
    {%- endif -%}
    {%- if "excluded_ids" in groups -%}
        {%- do values.append(("excluded_ids", product_analytics.excluded_ids() | sort)) -%}
    {%- endif -%}
    {%- if "declared_types" in groups -%}
        {%- do values.append(("user_traits", product_analytics.config_trait_kinds("user_traits"))) -%}
        {%- do values.append(("account_traits", product_analytics.config_trait_kinds("account_traits"))) -%}
        {%- do values.append(("opt_out_trait", var("opt_out_trait"))) -%}
    {%- endif -%}
    {%- if "accounts" in groups -%}
        {%- do values.append(("opt_out_trait", var("opt_out_trait"))) -%}
    {%- endif -%}
    {%- if "activity" in groups -%}
        {%- set overrides = product_analytics.activity_overrides() -%}
        {%- do values.append(("activity_events", overrides["activity"] | sort)) -%}
        {%- do values.append(("non_activity_events", overrides["not_activity"] | sort)) -%}
        {%- do values.append(("tracking plan: events with counts_as_activity = false",
            product_analytics.configuration_plan_events("not counts_as_activity"))) -%}
    {%- endif -%}
    {%- if "health" in groups -%}
        {%- set health = product_analytics.config_health() -%}
        {%- do values.append(("health_weights", health.weights)) -%}
        {%- do values.append(("health_window_days", health.window_days)) -%}
        {%- do values.append(("health_frequency_target_days", health.frequency_target_days)) -%}
        {%- do values.append(("health_momentum_window_days", health.momentum_days)) -%}
        {%- do values.append(("health_tier_thresholds", {"healthy": health.healthy, "at_risk": health.at_risk})) -%}
        {%- do values.append(("tracking plan: feature events (category = 'feature')",
            product_analytics.configuration_plan_events("category = 'feature'"))) -%}
    {%- endif -%}
    {%- set settings = [] -%}
    {%- for name, value in values -%}
        {%- do settings.append({"name": name, "sql": product_analytics.configuration_literal(value)}) -%}
    {%- endfor -%}
    {%- if "sources" in groups -%}
        {#-
            segment_schemas may grow: adding a source schema is an ordinary change that
            incremental runs process (its rows are found as unprocessed received days). Only a
            schema removed from the list is a change, since its stored rows would stay. The
            value recorded is the schemas rows are read from, those holding a Segment table: a
            listed schema without any (a typo, a source not loaded yet) adds no rows, so taking
            it out of the list later needs no rebuild.
        -#}
        {%- set tables = product_analytics.segment_tables_by_schema() -%}
        {%- set schemas = product_analytics.segment_schemas() | sort -%}
        {%- set read_from = [] -%}
        {%- for schema in schemas if tables.get(schema) -%}
            {%- do read_from.append(schema) -%}
        {%- endfor -%}
        {%- do settings.append({"name": "segment_schemas", "sql": product_analytics.configuration_literal(read_from), "grows": schemas}) -%}
    {%- endif -%}
    {%- if "privacy" in groups and product_analytics.config_string_list("pii_hashed_columns") -%}
        {%- do settings.append({
            "name": "PII salt",
            "sql": dbt.hash("'product_analytics configuration state ' || " ~ product_analytics.pii_salt_sql()),
        }) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}

{#- One select of the current settings: setting_name, setting_value. -#}
{% macro configuration_settings_select(settings) -%}
    {%- for setting in settings %}
    select
        cast('{{ setting.name | replace("'", "''") }}' as {{ dbt.type_string() }}) as setting_name,
        cast({{ setting.sql }} as {{ dbt.type_string() }}) as setting_value
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#-
    The exact command that rebuilds the incremental models from scratch with the current
    variables: --full-refresh, the target, and the command line's --vars plus
    allow_full_refresh: true where the production guard would otherwise ignore --full-refresh.
-#}
{% macro rebuild_command() -%}
    {%- set cli_vars = invocation_args_dict.get("vars") or {} -%}
    {%- if cli_vars is string -%}
        {%- set cli_vars = fromyaml(cli_vars) or {} -%}
    {%- endif -%}
    {%- set rebuild_vars = {} -%}
    {%- do rebuild_vars.update(cli_vars) -%}
    {%- if product_analytics.allow_full_refresh() is not none -%}
        {%- do rebuild_vars.update({"allow_full_refresh": true}) -%}
    {%- endif -%}
    {%- set command = "dbt build --full-refresh --target " ~ target.name -%}
    {%- if rebuild_vars -%}
        {%- set command = command ~ " --vars '" ~ (rebuild_vars | tojson) ~ "'" -%}
    {%- endif -%}
    {{ return(command) }}
{%- endmacro %}

{#-
    Pre-hook of every model: in an incremental run of an incremental model, fails when a
    setting differs from the value its stored rows were recorded with. A setting without a
    recorded value (a model built before this check existed, or a setting new in the package)
    passes and is recorded by the post-hook. Renders no SQL.
-#}
{% macro check_configuration_state() -%}
    {%- if execute and model.config.materialized == "incremental" and is_incremental() -%}
        {%- set state = product_analytics.configuration_state_relation() -%}
        {%- set settings = product_analytics.configuration_settings(model.name) -%}
        {%- set changed = run_query(
            "select current_settings.setting_name, stored.setting_value as stored_value, current_settings.setting_value as current_value"
            ~ " from (" ~ product_analytics.configuration_settings_select(settings) ~ ") as current_settings"
            ~ " inner join " ~ state ~ " as stored"
            ~ " on stored.model_name = '" ~ this.identifier ~ "' and stored.setting_name = current_settings.setting_name"
            ~ " where stored.setting_value <> current_settings.setting_value"
            ~ " order by current_settings.setting_name"
        ) -%}
        {%- set growing = {} -%}
        {%- for setting in settings if setting.grows is defined -%}
            {%- do growing.update({setting.name: setting.grows}) -%}
        {%- endfor -%}
        {%- set lines = [] -%}
        {%- for row in changed.rows -%}
            {%- if row[0] in growing -%}
                {%- set removed = fromjson(row[1]) | reject("in", growing[row[0]]) | list -%}
                {%- if removed -%}
                    {%- do lines.append("  - " ~ row[0] ~ ": stored " ~ row[1] ~ ", now " ~ row[2] ~ "; removed " ~ removed | join(", ")
                        ~ " (its stored rows would stay; adding a schema needs no rebuild)") -%}
                {%- endif -%}
            {%- elif row[0] == "PII salt" -%}
                {%- do lines.append("  - the PII salt (secret; fingerprints: stored " ~ row[1][:8] ~ ", now " ~ row[2][:8] ~ ")") -%}
            {%- else -%}
                {%- do lines.append("  - " ~ row[0] ~ ": stored " ~ row[1] ~ ", now " ~ row[2]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if lines -%}
            {{ exceptions.raise_compiler_error(
                "product_analytics: " ~ this.identifier ~ " holds rows computed with a different configuration;"
                ~ " an incremental run would mix the two. Changed since its rows were stored:\n"
                ~ lines | join("\n")
                ~ "\nRebuild the incremental models from scratch with the new values:\n  "
                ~ product_analytics.rebuild_command()
                ~ "\nor set the variables back to their stored values."
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of every model: an incremental model records the settings its rows now hold. Renders no SQL. -#}
{% macro record_configuration_state() -%}
    {%- if execute and model.config.materialized == "incremental" -%}
        {%- set state = product_analytics.configuration_state_relation() -%}
        {%- set settings = product_analytics.configuration_settings(model.name) -%}
        {%- do product_analytics.store_configuration_state(state, this.identifier, product_analytics.configuration_settings_select(settings)) -%}
    {%- endif -%}
{%- endmacro %}

{#-
    Replaces the recorded settings of `model_name` in `state` with the rows of `settings_select`
    (setting_name, setting_value); runs the statements itself. Spark (no row-level delete):
    the state table is partitioned by model name and the model's partition is overwritten,
    as a dynamic partition overwrite: each such write stages its files in a folder of its own
    (`.spark-staging-<job>`), while a static `partition (model_name = '...')` overwrite
    stages them in the table's `_temporary` folder, which the first of two models writing
    their state at the same moment (dbt threads) deletes under the other ("Mkdirs failed to
    create file .../_temporary/...", TASK_WRITE_FAILED, seen on Spark 4.3).
-#}
{% macro store_configuration_state(state, model_name, settings_select) -%}
    {{ return(adapter.dispatch("store_configuration_state", "product_analytics")(state, model_name, settings_select)) }}
{%- endmacro %}

{% macro default__store_configuration_state(state, model_name, settings_select) -%}
    {%- do run_query("delete from " ~ state ~ " where model_name = '" ~ model_name ~ "'") -%}
    {%- do run_query(
        "insert into " ~ state ~ " (model_name, setting_name, setting_value, recorded_at)"
        ~ " select '" ~ model_name ~ "', setting_name, setting_value, " ~ dbt.current_timestamp()
        ~ " from (" ~ settings_select ~ ") as current_settings"
    ) -%}
{%- endmacro %}

{% macro spark__store_configuration_state(state, model_name, settings_select) -%}
    {%- do product_analytics.overwrite_only_written_partitions() -%}
    {%- do run_query(
        "insert overwrite table " ~ state ~ " partition (model_name)"
        ~ " select setting_name, setting_value, " ~ dbt.current_timestamp() ~ ", '" ~ model_name ~ "' as model_name"
        ~ " from (" ~ settings_select ~ ") as current_settings"
    ) -%}
{%- endmacro %}

{#-
    on-run-start: a `--full-refresh` that the production guard (allow_full_refresh) ignores is
    a warning naming the models that still run incrementally and the command that rebuilds.
-#}
{% macro warn_about_ignored_full_refresh() -%}
    {%- if execute and flags.FULL_REFRESH and product_analytics.allow_full_refresh() is not none -%}
        {%- set guarded = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == "model" and node.config.full_refresh == false
            and node.unique_id in selected_resources -%}
            {%- do guarded.append(node.name) -%}
        {%- endfor -%}
        {%- if guarded -%}
            {%- do exceptions.warn(
                "product_analytics: --full-refresh is IGNORED on target '" ~ target.name ~ "' for the incremental models "
                ~ guarded | sort | join(", ") ~ ": they run incrementally on their stored rows (rebuilding all"
                ~ " history must be deliberate: allow_full_refresh is false and the target is not dev, test or ci)."
                ~ " To rebuild them from scratch run: " ~ product_analytics.rebuild_command()
            ) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
