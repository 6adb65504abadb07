{#
    Validated access to the package variables. Every variable that needs checking is read
    here, so a bad value fails at compile time with a message naming the variable and what
    was expected, instead of as an obscure SQL error.
#}

{#-
    The error of a bad variable value. With `errors` (a list), the message is appended and
    none returned: configuration_errors() collects every bad variable that way, and every
    accessor below takes `errors` and returns right after the first problem it appends.
    Without, fails listing this error and every other bad variable (configuration_errors),
    so a user fixes them in one go whichever model (or dbt's parsing) met one first.
-#}
{% macro config_error(variable, expected, got, errors=none) -%}
    {%- set message = "variable '" ~ variable ~ "' must be " ~ expected ~ ", got " ~ (got | tojson) -%}
    {%- if errors is not none -%}
        {%- do errors.append(message) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set all_errors = product_analytics.configuration_errors() -%}
    {%- if message not in all_errors -%}
        {%- do all_errors.insert(0, message) -%}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(product_analytics.configuration_error_message(all_errors)) }}
{%- endmacro %}

{% macro configuration_error_message(errors) -%}
    {%- set what_to_do = "\nSet them under `vars: product_analytics:` in dbt_project.yml or with --vars (docs/variables.md lists every variable and its check)." -%}
    {%- if errors | length == 1 -%}
        {{ return("product_analytics: " ~ errors[0] ~ what_to_do | replace("Set them", "Set it")) }}
    {%- endif -%}
    {{ return(
        "product_analytics: " ~ errors | length ~ " variables are not valid:\n  - " ~ errors | join("\n  - ") ~ what_to_do
    ) }}
{%- endmacro %}

{#- A list of strings, lower-cased unless keep_case; a comma-separated string is accepted too ("a,b" on the command line). -#}
{% macro config_string_list(variable, keep_case=false, errors=none) -%}
    {%- set value = var(variable) -%}
    {%- if value is string -%}
        {%- set value = value.split(",") | map("trim") | reject("equalto", "") | list -%}
    {%- endif -%}
    {%- if value is not iterable or value is mapping -%}
        {{ return(product_analytics.config_error(variable, "a list of strings", value, errors)) }}
    {%- endif -%}
    {%- for item in value -%}
        {%- if item is not string or item | trim == "" -%}
            {{ return(product_analytics.config_error(variable, "a list of non-empty strings", value, errors)) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set value = value | map("trim") | list -%}
    {{ return(value if keep_case else value | map("lower") | list) }}
{%- endmacro %}

{% macro segment_schemas(errors=none) -%}
    {%- set schemas = product_analytics.config_string_list("segment_schemas", errors=errors) -%}
    {%- if schemas is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if schemas | length == 0 -%}
        {{ return(product_analytics.config_error("segment_schemas", "a non-empty list of schema names", schemas, errors)) }}
    {%- endif -%}
    {%- if schemas | unique | list | length != schemas | length -%}
        {{ return(product_analytics.config_error("segment_schemas", "a list without repeated schemas", schemas, errors)) }}
    {%- endif -%}
    {{ return(schemas) }}
{%- endmacro %}

{% macro segment_database(errors=none) -%}
    {%- set database = var("segment_database") -%}
    {%- if database is not none and (database is not string or not modules.re.fullmatch("[A-Za-z0-9_\-]+", database)) -%}
        {{ return(product_analytics.config_error("segment_database", "null (the target's database) or a database name", database, errors)) }}
    {%- endif -%}
    {#- Spark has no database level: none there. -#}
    {{ return(database if database else (target.database or none)) }}
{%- endmacro %}

{% macro reporting_timezone(errors=none) -%}
    {%- set tz = var("reporting_timezone") -%}
    {#- A name of the IANA tz database (pytz's list, portable); quoted into SQL as a literal, so IANA-style characters only. -#}
    {%- if tz is not string or not modules.re.fullmatch("[A-Za-z0-9_+\-/]+", tz) or tz not in modules.pytz.all_timezones_set -%}
        {{ return(product_analytics.config_error("reporting_timezone", "an IANA time zone name (tz database) such as 'UTC', 'Europe/Berlin' or 'America/New_York'", tz, errors)) }}
    {%- endif -%}
    {{ return(tz) }}
{%- endmacro %}

{% macro week_start(errors=none) -%}
    {{ return(product_analytics.config_choice("week_start", ["monday", "sunday"], errors, expected="'monday' or 'sunday'")) }}
{%- endmacro %}

{% macro future_event_tolerance_minutes(errors=none) -%}
    {%- set minutes = var("future_event_tolerance_minutes") -%}
    {%- if minutes is not number or minutes is boolean or minutes < 0 -%}
        {{ return(product_analytics.config_error("future_event_tolerance_minutes", "a non-negative number of minutes", minutes, errors)) }}
    {%- endif -%}
    {{ return(minutes) }}
{%- endmacro %}

{% macro config_positive_integer(variable, errors=none) -%}
    {%- set value = var(variable) -%}
    {%- if value is not number or value is boolean or value != value | int or value < 1 -%}
        {{ return(product_analytics.config_error(variable, "a positive whole number", value, errors)) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}

{% macro config_non_empty_string(variable, errors=none) -%}
    {%- set value = var(variable) -%}
    {%- if value is not string or value | trim == "" or "'" in value -%}
        {{ return(product_analytics.config_error(variable, "a non-empty string without quotes", value, errors)) }}
    {%- endif -%}
    {{ return(value | trim) }}
{%- endmacro %}

{#-
    A trait map such as {email: string, seats: integer} as a list of
    {"name", "kind", "sql_type"}; kinds are the declared kinds of safe_read.sql (string,
    integer, float, boolean, timestamp), read as such at staging.
-#}
{% macro config_traits(variable, errors=none) -%}
    {%- set value = var(variable) -%}
    {%- set kinds = product_analytics.declared_kinds() -%}
    {%- if value is not mapping -%}
        {{ return(product_analytics.config_error(variable, "a mapping of trait column to type (" ~ (kinds | join(", ")) ~ ")", value, errors)) }}
    {%- endif -%}
    {%- set traits = [] -%}
    {%- for name, kind in value.items() -%}
        {%- if not modules.re.fullmatch("[a-z_][a-z0-9_]*", name | string) -%}
            {{ return(product_analytics.config_error(variable, "keys that are lower-case column names", name, errors)) }}
        {%- endif -%}
        {%- if kind not in kinds -%}
            {{ return(product_analytics.config_error(variable, "types among " ~ (kinds | join(", ")) ~ " (trait '" ~ name ~ "')", kind, errors)) }}
        {%- endif -%}
        {%- if name in ["created_at", "account_id", "user_id"] -%}
            {{ return(product_analytics.config_error(variable, "traits other than created_at, account_id and user_id, which the models define themselves", name, errors)) }}
        {%- endif -%}
        {%- do traits.append({"name": name, "kind": kind, "sql_type": product_analytics.kind_sql_type(kind)}) -%}
    {%- endfor -%}
    {{ return(traits) }}
{%- endmacro %}

{#- A trait map of config_traits() as {name: kind}. -#}
{% macro config_trait_kinds(variable) -%}
    {%- set kinds = {} -%}
    {%- for trait in product_analytics.config_traits(variable) -%}
        {%- do kinds.update({trait.name: trait.kind}) -%}
    {%- endfor -%}
    {{ return(kinds) }}
{%- endmacro %}

{#- A list of event names: as config_string_list, case kept (names match `event_name` exactly). -#}
{% macro config_event_names(variable, errors=none) -%}
    {%- set names = product_analytics.config_string_list(variable, keep_case=true, errors=errors) -%}
    {%- if names is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for name in names if "'" in name -%}
        {{ return(product_analytics.config_error(variable, "a list of event names without quotes", names, errors)) }}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#-
    Overrides of the tracking plan's `counts_as_activity`: {"activity": [...], "not_activity": [...]}
    from the variables `activity_events` and `non_activity_events`, which must not share a name.
-#}
{% macro activity_overrides(errors=none) -%}
    {%- set include = product_analytics.config_event_names("activity_events", errors) -%}
    {%- set exclude = product_analytics.config_event_names("non_activity_events", errors) -%}
    {%- if include is none or exclude is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for name in include if name in exclude -%}
        {{ return(product_analytics.config_error("activity_events", "a list sharing no event with non_activity_events ('" ~ name ~ "' is in both)", include, errors)) }}
    {%- endfor -%}
    {{ return({"activity": include, "not_activity": exclude}) }}
{%- endmacro %}

{#- A number >= 0 (not a boolean). -#}
{% macro config_non_negative_number(variable, value=none, errors=none) -%}
    {%- set value = var(variable) if value is none else value -%}
    {%- if value is not number or value is boolean or value < 0 -%}
        {{ return(product_analytics.config_error(variable, "a non-negative number", value, errors)) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#-
    The account health settings (docs/reference.md section 7), validated: weights of the four known
    components, non-negative, summing to 1; windows and target positive whole numbers;
    tier thresholds with 0 <= at_risk <= healthy <= 100. Each part is checked on its own,
    so every bad one is reported.
-#}
{% macro config_health(errors=none) -%}
    {%- set health = {
        "weights": product_analytics.config_health_weights(errors),
        "window_days": product_analytics.config_positive_integer("health_window_days", errors),
        "frequency_target_days": product_analytics.config_positive_integer("health_frequency_target_days", errors),
        "momentum_days": product_analytics.config_positive_integer("health_momentum_window_days", errors),
        "thresholds": product_analytics.config_health_thresholds(errors),
    } -%}
    {%- if none in health.values() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do health.update(health.pop("thresholds")) -%}
    {{ return(health) }}
{%- endmacro %}

{#- `health_weights`: {component: weight} for breadth, frequency, adoption, momentum (missing ones 0), summing to 1. -#}
{% macro config_health_weights(errors=none) -%}
    {%- set components = ["breadth", "frequency", "adoption", "momentum"] -%}
    {%- set weights = var("health_weights") -%}
    {%- if weights is not mapping -%}
        {{ return(product_analytics.config_error("health_weights", "a mapping of component (" ~ components | join(", ") ~ ") to weight", weights, errors)) }}
    {%- endif -%}
    {%- for name in weights if name not in components -%}
        {{ return(product_analytics.config_error("health_weights", "weights of the components " ~ components | join(", ") ~ " only (unknown component '" ~ name ~ "')", weights, errors)) }}
    {%- endfor -%}
    {%- set checked = {} -%}
    {%- for name in components -%}
        {%- set weight = product_analytics.config_non_negative_number("health_weights." ~ name, weights.get(name, 0), errors) -%}
        {%- if weight is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- do checked.update({name: weight}) -%}
    {%- endfor -%}
    {%- if (checked.values() | sum - 1) | abs > 0.000001 -%}
        {{ return(product_analytics.config_error("health_weights", "weights summing to 1 (they sum to " ~ checked.values() | sum ~ ")", weights, errors)) }}
    {%- endif -%}
    {{ return(checked) }}
{%- endmacro %}

{#- `health_tier_thresholds`: {"healthy": score, "at_risk": score} with 0 <= at_risk <= healthy <= 100. -#}
{% macro config_health_thresholds(errors=none) -%}
    {%- set thresholds = var("health_tier_thresholds") -%}
    {%- if thresholds is not mapping or thresholds.keys() | sort | list != ["at_risk", "healthy"] -%}
        {{ return(product_analytics.config_error("health_tier_thresholds", "a mapping {healthy: <score>, at_risk: <score>}", thresholds, errors)) }}
    {%- endif -%}
    {%- set healthy = product_analytics.config_non_negative_number("health_tier_thresholds.healthy", thresholds.healthy, errors) -%}
    {%- set at_risk = product_analytics.config_non_negative_number("health_tier_thresholds.at_risk", thresholds.at_risk, errors) -%}
    {%- if healthy is none or at_risk is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not (at_risk <= healthy <= 100) -%}
        {{ return(product_analytics.config_error("health_tier_thresholds", "scores with 0 <= at_risk <= healthy <= 100", thresholds, errors)) }}
    {%- endif -%}
    {{ return({"healthy": healthy, "at_risk": at_risk}) }}
{%- endmacro %}

{#- The account health tier of a score expression, per config_health() thresholds (strictly above). -#}
{% macro health_tier(score_expression, health) -%}
    case
        when {{ score_expression }} > {{ health.healthy }} then 'Healthy'
        when {{ score_expression }} > {{ health.at_risk }} then 'At Risk'
        else 'Critical'
    end
{%- endmacro %}

{% macro config_boolean(variable, errors=none) -%}
    {%- set value = var(variable) -%}
    {%- if value is not boolean -%}
        {{ return(product_analytics.config_error(variable, "true or false", value, errors)) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#-
    A relation named by a variable, as its dot-separated parts: 'schema.table' or
    'database.schema.table', and with `allow_ref_name` a bare seed or model name too.
    null stays none (the caller's default); {"parts": [...]} otherwise.
-#}
{% macro config_relation_name(variable, allow_ref_name=false, errors=none) -%}
    {%- set value = var(variable) -%}
    {%- set pattern = "[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){" ~ ("0" if allow_ref_name else "1") ~ ",2}" -%}
    {%- if value is none -%}
        {{ return({"parts": []}) }}
    {%- endif -%}
    {%- if value is not string or not modules.re.fullmatch(pattern, value | trim) -%}
        {%- set expected = "null, the name of a seed or model of your project such as 'tracking_plan', or a relation 'schema.table'"
            if allow_ref_name else "null or a relation 'schema.table' (or 'database.schema.table')" -%}
        {{ return(product_analytics.config_error(variable, expected, value, errors)) }}
    {%- endif -%}
    {{ return({"parts": (value | trim).split(".")}) }}
{%- endmacro %}

{#-
    A warehouse relation from config_relation_name() parts of 2 or 3 names (none while dbt
    parses when it does not exist yet); two names are in the target's database (none on
    Spark, whose targets have no database).
-#}
{% macro config_warehouse_relation(variable, parts, errors=none) -%}
    {%- set relation = api.Relation.create(
        database=parts[0] if parts | length == 3 else target.get("database"),
        schema=parts[-2],
        identifier=parts[-1],
    ) -%}
    {%- if execute and adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) is none -%}
        {{ return(product_analytics.config_error(variable, "an existing table or view (" ~ relation ~ " does not exist)", var(variable), errors)) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- The relation named by `deleted_users_relation`, or none for the seed `deleted_users`. -#}
{% macro deleted_users_relation(errors=none) -%}
    {%- set name = product_analytics.config_relation_name("deleted_users_relation", errors=errors) -%}
    {%- if name is none or not name["parts"] -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(product_analytics.config_warehouse_relation("deleted_users_relation", name["parts"], errors)) }}
{%- endmacro %}

{#- `pii_dropped_columns`, which must not name a column every table of a call type needs. -#}
{% macro pii_dropped_columns(errors=none) -%}
    {%- set dropped = product_analytics.config_string_list("pii_dropped_columns", errors=errors) -%}
    {%- if dropped is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for call_type in product_analytics.segment_call_types() -%}
        {%- for required in product_analytics.segment_call_spec(call_type)["required"] if required in dropped -%}
            {{ return(product_analytics.config_error("pii_dropped_columns", "a list without required Segment columns such as '" ~ required ~ "' of " ~ call_type, dropped, errors)) }}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(dropped) }}
{%- endmacro %}

{#- `power_user_min_days`: a positive whole number of days, at most `weekly_window_days`. -#}
{% macro power_user_min_days(errors=none) -%}
    {%- set weekly_days = product_analytics.config_positive_integer("weekly_window_days", errors) -%}
    {%- set power_days = product_analytics.config_positive_integer("power_user_min_days", errors) -%}
    {%- if weekly_days is not none and power_days is not none and power_days > weekly_days -%}
        {{ return(product_analytics.config_error("power_user_min_days", "at most weekly_window_days (" ~ weekly_days ~ ")", power_days, errors)) }}
    {%- endif -%}
    {{ return(power_days) }}
{%- endmacro %}

{#-
    `excluded_ids`: the placeholder ids SDKs send when an id is unknown ('undefined', 'null',
    ...), lower-cased, trimmed and deduplicated; [] keeps every value. Quoted into SQL as
    literals, so ids with quotes or backslashes are refused.
-#}
{% macro excluded_ids(errors=none) -%}
    {%- set value = var("excluded_ids") -%}
    {%- if value is string -%}
        {%- set value = value.split(",") -%}
    {%- endif -%}
    {%- if value is none or value is not iterable or value is mapping -%}
        {{ return(product_analytics.config_error("excluded_ids", "a list of placeholder ids (strings), possibly empty", value, errors)) }}
    {%- endif -%}
    {%- set ids = [] -%}
    {%- for item in value -%}
        {%- set id = (item | string | trim | lower) if (item is string or (item is number and item is not boolean)) else "" -%}
        {%- if id == "" or "'" in id or "\\" in id -%}
            {{ return(product_analytics.config_error("excluded_ids", "a list of non-empty ids without quotes or backslashes", value, errors)) }}
        {%- endif -%}
        {%- if id not in ids -%}
            {%- do ids.append(id) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(ids) }}
{%- endmacro %}

{#- `funnel_breakdown_trait`: one of the `account_traits`, or null for none (fct_funnel_conversions.plan_at_step_1). -#}
{% macro funnel_breakdown_trait(errors=none) -%}
    {%- set trait = var("funnel_breakdown_trait") -%}
    {%- set traits = product_analytics.config_traits("account_traits", errors) -%}
    {%- if traits is not none and trait is not none and trait not in traits | map(attribute="name") | list -%}
        {{ return(product_analytics.config_error("funnel_breakdown_trait", "null or one of the account_traits (" ~ traits | map(attribute="name") | join(", ") ~ ")", trait, errors)) }}
    {%- endif -%}
    {{ return(trait) }}
{%- endmacro %}

{#-
    Every bad variable of dbt_project.yml, as a list of messages naming the variable, the
    value and what is expected. A new variable gets its check here, a row in
    docs/variables.md and a case in tests/python/test_configuration.py.
-#}
{% macro configuration_errors() -%}
    {%- set errors = [] -%}
    {%- do product_analytics.segment_schemas(errors) -%}
    {%- do product_analytics.segment_database(errors) -%}
    {%- do product_analytics.reporting_timezone(errors) -%}
    {%- do product_analytics.week_start(errors) -%}
    {%- do product_analytics.future_event_tolerance_minutes(errors) -%}
    {%- do product_analytics.pii_dropped_columns(errors) -%}
    {%- do product_analytics.config_string_list("pii_hashed_columns", errors=errors) -%}
    {%- do product_analytics.pii_hash_salt(errors) -%}
    {%- do product_analytics.config_positive_integer("incremental_lookback_hours", errors) -%}
    {%- do product_analytics.config_boolean("allow_full_refresh", errors) -%}
    {%- do product_analytics.config_positive_integer("alias_max_chain_length", errors) -%}
    {%- do product_analytics.excluded_ids(errors) -%}
    {%- do product_analytics.deleted_users_relation(errors) -%}
    {%- do product_analytics.config_non_empty_string("opt_out_trait", errors) -%}
    {%- do product_analytics.config_traits("user_traits", errors) -%}
    {%- do product_analytics.config_traits("account_traits", errors) -%}
    {%- do product_analytics.tracking_plan_relation(errors) -%}
    {%- do product_analytics.config_non_empty_string("signup_event", errors) -%}
    {%- do product_analytics.activity_overrides(errors) -%}
    {%- do product_analytics.power_user_min_days(errors) -%}
    {%- do product_analytics.config_positive_integer("monthly_window_days", errors) -%}
    {%- do product_analytics.config_positive_integer("multi_user_account_min_users", errors) -%}
    {%- do product_analytics.config_funnels(errors) -%}
    {%- do product_analytics.config_funnel_strategy(errors) -%}
    {%- do product_analytics.funnel_breakdown_trait(errors) -%}
    {%- do product_analytics.config_health(errors) -%}
    {%- do product_analytics.config_string_list("paying_plans", keep_case=true, errors=errors) -%}
    {%- do product_analytics.config_positive_integer("mau_limit", errors) -%}
    {%- do product_analytics.event_naming_convention(errors) -%}
    {%- do product_analytics.property_naming_convention(errors) -%}
    {%- do product_analytics.tracking_plan_test_severity(errors) -%}
    {#- A variable read by two checks (account_traits by funnel_breakdown_trait) is reported once. -#}
    {{ return(errors | unique | list) }}
{%- endmacro %}

{#-
    Run before any model (on-run-start; also `dbt run-operation product_analytics.check_configuration`):
    fails listing every bad variable at once. (Most also fail while dbt parses, through
    config_error, with the same list; relations named by variables are checked only here.)
-#}
{% macro check_configuration() -%}
    {%- set errors = product_analytics.configuration_errors() -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error(product_analytics.configuration_error_message(errors)) }}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

{#- A string variable that must be one of `allowed` (compared exactly); `expected` words the rule when not "one of <allowed>". -#}
{% macro config_choice(variable, allowed, errors=none, expected=none) -%}
    {%- set value = var(variable) -%}
    {%- if value not in allowed -%}
        {{ return(product_analytics.config_error(variable, expected or "one of " ~ (allowed | join(", ")), value, errors)) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- Naming rule of track event names: object_action, snake_case or none. -#}
{% macro event_naming_convention(errors=none) -%}
    {{ return(product_analytics.config_choice("event_naming_convention", ["object_action", "snake_case", "none"], errors)) }}
{%- endmacro %}

{#- Naming rule of event properties (per-event table columns): camelCase, snake_case or none. -#}
{% macro property_naming_convention(errors=none) -%}
    {{ return(product_analytics.config_choice("property_naming_convention", ["camelCase", "snake_case", "none"], errors)) }}
{%- endmacro %}

{#- Severity of the tracking-plan tests: warn or error. -#}
{% macro tracking_plan_test_severity(errors=none) -%}
    {{ return(product_analytics.config_choice("tracking_plan_test_severity", ["warn", "error"], errors)) }}
{%- endmacro %}
