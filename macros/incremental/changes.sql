{#
    The scope of an incremental run, read from int_incremental__changes (see that model).
    Each macro returns one select with the columns named below; `consumer` is the model
    reading it (one of change_consumers(): the flag its post-hook mark_changes_applied
    sets), so only the rows it has not applied yet count.
#}

{#-
    The models that apply int_incremental__changes, each by its own flag column
    `is_applied_to_<consumer>` (one list: the log's columns, the cleanup of fully applied rows
    and every macro below derive from it). A new consumer is added here and in the log's yml.
-#}
{% macro change_consumers() -%}
    {{ return(["fct_events", "activity_days", "health", "tracking_plan_event_days", "tracking_plan_property_days"]) }}
{%- endmacro %}

{#- The flag column of a consumer; an unknown consumer is a programming error, named. -#}
{% macro applied_flag(consumer) -%}
    {%- if consumer not in product_analytics.change_consumers() -%}
        {{ exceptions.raise_compiler_error(
            "product_analytics: '" ~ consumer ~ "' is not one of change_consumers() ("
            ~ product_analytics.change_consumers() | join(", ") ~ "): add it there to read int_incremental__changes"
        ) }}
    {%- endif -%}
    {{ return("is_applied_to_" ~ consumer) }}
{%- endmacro %}

{#- Every consumer's flag, false: the flag columns of a newly logged row. -#}
{% macro unapplied_flags() -%}
    {%- for consumer in product_analytics.change_consumers() -%}
        false as {{ product_analytics.applied_flag(consumer) }}{{ ",\n        " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- True on a row every consumer has applied (the next run drops it). -#}
{% macro applied_by_every_consumer() -%}
    {%- for consumer in product_analytics.change_consumers() -%}
        {{ product_analytics.applied_flag(consumer) }}{{ " and " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#-
    The condition true on a row of int_incremental__changes (aliased `alias`) that `consumer`
    has not applied yet: its flag is still false. On Spark, where the log cannot be updated,
    the flags stay false and each consumer instead appends to a log of its own
    (applied_changes_relation) the newest `logged_at` it applied: the rows logged after it
    are pending.
-#}
{% macro pending_change(consumer, alias) -%}
    {{ return(adapter.dispatch("pending_change", "product_analytics")(consumer, alias)) }}
{%- endmacro %}

{% macro default__pending_change(consumer, alias) -%}
    {{ return("not " ~ alias ~ "." ~ product_analytics.applied_flag(consumer)) }}
{%- endmacro %}

{% macro spark__pending_change(consumer, alias) -%}
    {{ return(alias ~ ".logged_at > " ~ product_analytics.applied_through(consumer)) }}
{%- endmacro %}

{#- Spark: the newest `logged_at` of int_incremental__changes that `consumer` applied (1900-01-01 when none), as a scalar subquery. -#}
{% macro applied_through(consumer) -%}
    (
        select coalesce(max(applied.applied_through), {{ product_analytics.all_time() }})
        from {{ product_analytics.applied_changes_relation() }} as applied
        where applied.consumer = '{{ product_analytics.applied_flag(consumer) }}'
    )
{%- endmacro %}

{#-
    Spark: the table where each consumer of int_incremental__changes records, after each
    build, the newest `logged_at` it applied (applied_through, consumer), beside the log in
    its schema; created by the log's pre-hook (create_applied_changes_sql). Partitioned by
    consumer: each consumer overwrites its own partition (spark__mark_changes_applied), so
    two consumers finishing at the same moment (dbt threads) never write the same files.
    Before, an append-only table `<log>__applied` took every consumer's rows, and two appends
    at once failed ("_temporary/0 does not exist", the first deleting the other's staging
    folder); that table is no longer read (its consumers then re-apply the log's rows once).
-#}
{% macro applied_changes_relation() -%}
    {#- Found through the graph, not ref(): the log's own pre-hook names it too. -#}
    {%- set node = graph.nodes.get("model.product_analytics.int_incremental__changes") if execute else none -%}
    {%- if node is none -%}
        {{ return(api.Relation.create(identifier="int_incremental__changes__applied_by_consumer")) }}
    {%- endif -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias ~ "__applied_by_consumer")) }}
{%- endmacro %}

{% macro create_applied_changes_sql() -%}
    create table if not exists {{ product_analytics.applied_changes_relation() }} (
        applied_through {{ dbt.type_timestamp() }},
        consumer {{ dbt.type_string() }}
    ) using parquet
    partitioned by (consumer)
{%- endmacro %}

{#-
    Pre-hook of int_incremental__changes: in an incremental run, rows every consumer has
    applied leave the log. Spark: the applied log is created when missing (every run), and in
    an incremental run the log is rewritten without the rows
    logged at or before what every consumer building incrementally there applied (the models
    built as tables on Spark read no changes).
-#}
{% macro drop_applied_changes(relation) -%}
    {{ return(adapter.dispatch("drop_applied_changes", "product_analytics")(relation)) }}
{%- endmacro %}

{% macro default__drop_applied_changes(relation) -%}
    {%- if is_incremental() -%}
    delete from {{ relation }} where {{ product_analytics.applied_by_every_consumer() }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__drop_applied_changes(relation) -%}
    {%- if execute -%}
        {%- do run_query(product_analytics.create_applied_changes_sql()) -%}
    {%- endif -%}
    {%- if execute and is_incremental() -%}
        {%- set condition -%}
            {%- for consumer in product_analytics.spark_incremental_consumers() %}
            logged_at <= {{ product_analytics.applied_through(consumer) }}{{ " and" if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do product_analytics.delete_rows(relation, condition) -%}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

{#- The consumers of change_consumers() whose models are incremental on Spark (the others are tables there). -#}
{% macro spark_incremental_consumers() -%}
    {{ return(["fct_events", "activity_days", "health", "tracking_plan_event_days", "tracking_plan_property_days"]) }}
{%- endmacro %}

{#- `event_id`: the events the consumer has not applied yet (recomputed by fct_events). -#}
{% macro changed_event_ids(consumer) -%}
    select changes.event_id
    from {{ ref('int_incremental__changes') }} as changes
    where changes.event_id is not null and {{ product_analytics.pending_change(consumer, "changes") }}
{%- endmacro %}

{#-
    `event_id`, `user_id`, `account_id`, `date_day`, `is_restaged`, `is_in_fct_events`: where
    each event the consumer has not applied yet was before (the row logged in
    int_incremental__changes, `is_in_fct_events` false: its user, account or day may have
    changed since) and where it is now in fct_events (`is_in_fct_events` true); plus the log's
    rows without an event (`event_id` null: an account and the first day its members can
    change). `is_restaged`: on a logged row, whether the event was re-read from its staged row
    (rows logged before the column existed, null, count as re-read); null on a row of
    fct_events. Not distinct. The one place that finds the changed events' new place; the
    macros below read it.
-#}
{% macro changed_event_places(consumer) -%}
    select
        changes.event_id,
        changes.user_id,
        changes.account_id,
        changes.date_day,
        coalesce(changes.is_restaged, true) as is_restaged,
        false as is_in_fct_events
    from {{ ref('int_incremental__changes') }} as changes
    where {{ product_analytics.pending_change(consumer, "changes") }}

    union all

    select
        events.event_id,
        events.user_id,
        events.account_id,
        events.event_date as date_day,
        cast(null as {{ dbt.type_boolean() }}) as is_restaged,
        true as is_in_fct_events
    from {{ ref('fct_events') }} as events
    where events.event_id in ({{ product_analytics.changed_event_ids(consumer) }})
{%- endmacro %}

{#-
    `date_day`: the days (reporting time zone) holding an event the consumer has not applied
    yet, before or now (changed_event_places). The scope as whole days; distinct.
-#}
{% macro changed_days(consumer) -%}
    select distinct places.date_day
    from ({{ product_analytics.changed_event_places(consumer) }}) as places
    where places.event_id is not null and places.date_day is not null
{%- endmacro %}

{#-
    `date_day`: the days (reporting time zone) where each event the consumer has not applied
    yet was before, as logged in int_incremental__changes (no read of fct_events): the days
    such an event leaves. fct_events rewrites these and the days its recomputed rows land on
    (changed_days, which reads fct_events, would be a cycle there). Distinct.
-#}
{% macro logged_days(consumer) -%}
    select distinct changes.date_day
    from {{ ref('int_incremental__changes') }} as changes
    where
        changes.event_id is not null
        and changes.date_day is not null
        and {{ product_analytics.pending_change(consumer, "changes") }}
{%- endmacro %}

{#-
    `date_day`: the days where an event whose own values can have changed was before (it may
    have moved to another day) and is now (changed_event_places). Such an event was re-read
    from its staged row (is_restaged: day, name, source schema, time or properties can
    change), is new to fct_events (logged with no day: an opt-out withdrawn) or is gone from it
    (no row in fct_events: a deletion, an opt-out). An event logged only because its user or
    account can change, and still in fct_events, keeps its day and values. The scope of a
    table of events per day that holds no user or account (the tracking-plan day tables):
    changed_days without the days only such unchanged events are on. Distinct.
-#}
{% macro restaged_days(consumer) -%}
    select distinct per_event.date_day
    from (
        select
            places.date_day,
            max(case when places.is_in_fct_events then 1 else 0 end)
                over (partition by places.event_id) as is_in_fct_events,
            max(
                case
                    when places.is_restaged then 1
                    when not places.is_in_fct_events and places.date_day is null then 1
                    else 0
                end
            ) over (partition by places.event_id) as has_own_values_changed
        from ({{ product_analytics.changed_event_places(consumer) }}) as places
        where places.event_id is not null
    ) as per_event
    where
        per_event.date_day is not null
        and (per_event.has_own_values_changed = 1 or per_event.is_in_fct_events = 0)
{%- endmacro %}

{#-
    `user_id`, `date_day`: the (user, day) cells holding an event the consumer has not
    applied yet, before or now (changed_event_places); resolved users only (an event without
    a user is never activity). The scope of a table with one row per user and day (or finer):
    the rows of these cells, and only those, can have changed, so a late event on an old day
    names its user's cell, not the whole day. Distinct.
-#}
{% macro changed_user_days(consumer) -%}
    select distinct
        places.user_id,
        places.date_day
    from ({{ product_analytics.changed_event_places(consumer) }}) as places
    where
        places.event_id is not null
        and places.user_id is not null
        and places.date_day is not null
{%- endmacro %}

{#-
    Pre-hook of a model keyed by user and day (columns user_id, date_day): delete the rows of
    the cells of changed_user_days, before the run appends their recomputed rows.
-#}
{% macro delete_changed_user_days(relation, consumer) -%}
    delete from {{ relation }} as user_days
    where exists (
        select 1
        from ({{ product_analytics.changed_user_days(consumer) }}) as changed
        where
            changed.user_id = user_days.user_id
            and changed.date_day = user_days.date_day
    )
{%- endmacro %}

{#-
    `account_id`, `changed_from`: each account whose day rows can have changed, from the first
    day that can: the day of an event the consumer has not applied yet, before or now
    (changed_event_places), and the first day its members can change. One row per account.
-#}
{% macro changed_account_days(consumer) -%}
    select
        places.account_id,
        min(places.date_day) as changed_from
    from ({{ product_analytics.changed_event_places(consumer) }}) as places
    where places.account_id is not null
    group by places.account_id
{%- endmacro %}

{#-
    Post-hook of a model that reads int_incremental__changes: the rows it read are applied.
    Runs in the model's transaction, so a model stopped before it commits leaves them to the
    next run.
-#}
{% macro mark_changes_applied(consumer) -%}
    {{ return(adapter.dispatch("mark_changes_applied", "product_analytics")(consumer)) }}
{%- endmacro %}

{#-
    Spark: a model incremental there records the newest `logged_at` of the log as applied, in
    its own partition of the applied log (the newer of that and what it recorded before: the
    log's pre-hook may have emptied the log). A dynamic partition overwrite stages its files
    in a folder of its own, so consumers finishing together do not collide. A model built as
    a table there reads no changes, and marks nothing.
-#}
{% macro spark__mark_changes_applied(consumer) -%}
    {%- if model.config.materialized != "incremental" -%}
        {{ return("") }}
    {%- endif -%}
    {%- do product_analytics.overwrite_only_written_partitions() -%}
    {%- set applied = product_analytics.applied_changes_relation() %}
    insert overwrite table {{ applied }} partition (consumer)
    select
        max(newest.applied_through) as applied_through,
        '{{ product_analytics.applied_flag(consumer) }}' as consumer
    from (
        select max(changes.logged_at) as applied_through
        from {{ ref('int_incremental__changes') }} as changes
        union all
        select recorded.applied_through
        from {{ applied }} as recorded
        where recorded.consumer = '{{ product_analytics.applied_flag(consumer) }}'
    ) as newest
    having max(newest.applied_through) is not null
{%- endmacro %}

{% macro default__mark_changes_applied(consumer) -%}
    update {{ ref('int_incremental__changes') }}
    set {{ product_analytics.applied_flag(consumer) }} = true
    where not {{ product_analytics.applied_flag(consumer) }}
{%- endmacro %}
