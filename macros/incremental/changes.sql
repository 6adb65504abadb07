{#
    The scope of an incremental run, read from int_incremental__changes (see that model).
    Each macro returns one select with the columns named below; `consumer` is the model
    reading it (fct_events, activity_days or health: the flag its post-hook
    mark_changes_applied sets), so only the rows it has not applied yet count.
#}

{#-
    `date_day`: the days (reporting time zone) holding an event the consumer has not applied
    yet, where the event was before (it may have moved to another day) and where it is now in
    fct_events. The scope as whole days; distinct.
-#}
{% macro changed_days(consumer) -%}
    select changes.date_day
    from {{ ref('int_incremental__changes') }} as changes
    where
        changes.event_id is not null
        and changes.date_day is not null
        and not changes.is_applied_to_{{ consumer }}

    union

    select events.event_date as date_day
    from {{ ref('fct_events') }} as events
    where events.event_id in (
        select changes.event_id
        from {{ ref('int_incremental__changes') }} as changes
        where changes.event_id is not null and not changes.is_applied_to_{{ consumer }}
    )
{%- endmacro %}

{#-
    `account_id`, `changed_from`: each account whose day rows can have changed, from the first
    day that can: the day of an event the consumer has not applied yet, where the event was
    attributed before and where it is attributed now in fct_events, and the first day its
    members can change. One row per account.
-#}
{% macro changed_account_days(consumer) -%}
    select
        account_days.account_id,
        min(account_days.date_day) as changed_from
    from (
        select
            changes.account_id,
            changes.date_day
        from {{ ref('int_incremental__changes') }} as changes
        where changes.account_id is not null and not changes.is_applied_to_{{ consumer }}

        union all

        select
            events.account_id,
            events.event_date as date_day
        from {{ ref('fct_events') }} as events
        where
            events.account_id is not null
            and events.event_id in (
                select changes.event_id
                from {{ ref('int_incremental__changes') }} as changes
                where changes.event_id is not null and not changes.is_applied_to_{{ consumer }}
            )
    ) as account_days
    group by account_days.account_id
{%- endmacro %}

{#-
    Post-hook of a model that reads int_incremental__changes: the rows it read are applied.
    Runs in the model's transaction, so a model stopped before it commits leaves them to the
    next run.
-#}
{% macro mark_changes_applied(consumer) -%}
    {{ return(adapter.dispatch("mark_changes_applied", "product_analytics")(consumer)) }}
{%- endmacro %}

{#- Spark builds these models as tables from all the data (incremental_materialization): nothing to mark. -#}
{% macro spark__mark_changes_applied(consumer) -%}
    {%- if is_incremental() -%}
        {{ exceptions.raise_compiler_error("product_analytics: " ~ this ~ " runs incrementally on Spark, where int_incremental__changes cannot be updated; build it as a table (incremental_materialization)") }}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}

{% macro default__mark_changes_applied(consumer) -%}
    update {{ ref('int_incremental__changes') }}
    set is_applied_to_{{ consumer }} = true
    where not is_applied_to_{{ consumer }}
{%- endmacro %}
