{#
    The scope of an incremental run, read from int_incremental__changes (see that model).
    Each macro returns one select with the columns named below; `consumer` is the model
    reading it (fct_events, activity_days, health, tracking_plan_event_days or
    tracking_plan_property_days: the flag its post-hook
    mark_changes_applied sets), so only the rows it has not applied yet count.
#}

{#-
    `event_id`, `user_id`, `account_id`, `date_day`: the events the consumer has not applied
    yet as fct_events holds them now (user, account and event_date after this run's
    fct_events); an event fct_events no longer holds (a deleted user's, an opted-out
    account's) has no row. Where the events were before is in int_incremental__changes.
-#}
{% macro changed_events_now(consumer) -%}
    select
        events.event_id,
        events.user_id,
        events.account_id,
        events.event_date as date_day
    from {{ ref('fct_events') }} as events
    where events.event_id in (
        select changes.event_id
        from {{ ref('int_incremental__changes') }} as changes
        where changes.event_id is not null and not changes.is_applied_to_{{ consumer }}
    )
{%- endmacro %}

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

    select events_now.date_day
    from ({{ product_analytics.changed_events_now(consumer) }}) as events_now
{%- endmacro %}

{#-
    `user_id`, `date_day`: the (user, day) cells holding an event the consumer has not
    applied yet, where the event was before (its user or day may have changed) and where it
    is now in fct_events; resolved users only (an event without a user is never activity).
    The scope of a table with one row per user and day (or finer): the rows of these cells,
    and only those, can have changed. A late event on an old day names its user's cell, not
    the whole day. Distinct.
-#}
{% macro changed_user_days(consumer) -%}
    select
        changes.user_id,
        changes.date_day
    from {{ ref('int_incremental__changes') }} as changes
    where
        changes.event_id is not null
        and changes.user_id is not null
        and changes.date_day is not null
        and not changes.is_applied_to_{{ consumer }}

    union

    select
        events_now.user_id,
        events_now.date_day
    from ({{ product_analytics.changed_events_now(consumer) }}) as events_now
    where events_now.user_id is not null
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
            events_now.account_id,
            events_now.date_day
        from ({{ product_analytics.changed_events_now(consumer) }}) as events_now
        where events_now.account_id is not null
    ) as account_days
    group by account_days.account_id
{%- endmacro %}

{#-
    Post-hook of a model that reads int_incremental__changes: the rows it read are applied.
    Runs in the model's transaction, so a model stopped before it commits leaves them to the
    next run.
-#}
{% macro mark_changes_applied(consumer) -%}
    update {{ ref('int_incremental__changes') }}
    set is_applied_to_{{ consumer }} = true
    where not is_applied_to_{{ consumer }}
{%- endmacro %}

{#-
    Pre-hook of a model keyed by user and day (user_id, date_day columns): delete the rows of
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
