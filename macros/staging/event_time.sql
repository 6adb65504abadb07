{#
    Time handling. Every timestamp the package stages is a plain (zone-less) timestamp in
    UTC; only `event_date` is expressed in the reporting time zone.
#}

{% macro is_tz_aware_type(data_type) -%}
    {%- set t = (data_type or "") | lower -%}
    {{ return(
        ("with time zone" in t and "without time zone" not in t)
        or t in ["timestamptz", "timestamp_tz", "timestamp_ltz"]
    ) }}
{%- endmacro %}

{#- A raw timestamp column as a UTC timestamp, whatever its stored type. -#}
{% macro to_utc_timestamp(expression, data_type) -%}
    {%- if product_analytics.is_tz_aware_type(data_type) -%}
        {{ adapter.dispatch("tz_aware_to_utc", "product_analytics")(expression) }}
    {%- else -%}
        cast({{ expression }} as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{% macro default__tz_aware_to_utc(expression) -%}
    ({{ expression }} at time zone 'UTC')
{%- endmacro %}

{#- A UTC timestamp as local wall-clock time in the reporting time zone. -#}
{% macro to_reporting_time(expression) -%}
    {%- set tz = product_analytics.reporting_timezone() -%}
    {%- if tz | upper in ["UTC", "ETC/UTC"] -%}
        {{ expression }}
    {%- else -%}
        {{ adapter.dispatch("utc_to_local", "product_analytics")(expression, tz) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__utc_to_local(expression, tz) -%}
    (({{ expression }} at time zone 'UTC') at time zone '{{ tz }}')
{%- endmacro %}

{% macro spark__utc_to_local(expression, tz) -%}
    from_utc_timestamp({{ expression }}, '{{ tz }}')
{%- endmacro %}

{#- received_at - (sent_at - original_timestamp): the send delay measured on the device's clock, removed from the server's receive time. -#}
{% macro clock_corrected_time(received_at, sent_at, original_timestamp) -%}
    {{ adapter.dispatch("clock_corrected_time", "product_analytics")(received_at, sent_at, original_timestamp) }}
{%- endmacro %}

{% macro default__clock_corrected_time(received_at, sent_at, original_timestamp) -%}
    ({{ received_at }} - ({{ sent_at }} - {{ original_timestamp }}))
{%- endmacro %}

{#- The reporting day (docs/reference.md section 2) of a UTC timestamp. -#}
{% macro reporting_date(expression) -%}
    cast({{ product_analytics.to_reporting_time(expression) }} as date)
{%- endmacro %}

{#-
    The deduplicated calls of a base_segment__<call type> relation, with their event time.

    Deduplication (docs/reference.md section 2): collectors deliver at least once, and copies of one
    message share `id`. The copy kept is the earliest received, then earliest uuid_ts, then
    earliest loaded_at (nulls last), then the first source schema by name, so every run and
    every engine keep the same copy. It runs before any other filter.

    Event time: the reported time is `timestamp`, else the clock-corrected time
    received_at - (sent_at - original_timestamp), else `received_at`. A reported time more
    than `future_event_tolerance_minutes` (default 60) after `received_at` is device clock
    skew: `event_at` becomes `received_at` and `is_event_at_adjusted` is true. Old reported
    times are kept: server libraries import history.

    Returns every column of the relation plus copy_number, reported_at, event_at and
    is_event_at_adjusted; the staging model picks its columns from them.
-#}
{% macro deduplicated_calls(relation) -%}
    {%- set latest_plausible_at = dbt.dateadd(
        "minute", product_analytics.future_event_tolerance_minutes(), "first_copies.received_at"
    ) -%}
    select
        first_copies.*,
        case
            when first_copies.reported_at > {{ latest_plausible_at }} then first_copies.received_at
            else first_copies.reported_at
        end as event_at,
        coalesce(first_copies.reported_at > {{ latest_plausible_at }}, false) as is_event_at_adjusted
    from (
        select
            ranked_copies.*,
            coalesce(
                ranked_copies.segment_timestamp,
                {{ product_analytics.clock_corrected_time(
                    "ranked_copies.received_at", "ranked_copies.sent_at", "ranked_copies.original_timestamp"
                ) }},
                ranked_copies.received_at
            ) as reported_at
        from (
            select
                calls.*,
                row_number() over (
                    partition by calls.message_id
                    order by {{ product_analytics.copy_order("calls") }}
                ) as copy_number
            from {{ relation }} as calls
            where calls.message_id is not null
        ) as ranked_copies
        where ranked_copies.copy_number = 1
    ) as first_copies
{%- endmacro %}

{#-
    The base rows an incremental staging model deduplicates: in a full build all of them
    (the base view); in an incremental run the copies received since the last run (minus the
    lookback), read straight from the raw tables with the cutoff applied while scanning.
    Earlier copies of the same messages are not re-read: the staged table holds each
    message's kept copy, and keep_unless_staged_copy_comes_first() compares with it.
-#}
{% macro calls_to_stage(base_relation, call_type) -%}
    {%- if is_incremental() %}
    {{ product_analytics.union_segment_tables(call_type, received_since=product_analytics.incremental_cutoff_value()) }}
    {%- else %}
    select * from {{ base_relation }}
    {%- endif %}
{%- endmacro %}

{#-
    The deduplication order of the copies of one message (docs/reference.md section 2): earliest
    received_at, then uuid_ts, then loaded_at (nulls last), then source schema by name.
-#}
{% macro copy_order(relation_alias) -%}
    {{ relation_alias }}.received_at asc nulls last,
    {{ relation_alias }}.uuid_ts asc nulls last,
    {{ relation_alias }}.loaded_at asc nulls last,
    {{ relation_alias }}.source_schema asc
{%- endmacro %}

{#-
    Incremental staging: a `where` condition keeping the deduplicated new copies of the CTE
    `calls` unless the copy already staged for the message comes first in copy_order() (on a
    tie, the staged copy stays); such messages keep their staged row. True in full builds.
    Where days are rewritten (rewrites_day_partitions, Spark) a tie keeps the new copy
    instead (`staged_wins_ties` defaults to false there): a model that rewrites the received
    days of the copies it keeps (calls_by_received_day) then rewrites a copy re-read within
    the lookback with itself, so its select gives the same rows when read again after the
    write (drop_emptied_days reads it again).
-#}
{% macro keep_unless_staged_copy_comes_first(calls, staged_wins_ties=none) -%}
    {%- if staged_wins_ties is none -%}
        {%- set staged_wins_ties = not product_analytics.rewrites_day_partitions() -%}
    {%- endif -%}
    {%- if is_incremental() -%}
    {{ calls }}.message_id not in (
        select ranked_copies.message_id
        from (
            select
                candidates.message_id,
                candidates.is_staged,
                row_number() over (
                    partition by candidates.message_id
                    order by {{ product_analytics.copy_order("candidates") }}, candidates.is_staged {{ "desc" if staged_wins_ties else "asc" }}
                ) as copy_rank
            from (
                select
                    new_copies.message_id,
                    new_copies.received_at,
                    new_copies.uuid_ts,
                    new_copies.loaded_at,
                    new_copies.source_schema,
                    0 as is_staged
                from {{ calls }} as new_copies
                union all
                select
                    staged.message_id,
                    staged.received_at,
                    staged.uuid_ts,
                    staged.loaded_at,
                    staged.source_schema,
                    1 as is_staged
                from {{ this }} as staged
                where staged.message_id in (select staging_candidates.message_id from {{ calls }} as staging_candidates)
            ) as candidates
        ) as ranked_copies
        where ranked_copies.copy_rank = 1 and ranked_copies.is_staged = 1
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}
