{#
    Reading raw values as the types the package declares (docs/reference.md section 2, "Types"), and the
    placeholder identifiers it ignores (`excluded_ids`).

    Source schemas may type one column differently (a backend writes `seats` as a number, a
    web source as text holding 'unlimited'). A value that cannot be read as the declared type
    becomes null, never an error, and the same value gives the same result on every engine:
    text is read only when it is a literal of the type (rules below, recorded in
    docs/decisions.md); anything else is null. dq_segment__nulled_values_daily counts the
    values nulled, with the same macros.
#}

{#- The kinds a column can be declared as: the types of the trait maps (config_traits) and what safe_read() reads. -#}
{% macro declared_kinds() -%}
    {{ return(["string", "integer", "float", "boolean", "timestamp"]) }}
{%- endmacro %}

{#- The SQL type of a declared kind. -#}
{% macro kind_sql_type(kind) -%}
    {%- set types = {
        "string": dbt.type_string(),
        "identifier": dbt.type_string(),
        "integer": dbt.type_bigint(),
        "float": "double precision",
        "boolean": dbt.type_boolean(),
        "timestamp": dbt.type_timestamp(),
    } -%}
    {{ return(types[kind]) }}
{%- endmacro %}

{#-
    The family of a column's stored type, from its name as the adapter reports it:
    string, integer (up to 64 bits), number (any other numeric type), boolean, timestamp
    (zone-less), timestamp_tz, date, or other (read through its text form).
-#}
{% macro type_family(data_type) -%}
    {%- set t = (data_type or "") | lower | trim -%}
    {%- if product_analytics.is_tz_aware_type(t) -%}
        {{ return("timestamp_tz") }}
    {%- elif t.startswith("timestamp") or t.startswith("datetime") -%}
        {{ return("timestamp") }}
    {%- elif t == "date" -%}
        {{ return("date") }}
    {%- elif t in ["boolean", "bool"] -%}
        {{ return("boolean") }}
    {%- elif t in ["tinyint", "smallint", "integer", "int", "bigint", "int1", "int2", "int4", "int8", "long", "short", "byte"] -%}
        {{ return("integer") }}
    {%- elif t.startswith("decimal") or t.startswith("numeric") or t in [
        "double", "double precision", "float", "float4", "float8", "real", "hugeint", "uhugeint",
        "ubigint", "uinteger", "usmallint", "utinyint",
    ] -%}
        {{ return("number") }}
    {%- elif t.startswith("varchar") or t.startswith("character") or t.startswith("char") or t in ["text", "string", "json", "jsonb"] -%}
        {{ return("string") }}
    {%- endif -%}
    {{ return("other") }}
{%- endmacro %}

{#-
    `expression` (a raw column stored as `data_type`) read as the declared `kind` (string,
    integer, float, boolean, timestamp): a SQL expression of kind_sql_type(kind) that is null
    when the value cannot be read, never an error. Timestamps come out as UTC.
    Literal rules for text (after trimming spaces, tabs and line breaks):
      integer   optional sign and digits (' 40 ' is 40; '12.5', '1e2', '0x10' are null),
                within the 64-bit range;
      float     optional sign, digits with an optional decimal point, an optional exponent
                of at most 3 digits ('12.5', '-.5', '1e2'); 'NaN', 'inf', '0x10', '1,5' are
                null, and so are values above 1e300 or nonzero below 1e-300 in magnitude;
      boolean   'true' or 'false' in any case;
      timestamp ISO 8601: YYYY-MM-DD, optionally followed by 'T' or a space and HH:MM,
                optional :SS and a fraction of up to 6 digits, then optionally 'Z' or an
                offset +HH, +HHMM or +HH:MM (converted to UTC; none means UTC); the date and
                time must exist ('2026-02-30' and '24:00' are null).
    Stored types: integers read as integers and floats; other numbers as floats, and as
    integers when whole and within +-9.2e18; booleans only as booleans; timestamps and dates
    only as timestamps. Anything else goes through its text form.
-#}
{% macro safe_read(expression, data_type, kind) -%}
    {%- if kind not in product_analytics.declared_kinds() -%}
        {{ exceptions.raise_compiler_error("product_analytics: safe_read: unknown kind '" ~ kind ~ "', expected one of " ~ product_analytics.declared_kinds() | join(", ")) }}
    {%- endif -%}
    {{ return(adapter.dispatch("safe_read", "product_analytics")(expression, data_type, kind)) }}
{%- endmacro %}

{#-
    The portable reading, written once for every engine: `dialect` names what differs.
    regex: how a text matches an anchored pattern ('{text}' and '{pattern}' are replaced);
    cast: the cast function used once a literal is known good (try_cast where the engine has
    it, as a second safety); float_via_numeric: read float text through an exact numeric
    first (engines whose double cast fails on overflow instead of giving infinity).
-#}
{% macro default__safe_read(expression, data_type, kind, dialect={}) -%}
    {%- set regex = dialect.get("regex", "regexp_like({text}, '{pattern}')") -%}
    {%- set cast_fn = dialect.get("cast", "cast") -%}
    {%- set float_via_numeric = dialect.get("float_via_numeric", false) -%}
    {%- set family = product_analytics.type_family(data_type) -%}
    {%- set sql_type = product_analytics.kind_sql_type(kind) -%}
    {%- set text = product_analytics.trim_whitespace("cast(" ~ expression ~ " as " ~ dbt.type_string() ~ ")") -%}
    {%- if kind == "string" -%}
        {%- if family == "timestamp_tz" -%}
            cast({{ product_analytics.to_utc_timestamp(expression, data_type) }} as {{ sql_type }})
        {%- else -%}
            cast({{ expression }} as {{ sql_type }})
        {%- endif -%}
    {%- elif kind == "integer" -%}
        {%- if family == "integer" -%}
            cast({{ expression }} as {{ sql_type }})
        {%- elif family == "number" -%}
            case
                when {{ expression }} = floor({{ expression }}) and {{ expression }} between -9.2e18 and 9.2e18
                    then {{ cast_fn }}({{ expression }} as {{ sql_type }})
            end
        {%- elif family in ["boolean", "timestamp", "timestamp_tz", "date"] -%}
            cast(null as {{ sql_type }})
        {%- else -%}
            case
                when length({{ text }}) <= 38 and {{ product_analytics.text_matches(regex, text, "^[+-]?[0-9]+$") }}
                    then case
                        when {{ cast_fn }}({{ text }} as decimal(38, 0)) between -9223372036854775808 and 9223372036854775807
                            then {{ cast_fn }}({{ cast_fn }}({{ text }} as decimal(38, 0)) as {{ sql_type }})
                    end
            end
        {%- endif -%}
    {%- elif kind == "float" -%}
        {%- if family in ["integer", "number"] -%}
            cast({{ expression }} as {{ sql_type }})
        {%- elif family in ["boolean", "timestamp", "timestamp_tz", "date"] -%}
            cast(null as {{ sql_type }})
        {%- else -%}
            {%- set value = cast_fn ~ "(" ~ text ~ " as " ~ ("numeric" if float_via_numeric else sql_type) ~ ")" -%}
            case
                when length({{ text }}) <= 100 and {{ product_analytics.text_matches(regex, text, "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$") }}
                    then case
                        when {{ product_analytics.text_matches(regex, text, "^[+-]?(0+([.]0*)?|[.]0+)([eE][+-]?[0-9]{1,3})?$") }} then cast(0 as {{ sql_type }})
                        when abs({{ value }}) between 1e-300 and 1e300 then cast({{ value }} as {{ sql_type }})
                    end
            end
        {%- endif -%}
    {%- elif kind == "boolean" -%}
        {%- if family == "boolean" -%}
            cast({{ expression }} as {{ sql_type }})
        {%- elif family in ["integer", "number", "timestamp", "timestamp_tz", "date"] -%}
            cast(null as {{ sql_type }})
        {%- else -%}
            case lower({{ text }})
                when 'true' then true
                when 'false' then false
            end
        {%- endif -%}
    {%- elif kind == "timestamp" -%}
        {%- if family in ["timestamp", "timestamp_tz"] -%}
            {{ product_analytics.to_utc_timestamp(expression, data_type) }}
        {%- elif family == "date" -%}
            cast({{ expression }} as {{ sql_type }})
        {%- elif family in ["integer", "number", "boolean"] -%}
            cast(null as {{ sql_type }})
        {%- else -%}
            {{ product_analytics.timestamp_from_text(text, regex, cast_fn) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__safe_read(expression, data_type, kind) -%}
    {{ return(product_analytics.default__safe_read(expression, data_type, kind, {
        "regex": "regexp_matches({text}, '{pattern}')",
        "cast": "try_cast",
    })) }}
{%- endmacro %}

{% macro postgres__safe_read(expression, data_type, kind) -%}
    {{ return(product_analytics.default__safe_read(expression, data_type, kind, {
        "regex": "{text} ~ '{pattern}'",
        "float_via_numeric": true,
    })) }}
{%- endmacro %}

{#- Whether `text` matches `pattern` (anchored by the pattern itself), with the dialect's `regex` template. -#}
{% macro text_matches(regex, text, pattern) -%}
    ({{ regex.replace("{text}", text).replace("{pattern}", pattern) }})
{%- endmacro %}

{#-
    An ISO 8601 text (already trimmed) as a UTC timestamp, null unless it follows the rule of
    safe_read(). The date is checked against its month's length before anything is cast, so
    engines whose casts fail on '2026-02-30' never see it; the offset is subtracted in minutes.
-#}
{% macro timestamp_from_text(text, regex, cast_fn) -%}
    {%- set shape = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$" -%}
    {%- set offset_length -%}
        case
            when {{ text }} like '%Z' then 1
            when {{ product_analytics.text_matches(regex, text, "[+-][0-9]{2}:[0-9]{2}$") }} then 6
            when length({{ text }}) > 10 and {{ product_analytics.text_matches(regex, text, "[+-][0-9]{4}$") }} then 5
            when length({{ text }}) > 10 and {{ product_analytics.text_matches(regex, text, "[+-][0-9]{2}$") }} then 3
            else 0
        end
    {%- endset -%}
    {%- set offset = "substr(" ~ text ~ ", length(" ~ text ~ ") - " ~ offset_length ~ " + 1)" -%}
    {%- set offset_minutes -%}
        case
            when {{ offset_length }} >= 3 then
                (case when substr({{ offset }}, 1, 1) = '-' then -1 else 1 end)
                * (
                    {{ cast_fn }}(substr({{ offset }}, 2, 2) as integer) * 60
                    + case when {{ offset_length }} >= 5 then {{ cast_fn }}(substr({{ offset }}, length({{ offset }}) - 1, 2) as integer) else 0 end
                )
            else 0
        end
    {%- endset -%}
    {%- set first_of_month = cast_fn ~ "(substr(" ~ text ~ ", 1, 7) || '-01' as date)" -%}
    {%- set month_days = "extract(day from " ~ dbt.dateadd("day", -1, dbt.dateadd("month", 1, first_of_month)) ~ ")" -%}
    {%- set local_time = "replace(substr(" ~ text ~ ", 1, length(" ~ text ~ ") - " ~ offset_length ~ "), 'T', ' ')" -%}
    case
        when length({{ text }}) <= 40 and {{ product_analytics.text_matches(regex, text, shape) }} and substr({{ text }}, 1, 4) != '0000'
            then case
                when {{ cast_fn }}(substr({{ text }}, 9, 2) as integer) <= {{ month_days }}
                    then {{ dbt.dateadd("minute", "-1 * (" ~ offset_minutes ~ ")", cast_fn ~ "(" ~ local_time ~ " as " ~ dbt.type_timestamp() ~ ")") }}
            end
    end
{%- endmacro %}

{#- The identifier columns `excluded_ids` applies to (docs/reference.md section 2). -#}
{% macro excluded_id_columns() -%}
    {{ return(["user_id", "anonymous_id", "group_id", "previous_id", "context_group_id"]) }}
{%- endmacro %}

{#-
    An identifier (already trimmed, '' as null) with the placeholders of `excluded_ids` as
    null, compared case-insensitively.
-#}
{% macro known_id(expression) -%}
    {%- set ids = product_analytics.excluded_ids() -%}
    {%- if ids -%}
        case
            when lower({{ expression }}) in ({% for id in ids %}'{{ id }}'{{ ", " if not loop.last }}{% endfor %}) then null
            else {{ expression }}
        end
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}

{#-
    What dq_segment__nulled_values_daily checks in one raw table (an entry of
    segment_tables()): a list of {"column", "reason", "excluded_id", "nulled", "value"}, where
    `nulled` is a SQL condition true when staging reads a non-null raw value of the column as
    null, and `value` the raw value as text. Reasons: `excluded_id` (one entry per placeholder
    of `excluded_ids` and identifier column), `unreadable_as_<kind>` (standard timestamps and
    declared columns that safe_read() cannot read). Dropped PII columns are not read, so not
    checked; hashed ones give no `value`.
-#}
{% macro nulled_value_checks(call_type, table) -%}
    {%- set spec = product_analytics.segment_call_spec(call_type) -%}
    {%- set dropped = product_analytics.config_string_list("pii_dropped_columns") -%}
    {%- set hashed = product_analytics.config_string_list("pii_hashed_columns") -%}
    {%- set checks = [] -%}
    {%- set typed = {} -%}
    {%- for column in spec["columns"] if column["kind"] == "timestamp" -%}
        {%- do typed.update({column["raw"]: "timestamp"}) -%}
    {%- endfor -%}
    {%- do typed.update(product_analytics.segment_declared_columns(call_type)) -%}
    {%- for name in product_analytics.excluded_id_columns() if name in table["columns"] and name not in dropped -%}
        {%- set raw = table["columns"][name] -%}
        {%- set text = product_analytics.trim_whitespace("cast(" ~ adapter.quote(raw.name) ~ " as " ~ dbt.type_string() ~ ")") -%}
        {%- for id in product_analytics.excluded_ids() -%}
            {%- do checks.append({
                "column": name, "reason": "excluded_id", "excluded_id": id,
                "nulled": "lower(" ~ text ~ ") = '" ~ id ~ "'",
                "value": none if name in hashed else "cast(" ~ adapter.quote(raw.name) ~ " as " ~ dbt.type_string() ~ ")",
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for name, kind in typed.items() if name in table["columns"] and name not in dropped and kind != "string" -%}
        {%- set raw = table["columns"][name] -%}
        {%- do checks.append({
            "column": name, "reason": "unreadable_as_" ~ kind, "excluded_id": none,
            "nulled": adapter.quote(raw.name) ~ " is not null and " ~ product_analytics.safe_read(adapter.quote(raw.name), raw.data_type, kind) ~ " is null",
            "value": none if name in hashed else "cast(" ~ adapter.quote(raw.name) ~ " as " ~ dbt.type_string() ~ ")",
        }) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}
