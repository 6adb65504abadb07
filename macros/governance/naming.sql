{#
    Naming conventions of the tracking plan (event names and property names), as SQL
    predicates. The rule chosen for each borderline case (acronyms, digits, single words,
    double spaces) is written down in docs/decisions.md; the unit tests of
    dq_tracking_plan__events hold one example of each.
#}

{#-
    The regular expression a name must match entirely under a convention; none for `none`.
    - object_action: two or more words separated by single spaces, each a Title Case word
      (capital letter, then lower-case letters or digits: `Signed`, `Step2`) or an upper-case
      acronym or number (`SSO`, `2FA`, `2`); with the extra condition (see
      naming_convention_check) that at least one word is a Title Case word with a lower-case
      letter, so `SIGNED UP` is not Title Case.
    - snake_case: lower-case letters and digits in words joined by single underscores, starting
      with a letter (`signed_up`, `step_2`).
    - camelCase: a lower-case letter, then letters and digits, every capital starting a new word
      (`billingInterval`, `userID`, `type`).
-#}
{% macro naming_convention_pattern(convention) -%}
    {%- set word = "([A-Z][a-z0-9]*|[A-Z0-9]+)" -%}
    {%- set patterns = {
        "object_action": word ~ "( " ~ word ~ ")+",
        "snake_case": "[a-z][a-z0-9]*(_[a-z0-9]+)*",
        "camelCase": "[a-z][a-z0-9]*([A-Z][a-z0-9]*)*",
        "none": none,
    } -%}
    {%- if convention not in patterns -%}
        {{ exceptions.raise_compiler_error("product_analytics: unknown naming convention '" ~ convention ~ "', expected one of " ~ (patterns.keys() | join(", "))) }}
    {%- endif -%}
    {{ return(patterns[convention]) }}
{%- endmacro %}

{#- A boolean SQL expression: whether the string `expression` follows `convention`; null when it is null. -#}
{% macro naming_convention_check(expression, convention) -%}
    {%- set pattern = product_analytics.naming_convention_pattern(convention) -%}
    {%- if pattern is none -%}
        ({{ expression }} is not null)
    {%- elif convention == "object_action" -%}
        ({{ product_analytics.regex_full_match(expression, pattern) }} and {{ product_analytics.regex_full_match(expression, ".*[A-Z][a-z].*") }})
    {%- else -%}
        {{ product_analytics.regex_full_match(expression, pattern) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether a track event name follows `event_naming_convention`. -#}
{% macro follows_event_naming_convention(expression) -%}
    {{ product_analytics.naming_convention_check(expression, product_analytics.event_naming_convention()) }}
{%- endmacro %}

{#- Whether a property (per-event table column) name follows `property_naming_convention`. -#}
{% macro follows_property_naming_convention(expression) -%}
    {{ product_analytics.naming_convention_check(expression, product_analytics.property_naming_convention()) }}
{%- endmacro %}

{#-
    Whether the whole string matches a regular expression (a literal without quotes), as a
    boolean SQL expression. Engines spell regular expressions differently: the default is
    `regexp_like` (Spark, Snowflake, Trino, Databricks), PostgreSQL has `~`, DuckDB
    `regexp_full_match`.
-#}
{% macro regex_full_match(expression, pattern) -%}
    {{ adapter.dispatch("regex_full_match", "product_analytics")(expression, pattern) }}
{%- endmacro %}

{% macro default__regex_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^({{ pattern }})$')
{%- endmacro %}
