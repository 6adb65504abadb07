{#
    What an incremental run of the event models must recompute (docs/reference.md section 8): the calls
    received since the last run and every earlier event whose resolution can have changed.
    Shared by fct_events and int_engagement__activity_days so both recompute the same set.
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
    The CTEs event resolution reads: `staged_events` (the calls as sent), `aliases`,
    `anonymous_users` and `group_calls` (those with a resolved user).
-#}
{% macro event_resolution_inputs() -%}
staged_events as {{ product_analytics.inline_cte() }} (
    {{ product_analytics.staged_events() }}
),

aliases as (
    select * from {{ ref('int_identity__aliases_resolved') }}
),

anonymous_users as (
    select * from {{ ref('int_identity__anonymous_users') }}
),

group_calls as (
    select * from {{ ref('int_accounts__group_calls') }}
    where user_id is not null
)
{%- endmacro %}

{#-
    The relations event_resolution_inputs() and events_to_reprocess() read, as a SQL comment:
    a model that calls them only in incremental runs still declares them as dependencies.
-#}
{% macro events_to_reprocess_dependencies() -%}
    depends_on:
    {%- for model in [
        "stg_segment__tracks", "stg_segment__pages", "stg_segment__screens", "stg_segment__aliases",
        "int_identity__aliases_resolved", "int_identity__anonymous_users", "int_identity__anonymous_links",
        "int_accounts__group_calls", "int_identity__deleted_users", "int_accounts__opted_out",
    ] %} {{ ref(model) }}{% endfor %} and linking calls {{ product_analytics.linking_calls_dependencies() }}
{%- endmacro %}

{#-
    CTEs ending in `events_to_process`: the rows of `staged_events` received at or after
    `cutoff` (a SQL expression), plus every event whose user, account or existence can have
    changed since: events of users touched by new alias calls, of anonymous ids whose
    first link is new, of users newly on the deletion list, of accounts whose opt-out status
    can have changed (and of all their members), of every user ever linked to an anonymous id
    whose group calls a new first link moves, and the events of users with new group calls
    from the time of those calls on.
    The caller defines the CTEs of event_resolution_inputs() first.
-#}
{% macro events_to_reprocess(cutoff) -%}
new_group_calls as (
    select * from group_calls
    where received_at >= {{ cutoff }}
),

-- New values of the opt-out trait, from every group call (as int_accounts__opted_out judges them).
new_opt_out_values as (
    select
        account_id,
        opts_out
    from {{ ref('int_accounts__group_calls') }}
    where
        opts_out is not null
        and received_at >= {{ cutoff }}
),

-- Each such account's opt-out status from the calls received before.
earlier_opt_out as (
    {{ product_analytics.latest_opt_out_values(
        "received_at < " ~ cutoff ~ " and account_id in (select new_opt_out_values.account_id from new_opt_out_values)"
    ) }}
),

-- Accounts whose opt-out status can have changed: all events attributed to them may leave or
-- return. Only a new value that differs from the earlier status (false when there was none)
-- can change it: whatever the order of the calls, re-sending the current value (as SDKs do
-- with every group call) leaves the latest value, and so the status, as it was.
opt_out_changed_accounts as (
    select distinct new_opt_out_values.account_id
    from new_opt_out_values
    left join earlier_opt_out
        on new_opt_out_values.account_id = earlier_opt_out.account_id
    where new_opt_out_values.opts_out <> coalesce(earlier_opt_out.opts_out, false)
),

-- Anonymous ids whose first link is new: only such a link changes whom the id resolves to (a
-- later link never does; a changed user of the link is a new alias, handled below).
new_first_links as (
    select anonymous_id
    from {{ ref('int_identity__anonymous_links') }}
    where linked_received_at >= {{ cutoff }}
),

-- Every user ever linked to such an id (through aliases): the one it resolves to now and the
-- ones it resolved to before. A scan of the staged calls, made only where a query reads it.
relinked_users as (
    select distinct
        links.anonymous_id,
        coalesce(aliases.user_id, links.linked_user_id) as user_id
    from (
        {{ product_analytics.linking_calls("anonymous_id in (select new_first_links.anonymous_id from new_first_links)") | indent(4) }}
    ) as links
    left join aliases
        on links.linked_user_id = aliases.alias_id
),

-- Users whose events can resolve or attribute differently, and from when: a new group call
-- changes the attribution of its user's events at or after it (all events when it is the
-- user's earliest call); aliases, opt-outs and deletions can change all events.
affected_user_candidates as (
    select
        coalesce(aliases.user_id, alias_ids.sent_user_id) as user_id,
        {{ product_analytics.all_time() }} as affected_since
    from (
        select previous_id as sent_user_id from {{ ref('stg_segment__aliases') }}
        where received_at >= {{ cutoff }}
        union all
        select user_id as sent_user_id from {{ ref('stg_segment__aliases') }}
        where received_at >= {{ cutoff }}
    ) as alias_ids
    left join aliases
        on alias_ids.sent_user_id = aliases.alias_id

    union all

    select
        members.user_id,
        {{ product_analytics.all_time() }} as affected_since
    from group_calls as members
    where members.account_id in (select opt_out_changed_accounts.account_id from opt_out_changed_accounts)

    union all

    -- Users put on the deletion list since the last run (their rows leave through the
    -- post-hooks whatever the run; the accounts they were in change).
    select
        deleted.user_id,
        {{ product_analytics.all_time() }} as affected_since
    from {{ ref('int_identity__deleted_users') }} as deleted
    where deleted.newest_received_at_when_listed >= {{ cutoff }}

    union all

    {%- if product_analytics.anonymous_group_calls_exist() %}
    -- A group call sent without a user id belongs to whomever its anonymous id resolves to: a
    -- new first link moves it, and so the account of the events of every user ever linked to
    -- the id (the call may be or have been their earliest). Left out when no such call exists.
    select
        relinked_users.user_id,
        {{ product_analytics.all_time() }} as affected_since
    from relinked_users
    where relinked_users.anonymous_id in (
        select moved_calls.resolved_through_anonymous_id
        from {{ ref('int_accounts__group_calls') }} as moved_calls
        where moved_calls.resolved_through_anonymous_id is not null
    )

    union all
    {%- endif %}

    select
        new_calls.user_id,
        case
            when min(new_calls.event_at) <= min(all_calls.event_at) then {{ product_analytics.all_time() }}
            else min(new_calls.event_at)
        end as affected_since
    from new_group_calls as new_calls
    inner join group_calls as all_calls
        on new_calls.user_id = all_calls.user_id
    group by new_calls.user_id
),

affected_users as (
    select
        user_id,
        min(affected_since) as affected_since
    from affected_user_candidates
    group by user_id
),

affected_sent_user_ids as (
    select
        sent_ids.sent_user_id,
        min(sent_ids.affected_since) as affected_since
    from (
        select
            affected_users.user_id as sent_user_id,
            affected_users.affected_since
        from affected_users
        union all
        select
            aliases.alias_id as sent_user_id,
            affected_users.affected_since
        from aliases
        inner join affected_users
            on aliases.user_id = affected_users.user_id
    ) as sent_ids
    group by sent_ids.sent_user_id
),

affected_anonymous_ids as (
    select
        anonymous_ids.anonymous_id,
        min(anonymous_ids.affected_since) as affected_since
    from (
        select
            anonymous_users.anonymous_id,
            affected_users.affected_since
        from anonymous_users
        inner join affected_users
            on anonymous_users.user_id = affected_users.user_id
        union all
        select
            new_first_links.anonymous_id,
            {{ product_analytics.all_time() }} as affected_since
        from new_first_links
    ) as anonymous_ids
    group by anonymous_ids.anonymous_id
),

events_to_process as (
    select staged_events.*
    from staged_events
    left join affected_sent_user_ids
        on staged_events.sent_user_id = affected_sent_user_ids.sent_user_id
    -- Anonymous events resolve through their anonymous id; events with a user id do not.
    left join affected_anonymous_ids
        on
            staged_events.sent_user_id is null
            and staged_events.anonymous_id = affected_anonymous_ids.anonymous_id
    where
        staged_events.received_at >= {{ cutoff }}
        or staged_events.event_at >= affected_sent_user_ids.affected_since
        or staged_events.event_at >= affected_anonymous_ids.affected_since
        or staged_events.context_group_id in (select opt_out_changed_accounts.account_id from opt_out_changed_accounts)
)
{%- endmacro %}

{#-
    Post-hook of the incremental event models: rows of users on the deletion list and of
    opted-out accounts leave the table (docs/reference.md section 4), also when no new row touched them.
-#}
{% macro delete_removed_users_and_accounts(relation) -%}
    delete from {{ relation }}
    where
        user_id in (select deleted.user_id from {{ ref('int_identity__deleted_users') }} as deleted)
        or account_id in (select opted_out.account_id from {{ ref('int_accounts__opted_out') }} as opted_out)
{%- endmacro %}

{#-
    Post-hook of metrics_account_health_daily: rows of accounts that no longer exist (opted
    out, or only deleted users' calls) and days outside an account's span or the reporting
    range leave the table.
-#}
{% macro delete_health_outside_account_lifespans(relation) -%}
    delete from {{ relation }} as health
    where
        not exists (
            select 1
            from {{ ref('int_accounts__lifespans') }} as lifespans
            where
                lifespans.account_id = health.account_id
                and lifespans.first_day <= health.date_day
        )
        or health.date_day > (select max(reporting_days.date_day) from {{ ref('int_engagement__reporting_days') }} as reporting_days)
        or health.date_day < (select min(reporting_days.date_day) from {{ ref('int_engagement__reporting_days') }} as reporting_days)
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
