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

{#- A list of strings; a comma-separated string is accepted too ("a,b" on the command line). -#}
{% macro config_string_list(variable) -%}
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
    {{ return(value | map("trim") | map("lower") | list) }}
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
