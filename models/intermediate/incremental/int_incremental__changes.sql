{#
    The scope of an incremental run, in one place (docs/reference.md section 8): one row per event the
    run recomputes and per account whose members can have changed, logged before fct_events
    recomputes anything. Every incremental model downstream reads the rows it has not yet
    applied, and marks them applied in the same transaction as its own rows
    (mark_changes_applied), so a run stopped half-way and simply re-run applies them then.
    Rows that every model applied are dropped by the next run.

    - An event row: event_id, and the cell the event occupied in fct_events before this run
      (user_id, account_id, date_day: null when the event is new). Where it is now is in
      fct_events. A model recomputes every cell an event leaves and every cell it enters; as
      whole days, the days are date_day and the event's event_date in fct_events.
      is_restaged: the event's staged row was re-read (received since the cutoff), so its
      day, name, source schema, time or properties can change; false when it is logged only
      because its user, account or existence can.
    - A membership row (event_id null): an account whose members can change from date_day
      (a new group call into it, or any group call of a user whose calls change).

    Which events: the calls received since fct_events' newest row (less the lookback), or
    since the first day holding unprocessed raw rows, plus every earlier event whose user,
    account or existence can have changed: events of users touched by new alias calls, of
    anonymous ids whose first link is new, of users newly on the deletion list, of accounts
    whose opt-out status can have changed (and of all their members), of every user ever
    linked to an anonymous id whose group calls a new first link moves, and the events of
    users with new group calls from the time of those calls on.
#}

-- Read only when fct_events exists: depends_on: {{ ref('base_segment__unprocessed_received_days') }}
-- {{ ref('int_identity__aliases_resolved') }} {{ ref('int_identity__anonymous_users') }}
-- {{ ref('int_identity__anonymous_links') }} {{ ref('int_identity__deleted_users') }}
-- {{ ref('int_accounts__group_calls') }} and {{ product_analytics.linking_calls_dependencies() }}

{#- A column a new version adds (is_restaged) is added to the log, null on the rows already there. #}

{{ config(
    materialized=product_analytics.incremental_materialization(without_row_changes=true),
    incremental_strategy="append",
    on_schema_change="append_new_columns",
    full_refresh=product_analytics.allow_full_refresh(),
    pre_hook="{{ product_analytics.drop_applied_changes(this) }}",
) }}

{%- set facts = product_analytics.previous_build("fct_events") %}
{{- product_analytics.fail_when_facts_are_missing(facts) }}

with

{% if facts is none %}

-- No previous facts: the models downstream are built from everything.
final as (
    select
        cast(null as {{ dbt.type_string() }}) as event_id,
        cast(null as {{ dbt.type_string() }}) as user_id,
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as date) as date_day,
        cast(null as {{ dbt.type_boolean() }}) as is_restaged,
        cast(null as {{ dbt.type_timestamp() }}) as logged_at,
        {{ product_analytics.unapplied_flags() }}
    where 1 = 0
)

{% else %}

{#- The cutoff, read once when the model runs: a constant in each of its uses below. #}
{%- set cutoff = "cast('" ~ product_analytics.cutoff_value(facts) ~ "' as " ~ dbt.type_timestamp() ~ ")" %}

staged_events as (
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
),

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
-- ones it resolved to before.
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

recomputed_events as (
    select
        staged_events.event_id,
        -- Re-read from its staged row: its day, name, source schema, time or properties can
        -- change. Otherwise only its user, account or existence can.
        max(case when staged_events.received_at >= {{ cutoff }} then 1 else 0 end) = 1 as is_restaged
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
    group by staged_events.event_id
),

-- Where each recomputed event was before this run: the cells it may leave.
event_changes as (
    select
        recomputed_events.event_id,
        previous_facts.user_id,
        previous_facts.account_id,
        previous_facts.event_date as date_day,
        recomputed_events.is_restaged
    from recomputed_events
    left join {{ facts }} as previous_facts
        on recomputed_events.event_id = previous_facts.event_id
),

-- Accounts whose members can change, from the first day they can: a new group call into the
-- account, and every account a user with changing calls or events was in.
membership_changes as (
    select
        new_group_calls.account_id,
        min({{ product_analytics.reporting_date("new_group_calls.event_at") }}) as date_day
    from new_group_calls
    group by new_group_calls.account_id

    union all

    select
        group_calls.account_id,
        min({{ product_analytics.reporting_date("affected_users.affected_since") }}) as date_day
    from group_calls
    inner join affected_users
        on group_calls.user_id = affected_users.user_id
    group by group_calls.account_id
),

final as (
    select
        event_id,
        user_id,
        account_id,
        date_day,
        is_restaged,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }}) as logged_at,
        {{ product_analytics.unapplied_flags() }}
    from event_changes

    union all

    select
        cast(null as {{ dbt.type_string() }}) as event_id,
        cast(null as {{ dbt.type_string() }}) as user_id,
        account_id,
        date_day,
        cast(null as {{ dbt.type_boolean() }}) as is_restaged,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }}) as logged_at,
        {{ product_analytics.unapplied_flags() }}
    from membership_changes
)

{% endif %}

select * from final
