{#
    Validated access to the package variables. Every variable that needs checking is read
    here, so a bad value fails at compile time with a message naming the variable and what
    was expected, instead of as an obscure SQL error.
#}

{% macro config_error(variable, expected, got) -%}
    {{ exceptions.raise_compiler_error(
        "product_analytics: variable '" ~ variable ~ "' must be " ~ expected
        ~ ", got " ~ (got | tojson)
    ) }}
{%- endmacro %}

{#- A list of strings, lower-cased unless keep_case; a comma-separated string is accepted too ("a,b" on the command line). -#}
{% macro config_string_list(variable, keep_case=false) -%}
    {%- set value = var(variable) -%}
    {%- if value is string -%}
        {%- set value = value.split(",") | map("trim") | reject("equalto", "") | list -%}
    {%- endif -%}
    {%- if value is not iterable or value is mapping -%}
        {{ product_analytics.config_error(variable, "a list of strings", value) }}
    {%- endif -%}
    {%- for item in value -%}
        {%- if item is not string or item | trim == "" -%}
            {{ product_analytics.config_error(variable, "a list of non-empty strings", value) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set value = value | map("trim") | list -%}
    {{ return(value if keep_case else value | map("lower") | list) }}
{%- endmacro %}

{% macro segment_schemas() -%}
    {%- set schemas = product_analytics.config_string_list("segment_schemas") -%}
    {%- if schemas | length == 0 -%}
        {{ product_analytics.config_error("segment_schemas", "a non-empty list of schema names", schemas) }}
    {%- endif -%}
    {%- if schemas | unique | list | length != schemas | length -%}
        {{ product_analytics.config_error("segment_schemas", "a list without repeated schemas", schemas) }}
    {%- endif -%}
    {{ return(schemas) }}
{%- endmacro %}

{% macro segment_database() -%}
    {%- set database = var("segment_database") -%}
    {{ return(database if database else target.database) }}
{%- endmacro %}

{% macro reporting_timezone() -%}
    {%- set tz = var("reporting_timezone") -%}
    {#- Quoted into SQL as a literal, so only IANA-style characters are accepted. -#}
    {%- if tz is not string or not modules.re.fullmatch("[A-Za-z0-9_+\-/]+", tz) -%}
        {{ product_analytics.config_error("reporting_timezone", "an IANA time zone name such as 'UTC' or 'Europe/Berlin'", tz) }}
    {%- endif -%}
    {{ return(tz) }}
{%- endmacro %}

{% macro week_start() -%}
    {%- set day = var("week_start") -%}
    {%- if day not in ["monday", "sunday"] -%}
        {{ product_analytics.config_error("week_start", "'monday' or 'sunday'", day) }}
    {%- endif -%}
    {{ return(day) }}
{%- endmacro %}

{% macro future_event_tolerance_minutes() -%}
    {%- set minutes = var("future_event_tolerance_minutes") -%}
    {%- if minutes is not number or minutes is boolean or minutes < 0 -%}
        {{ product_analytics.config_error("future_event_tolerance_minutes", "a non-negative number of minutes", minutes) }}
    {%- endif -%}
    {{ return(minutes) }}
{%- endmacro %}

{% macro pii_hash_salt() -%}
    {%- set salt = env_var("PRODUCT_ANALYTICS_PII_SALT", var("pii_hash_salt")) -%}
    {%- if salt is not string or "'" in salt or "\\" in salt -%}
        {{ product_analytics.config_error("pii_hash_salt", "a string without quotes or backslashes", salt) }}
    {%- endif -%}
    {{ return(salt) }}
{%- endmacro %}

{% macro config_positive_integer(variable) -%}
    {%- set value = var(variable) -%}
    {%- if value is not number or value is boolean or value != value | int or value < 1 -%}
        {{ product_analytics.config_error(variable, "a positive whole number", value) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}

{% macro config_non_empty_string(variable) -%}
    {%- set value = var(variable) -%}
    {%- if value is not string or value | trim == "" or "'" in value -%}
        {{ product_analytics.config_error(variable, "a non-empty string without quotes", value) }}
    {%- endif -%}
    {{ return(value | trim) }}
{%- endmacro %}

{#-
    A trait map such as {email: string, seats: integer} as a list of
    {"name", "kind", "sql_type"}; kinds are string, integer, float, boolean, timestamp.
-#}
{% macro config_traits(variable) -%}
    {%- set value = var(variable) -%}
    {%- set types = {
        "string": dbt.type_string(),
        "integer": dbt.type_bigint(),
        "float": "double precision",
        "boolean": dbt.type_boolean(),
        "timestamp": dbt.type_timestamp(),
    } -%}
    {%- if value is not mapping -%}
        {{ product_analytics.config_error(variable, "a mapping of trait column to type (" ~ (types.keys() | join(", ")) ~ ")", value) }}
    {%- endif -%}
    {%- set traits = [] -%}
    {%- for name, kind in value.items() -%}
        {%- if not modules.re.fullmatch("[a-z_][a-z0-9_]*", name | string) -%}
            {{ product_analytics.config_error(variable, "keys that are lower-case column names", name) }}
        {%- endif -%}
        {%- if kind not in types -%}
            {{ product_analytics.config_error(variable, "types among " ~ (types.keys() | join(", ")) ~ " (trait '" ~ name ~ "')", kind) }}
        {%- endif -%}
        {%- if name in ["created_at", "account_id", "user_id"] -%}
            {{ product_analytics.config_error(variable, "traits other than created_at, account_id and user_id, which the models define themselves", name) }}
        {%- endif -%}
        {%- do traits.append({"name": name, "kind": kind, "sql_type": types[kind]}) -%}
    {%- endfor -%}
    {{ return(traits) }}
{%- endmacro %}

{#- A list of event names: as config_string_list, case kept (names match `event_name` exactly). -#}
{% macro config_event_names(variable) -%}
    {%- set names = product_analytics.config_string_list(variable, keep_case=true) -%}
    {%- for name in names if "'" in name -%}
        {{ product_analytics.config_error(variable, "a list of event names without quotes", names) }}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#-
    Overrides of the tracking plan's `counts_as_activity`: {"activity": [...], "not_activity": [...]}
    from the variables `activity_events` and `non_activity_events`, which must not share a name.
-#}
{% macro activity_overrides() -%}
    {%- set include = product_analytics.config_event_names("activity_events") -%}
    {%- set exclude = product_analytics.config_event_names("non_activity_events") -%}
    {%- for name in include if name in exclude -%}
        {{ product_analytics.config_error("activity_events", "a list sharing no event with non_activity_events ('" ~ name ~ "' is in both)", include) }}
    {%- endfor -%}
    {{ return({"activity": include, "not_activity": exclude}) }}
{%- endmacro %}

{#- A number >= 0 (not a boolean). -#}
{% macro config_non_negative_number(variable, value=none) -%}
    {%- set value = var(variable) if value is none else value -%}
    {%- if value is not number or value is boolean or value < 0 -%}
        {{ product_analytics.config_error(variable, "a non-negative number", value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#-
    The account health settings (docs/reference.md section 7), validated: weights of the four known
    components, non-negative, summing to 1; windows and target positive whole numbers;
    tier thresholds with 0 <= at_risk <= healthy <= 100.
-#}
{% macro config_health() -%}
    {%- set components = ["breadth", "frequency", "adoption", "momentum"] -%}
    {%- set weights = var("health_weights") -%}
    {%- if weights is not mapping -%}
        {{ product_analytics.config_error("health_weights", "a mapping of component (" ~ components | join(", ") ~ ") to weight", weights) }}
    {%- endif -%}
    {%- for name in weights if name not in components -%}
        {{ product_analytics.config_error("health_weights", "weights of the components " ~ components | join(", ") ~ " only (unknown component '" ~ name ~ "')", weights) }}
    {%- endfor -%}
    {%- set checked = {} -%}
    {%- for name in components -%}
        {%- do checked.update({name: product_analytics.config_non_negative_number("health_weights." ~ name, weights.get(name, 0))}) -%}
    {%- endfor -%}
    {%- if (checked.values() | sum - 1) | abs > 0.000001 -%}
        {{ product_analytics.config_error("health_weights", "weights summing to 1 (they sum to " ~ checked.values() | sum ~ ")", weights) }}
    {%- endif -%}
    {%- set thresholds = var("health_tier_thresholds") -%}
    {%- if thresholds is not mapping or thresholds.keys() | sort | list != ["at_risk", "healthy"] -%}
        {{ product_analytics.config_error("health_tier_thresholds", "a mapping {healthy: <score>, at_risk: <score>}", thresholds) }}
    {%- endif -%}
    {%- set healthy = product_analytics.config_non_negative_number("health_tier_thresholds.healthy", thresholds.healthy) -%}
    {%- set at_risk = product_analytics.config_non_negative_number("health_tier_thresholds.at_risk", thresholds.at_risk) -%}
    {%- if not (at_risk <= healthy <= 100) -%}
        {{ product_analytics.config_error("health_tier_thresholds", "scores with 0 <= at_risk <= healthy <= 100", thresholds) }}
    {%- endif -%}
    {{ return({
        "weights": checked,
        "window_days": product_analytics.config_positive_integer("health_window_days"),
        "frequency_target_days": product_analytics.config_positive_integer("health_frequency_target_days"),
        "momentum_days": product_analytics.config_positive_integer("health_momentum_window_days"),
        "healthy": healthy,
        "at_risk": at_risk,
    }) }}
{%- endmacro %}

{#- The account health tier of a score expression, per config_health() thresholds (strictly above). -#}
{% macro health_tier(score_expression, health) -%}
    case
        when {{ score_expression }} > {{ health.healthy }} then 'Healthy'
        when {{ score_expression }} > {{ health.at_risk }} then 'At Risk'
        else 'Critical'
    end
{%- endmacro %}
