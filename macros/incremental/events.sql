{#
    Helpers of the event models and their incremental runs: the staged events as one
    relation, and the post-hooks removing rows that must go whatever a run recomputed.
#}

{#- The deduplicated track, page and screen calls as one relation, with the user id as sent. -#}
{% macro staged_events() -%}
    {%- for call_type, event_type in [("tracks", "track"), ("pages", "page"), ("screens", "screen")] %}
    select
        message_id as event_id,
        cast('{{ event_type }}' as {{ dbt.type_string() }}) as event_type,
        event_name,
        {%- if call_type == "tracks" %}
        cast(null as {{ dbt.type_string() }}) as page_name,
        {%- else %}
        page_name,
        {%- endif %}
        user_id as sent_user_id,
        anonymous_id,
        context_group_id,
        event_at,
        event_date,
        received_at,
        is_event_at_adjusted,
        source_schema
    from {{ ref('stg_segment__' ~ call_type) }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
{%- endmacro %}

{#-
    A hint that a CTE read several times should be inlined into each reader rather than
    materialized: each reader then scans only what its filters keep (DuckDB materializes such
    CTEs by default). Engines without the syntax get nothing.
-#}
{% macro inline_cte() -%}
    {{ adapter.dispatch("inline_cte", "product_analytics")() }}
{%- endmacro %}

{% macro default__inline_cte() -%}{%- endmacro %}

{% macro duckdb__inline_cte() -%}not materialized{%- endmacro %}

{% macro postgres__inline_cte() -%}not materialized{%- endmacro %}

{#-
    Post-hook of the incremental event models: rows of users on the deletion list and of
    opted-out accounts leave the table (docs/reference.md section 4), also when no new row touched them.
-#}
{% macro delete_removed_users_and_accounts(relation) -%}
    {#- A model rewriting day partitions leaves these rows out in its select (removed_rows_kept_out). -#}
    {%- if product_analytics.rewrites_day_partitions() and config.get("partition_by") -%}
        {{ return("") }}
    {%- endif -%}
    {{ product_analytics.delete_rows(relation, product_analytics.removed_user_or_account()) }}
{%- endmacro %}

{#-
    True on a row (columns user_id, account_id) of a user on the deletion list or of an
    opted-out account. In a dbt unit test: false. Its inputs are the model's select alone, and
    on DuckDB and PostgreSQL these rows leave through a post-hook, which unit tests do not
    run. So a unit test means the same on Spark, where the select leaves them out, and needs
    no input for the deletion list or the opt-outs.
-#}
{% macro removed_user_or_account() -%}
    {%- if model.resource_type == "unit_test" -%}
        {{ return("false") }}
    {%- endif %}
        user_id in (select deleted.user_id from {{ ref('int_identity__deleted_users') }} as deleted)
        or account_id in (select opted_out.account_id from {{ ref('int_accounts__opted_out') }} as opted_out)
{%- endmacro %}

{#-
    Where a model rewrites day partitions (rewrites_day_partitions), the final filter of its
    select (columns user_id, account_id): the rows delete_removed_users_and_accounts would
    delete stay out. A null user or account removes nothing.
-#}
{% macro removed_rows_kept_out() -%}
    not coalesce(
        {{ product_analytics.removed_user_or_account() }},
        false
    )
{%- endmacro %}

{#-
    `date_day`: the days a day-partitioned model (day column `day_column`) rewrites in an
    incremental run where days are rewritten: the days of the events `consumer` has not
    applied yet (changed_days; `changed_days`, a select of one column `date_day`, replaces it
    where the model cannot read itself through changed_days: fct_events), and the days of
    `relation` holding rows of deleted users or opted-out accounts, which must leave. Distinct.
-#}
{% macro rewritten_days(consumer, relation, day_column, changed_days=none) -%}
    {{ changed_days or product_analytics.changed_days(consumer) }}

    union

    select removed.{{ day_column }} as date_day
    from {{ relation }} as removed
    where {{ product_analytics.removed_user_or_account() }}
{%- endmacro %}

{#-
    Post-hook of metrics_account_health_daily: rows of accounts that no longer exist (opted
    out, or only deleted users' calls) and days outside an account's span or the reporting
    range leave the table. Where days are rewritten (Spark), the model's select leaves them
    out instead (health_outside_account_lifespans).
-#}
{% macro delete_health_outside_account_lifespans(relation) -%}
    {%- if product_analytics.rewrites_day_partitions() and config.get("partition_by") -%}
        {{ return("") }}
    {%- endif -%}
    {{ product_analytics.delete_rows(relation, product_analytics.health_outside_account_lifespans("health"), alias="health") }}
{%- endmacro %}

{#-
    `date_day`: days of metrics_account_health_daily (`relation`) holding rows that must leave
    (health_outside_account_lifespans); with the days of its recomputed rows, the days an
    incremental run rewrites where days are rewritten (Spark). Distinct.
-#}
{% macro health_rewritten_days(relation) -%}
    select distinct health.date_day
    from {{ relation }} as health
    where {{ product_analytics.health_outside_account_lifespans("health") }}
{%- endmacro %}

{#-
    True on a row of metrics_account_health_daily (aliased `alias`: columns account_id,
    date_day) of an account that no longer exists, or of a day outside the account's span or
    the reporting range: a row that must leave the table.
-#}
{% macro health_outside_account_lifespans(alias) -%}
    {#- In a dbt unit test: false, for the reason given at removed_user_or_account. -#}
    {%- if model.resource_type == "unit_test" -%}
        {{ return("false") }}
    {%- endif %}
        not exists (
            select 1
            from {{ ref('int_accounts__lifespans') }} as lifespans
            where
                lifespans.account_id = {{ alias }}.account_id
                and lifespans.first_day <= {{ alias }}.date_day
        )
        or {{ alias }}.date_day > (select max(reporting_days.date_day) from {{ ref('int_engagement__reporting_days') }} as reporting_days)
        or {{ alias }}.date_day < (select min(reporting_days.date_day) from {{ ref('int_engagement__reporting_days') }} as reporting_days)
{%- endmacro %}

{#-
    Whether any staged group call was sent without a user id (it resolves through its
    anonymous id), asked when the model runs; false while parsing and in unit tests.
-#}
{% macro anonymous_group_calls_exist() -%}
    {%- if not execute or model.resource_type == "unit_test" -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = run_query(
        "select count(*) from " ~ ref("int_accounts__group_calls") ~ " where resolved_through_anonymous_id is not null"
    ).columns[0].values()[0] -%}
    {{ return(found > 0) }}
{%- endmacro %}
