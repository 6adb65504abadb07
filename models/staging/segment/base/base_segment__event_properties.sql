{#
    The event properties of Segment's per-event tables (`signed_up`, ...), one row per raw row
    and property column, over every schema in `segment_schemas` (found by introspection, see
    segment_event_tables). Read only for properties, joined on the message id; never counted
    as events. Columns configured as PII (`pii_dropped_columns`, `pii_hashed_columns`) keep
    only a salted hash of their value, so the view tells whether they were sent, not what.
#}
-- depends_on: {{ source('segment', 'tracks') }}

{%- set pii = product_analytics.config_string_list("pii_dropped_columns") + product_analytics.config_string_list("pii_hashed_columns") %}
{#- The salt expression, asked of the session only when a PII column is present. #}
{%- set salt = namespace(sql=none) %}
{%- set columns = [] %}
{%- for table in product_analytics.segment_event_tables() %}
{%- for property in table["properties"] %}
{%- do columns.append({"table": table, "property": property}) %}
{%- endfor %}
{%- endfor %}

{%- if columns | length == 0 %}
select
    cast(null as {{ dbt.type_string() }}) as source_schema,
    cast(null as {{ dbt.type_string() }}) as event_table,
    cast(null as {{ dbt.type_string() }}) as message_id,
    cast(null as {{ dbt.type_string() }}) as property_name,
    cast(null as {{ dbt.type_string() }}) as property_value
where 1 = 0
{%- endif %}
{%- for column in columns %}
{%- set table, property = column["table"], column["property"] %}
{%- set value = "cast(" ~ adapter.quote(property) ~ " as " ~ dbt.type_string() ~ ")" %}
{%- if property | lower in pii %}
{%- set salt.sql = salt.sql or product_analytics.pii_salt_sql() %}
{%- set value = product_analytics.pii_hash("nullif(" ~ product_analytics.trim_whitespace(value) ~ ", '')", salt.sql) %}
{%- endif %}
select
    cast('{{ table["schema"] }}' as {{ dbt.type_string() }}) as source_schema,
    cast('{{ table["relation"].identifier }}' as {{ dbt.type_string() }}) as event_table,
    {{ product_analytics.standard_column_expression("identifier", adapter.quote(table["id_column"]), none) }} as message_id,
    cast('{{ property | replace("'", "''") }}' as {{ dbt.type_string() }}) as property_name,
    {{ value }} as property_value
from {{ table["relation"] }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
