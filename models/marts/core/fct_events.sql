{#
    One row per deduplicated track, page and screen call (SPEC sections 3-5, 7), with the
    resolved user, the attributed account and whether it counts as activity.

    - user_id: the call's own user id through aliases; for an anonymous call, the user its
      anonymous id was first linked to; null for anonymous ids never linked.
    - account_id: the call's context_group_id; else the account of the user's latest group
      call at or before the event; else of the user's earliest group call; else null.
    - Events of deleted users and events attributed to opted-out accounts are removed by the
      post-hook, after attribution (they are not re-attributed elsewhere).

    Incremental: besides the calls received since the last run (minus the lookback), every
    event whose resolution can have changed is recomputed: events of users touched by new
    alias calls, of anonymous ids with new links, of deleted users, of accounts whose
    opt-out trait was sent again (and of all their members), and the events of users with new
    group calls from the time of those calls on. Late
    identifies, aliases, group calls, opt-outs and deletions so take effect without a full
    refresh. Changing the tracking plan's `counts_as_activity`, the reporting time zone, or
    removing a user from the deletion list needs a full refresh (allow_full_refresh).
#}

-- Read only by incremental runs: depends_on: {{ ref('stg_segment__aliases') }} {{ ref('int_identity__anonymous_links') }} {{ ref('int_identity__deleted_users') }} {{ ref('int_accounts__opted_out') }}

{{ config(
    materialized="incremental",
    unique_key="event_id",
    incremental_strategy="delete+insert",
    on_schema_change="fail",
    full_refresh=product_analytics.allow_full_refresh(),
    post_hook="
        delete from {{ this }}
        where
            user_id in (select deleted.user_id from {{ ref('int_identity__deleted_users') }} as deleted)
            or account_id in (select opted_out.account_id from {{ ref('int_accounts__opted_out') }} as opted_out)
    ",
) }}

with

staged_events as (
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

tracking_plan as (
    select * from {{ ref('tracking_plan') }}
),

{% if is_incremental() %}

new_group_calls as (
    select * from group_calls
    where received_at >= {{ product_analytics.incremental_cutoff() }}
),

-- Accounts whose opt-out status can have changed: all events attributed to them may leave or return.
opt_out_changed_accounts as (
    select distinct account_id from new_group_calls
    where opts_out is not null
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
        where received_at >= {{ product_analytics.incremental_cutoff() }}
        union all
        select user_id as sent_user_id from {{ ref('stg_segment__aliases') }}
        where received_at >= {{ product_analytics.incremental_cutoff() }}
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

    select
        deleted.user_id,
        {{ product_analytics.all_time() }} as affected_since
    from {{ ref('int_identity__deleted_users') }} as deleted

    union all

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
            links.anonymous_id,
            {{ product_analytics.all_time() }} as affected_since
        from {{ ref('int_identity__anonymous_links') }} as links
        where links.latest_link_received_at >= {{ product_analytics.incremental_cutoff() }}
    ) as anonymous_ids
    group by anonymous_ids.anonymous_id
),

events_to_process as (
    select * from staged_events
    where received_at >= {{ product_analytics.incremental_cutoff() }}

    union

    select staged_events.*
    from staged_events
    inner join affected_sent_user_ids
        on
            staged_events.sent_user_id = affected_sent_user_ids.sent_user_id
            and staged_events.event_at >= affected_sent_user_ids.affected_since

    union

    -- Anonymous events resolve through their anonymous id; events with a user id do not.
    select staged_events.*
    from staged_events
    inner join affected_anonymous_ids
        on
            staged_events.sent_user_id is null
            and staged_events.anonymous_id = affected_anonymous_ids.anonymous_id
            and staged_events.event_at >= affected_anonymous_ids.affected_since

    union

    select * from staged_events
    where context_group_id in (select opt_out_changed_accounts.account_id from opt_out_changed_accounts)
),

{% else %}

events_to_process as (
    select * from staged_events
),

{% endif %}

resolved_events as (
    select
        events_to_process.*,
        {{ product_analytics.resolved_user_id("events_to_process", user_column="sent_user_id") }} as user_id
    from events_to_process
    left join aliases
        on events_to_process.sent_user_id = aliases.alias_id
    left join anonymous_users
        on
            events_to_process.sent_user_id is null
            and events_to_process.anonymous_id = anonymous_users.anonymous_id
),

-- Account attribution by the user's group calls, for events without context_group_id:
-- one timeline per user of group calls and events; at equal times the group call comes
-- first ("at or before"). Each group call starts a segment of the timeline; the events of
-- a segment belong to that call's account.
events_needing_account as (
    select
        event_id,
        user_id,
        event_at,
        received_at
    from resolved_events
    where context_group_id is null and user_id is not null
),

user_timelines as (
    select
        user_id,
        event_at,
        1 as row_kind,
        received_at,
        event_id as row_id,
        cast(null as {{ dbt.type_string() }}) as account_id
    from events_needing_account

    union all

    select
        user_id,
        event_at,
        0 as row_kind,
        received_at,
        message_id as row_id,
        account_id
    from group_calls
    where user_id in (select events_needing_account.user_id from events_needing_account)
),

timeline_segments as (
    select
        user_timelines.*,
        count(user_timelines.account_id) over (
            partition by user_timelines.user_id
            order by user_timelines.event_at, user_timelines.row_kind, user_timelines.received_at, user_timelines.row_id
            rows between unbounded preceding and current row
        ) as group_calls_so_far
    from user_timelines
),

latest_group_accounts as (
    select
        row_id as event_id,
        max(account_id) over (partition by user_id, group_calls_so_far) as account_id
    from timeline_segments
),

first_group_accounts as (
    select
        user_id,
        account_id
    from (
        select
            user_id,
            account_id,
            row_number() over (
                partition by user_id
                order by event_at, received_at, message_id
            ) as call_rank
        from group_calls
    ) as ranked_calls
    where call_rank = 1
),

final as (
    select
        resolved_events.event_id,
        resolved_events.event_at,
        resolved_events.event_date,
        resolved_events.received_at,
        resolved_events.event_name,
        resolved_events.event_type,
        resolved_events.page_name,
        resolved_events.user_id,
        resolved_events.anonymous_id,
        coalesce(
            resolved_events.context_group_id,
            latest_group_accounts.account_id,
            first_group_accounts.account_id
        ) as account_id,
        (
            resolved_events.user_id is not null
            and (resolved_events.event_type != 'track' or coalesce(tracking_plan.counts_as_activity, true))
        ) as is_activity,
        resolved_events.is_event_at_adjusted,
        resolved_events.source_schema
    from resolved_events
    left join latest_group_accounts
        on resolved_events.event_id = latest_group_accounts.event_id
    left join first_group_accounts
        on
            resolved_events.context_group_id is null
            and resolved_events.user_id = first_group_accounts.user_id
    left join tracking_plan
        on
            resolved_events.event_type = 'track'
            and resolved_events.event_name = tracking_plan.event_name
)

select * from final
