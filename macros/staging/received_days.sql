{#
    The staged track, page and screen calls where days are rewritten whole (Spark with parquet
    tables, rewrites_day_partitions; docs/decisions.md, "Spark"): partitioned by
    `received_date`, the UTC day of the kept copy's received_at. A run keeps copies received
    since its cutoff, and a copy replaces a staged one only when it comes first in copy_order
    (received no later), so every row a run writes or replaces lies on a received day from the
    cutoff's on: a daily run rewrites the days within the lookback, whatever day the events
    happened on.
#}

{#-
    The select of a staged-calls model (stg_segment__tracks, pages, screens) over `kept_calls`,
    the CTE of its kept copies (chosen with keep_unless_staged_copy_comes_first): those copies,
    or where days are rewritten (rewrites_day_partitions, Spark) calls_by_received_day.
-#}
{% macro staged_calls(kept_calls) -%}
    {%- if product_analytics.rewrites_day_partitions() -%}
    {{ product_analytics.calls_by_received_day(kept_calls) }}
    {%- else -%}
    select * from {{ kept_calls }}
    {%- endif -%}
{%- endmacro %}

{#-
    The rows a staged-calls model writes where days are rewritten: the copies of the CTE
    `kept_calls` (the model's kept copies, chosen with
    keep_unless_staged_copy_comes_first(), where ties keep the new copy) with their
    `received_date`; in an incremental run also the other rows of every received day they
    rewrite, read back from the table (`this`): the days of the new copies and of the staged
    copies they replace, less the messages the new copies replace. The columns are the
    model's, then `received_date` (the partition column, last as Spark stores it).
-#}
{% macro calls_by_received_day(kept_calls) -%}
    select
        new_copies.*,
        cast(new_copies.received_at as date) as received_date
    from {{ kept_calls }} as new_copies
    {%- if is_incremental() %}

    union all

    select kept.*
    from {{ this }} as kept
    where
        kept.received_date in (
            select cast(rewritten_new.received_at as date) from {{ kept_calls }} as rewritten_new
            union
            select replaced.received_date
            from {{ this }} as replaced
            where replaced.message_id in (select replacing.message_id from {{ kept_calls }} as replacing)
        )
        and kept.message_id not in (select new_message.message_id from {{ kept_calls }} as new_message)
    {%- endif %}
{%- endmacro %}
