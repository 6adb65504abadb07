{#
    PII hashing (docs/reference.md sections 2 and 8). A hashed column holds md5(salt || value). The salt is
    a secret: it never appears in SQL text, so it never reaches view definitions, dbt's
    artifacts (target/) or its logs. The engine session holds it, and the SQL reads it there:
    - DuckDB: the variable `product_analytics_pii_salt`, set on every connection by the
      dbt-duckdb plugin `product_analytics.duckdb_plugin` from the environment variable
      PRODUCT_ANALYTICS_PII_SALT (profiles.yml loads the plugin).
    - PostgreSQL: the setting `product_analytics.pii_salt`, which libpq passes to every
      session from PGOPTIONS='-c product_analytics.pii_salt=<salt>'.
    Views keep reading the salt at query time: a reader whose session has no salt sees null
    in hashed columns, never an unsalted (dictionary-reversible) hash.
#}

{#-
    How this engine's sessions hold the salt: {"sql": the SQL reading it (null when unset),
    "instructions": how to give the sessions the salt (for messages)}; sql is none on engines
    without a session setting.
-#}
{% macro pii_session_salt() -%}
    {{ return(adapter.dispatch("pii_session_salt", "product_analytics")()) }}
{%- endmacro %}

{% macro default__pii_session_salt() -%}
    {{ return({"sql": none, "instructions": "this engine has no session setting for the salt in this package yet"}) }}
{%- endmacro %}

{% macro duckdb__pii_session_salt() -%}
    {{ return({
        "sql": "nullif(getvariable('product_analytics_pii_salt'), '')",
        "instructions": "set the environment variable PRODUCT_ANALYTICS_PII_SALT and load the dbt-duckdb plugin in the profile:"
            ~ " `plugins: [{module: product_analytics.duckdb_plugin}]` (README, \"PII salt\")",
    }) }}
{%- endmacro %}

{% macro postgres__pii_session_salt() -%}
    {{ return({
        "sql": "nullif(current_setting('product_analytics.pii_salt', true), '')",
        "instructions": "export PGOPTIONS=\"-c product_analytics.pii_salt=$PRODUCT_ANALYTICS_PII_SALT\" before running dbt"
            ~ " (libpq passes it to every session; README, \"PII salt\")",
    }) }}
{%- endmacro %}

{#- True when the current session holds a non-empty salt (asked of the engine; the salt never returns to dbt). -#}
{% macro pii_salt_is_set() -%}
    {%- set expression = product_analytics.pii_session_salt()["sql"] -%}
    {%- if not execute or expression is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set result = run_query("select case when " ~ expression ~ " is null then 0 else 1 end as is_set") -%}
    {{ return(result.columns[0].values()[0] == 1) }}
{%- endmacro %}

{#-
    The salt as a SQL expression for pii_hash(): the session read when this build's session has
    a salt, else '' (unsalted hashing, warned about by check_pii_salt()). Read once per model.
-#}
{% macro pii_salt_sql() -%}
    {%- if product_analytics.pii_salt_is_set() -%}
        {{ return(product_analytics.pii_session_salt()["sql"]) }}
    {%- endif -%}
    {{ return("''") }}
{%- endmacro %}

{#- A salted hash of a PII value (salt_sql from pii_salt_sql()); null stays null. -#}
{% macro pii_hash(expression, salt_sql) -%}
    {{ dbt.hash(salt_sql ~ " || cast(" ~ expression ~ " as " ~ dbt.type_string() ~ ")") }}
{%- endmacro %}

{#-
    The retired variable `pii_hash_salt` (checked with every variable by check_configuration):
    it must be unset, because dbt writes variables to target/run_results.json and logs/dbt.log.
    The message never shows the value.
-#}
{% macro pii_hash_salt(errors=none) -%}
    {%- if var("pii_hash_salt", "") not in ["", none] -%}
        {{ return(product_analytics.config_error(
            "pii_hash_salt",
            "unset: the variable is no longer read, since dbt writes variables to target/run_results.json and"
            ~ " logs/dbt.log, where the salt would leak. Give the salt to the engine session instead: "
            ~ product_analytics.pii_session_salt()["instructions"] ~ ". (The value is not shown: it is a secret)",
            "(hidden)",
            errors,
        )) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#-
    Run at the start of every dbt invocation (on-run-start): warns when `pii_hashed_columns`
    will be hashed without a salt. Renders no SQL.
-#}
{% macro check_pii_salt() -%}
    {%- if execute -%}
        {%- set hashed = product_analytics.config_string_list("pii_hashed_columns") -%}
        {%- if hashed and not product_analytics.pii_salt_is_set() -%}
            {%- do exceptions.warn(
                "product_analytics: the PII columns " ~ hashed | join(", ") ~ " (pii_hashed_columns) are hashed"
                ~ " WITHOUT a salt: anyone with a list of candidate values can reverse the hashes. To salt them, "
                ~ product_analytics.pii_session_salt()["instructions"] ~ "."
            ) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
