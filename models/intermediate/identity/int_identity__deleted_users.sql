{#
    Users whose data must disappear (docs/reference.md section 4): the ids listed in the seed
    `deleted_users`, or in the relation named by `deleted_users_relation`, each resolved
    through aliases to the user id the models use. Any id of an alias chain deletes the
    whole person.

    Each user also carries the newest received_at of the staged events when the user was
    first listed, kept from the previous build of this table. An incremental run of an event
    model handles a deletion as new while that is at or after the run's cutoff (the newest
    row it had processed, less the lookback): recent deletions are handled by the runs that
    follow them, not every deletion by every run.
#}

{{ config(pre_hook="{{ product_analytics.keep_previous_build(this, 'newest_received_at_when_listed') }}") }}

{%- set configured = product_analytics.deleted_users_relation() %}
{%- set previous = product_analytics.previous_build_with_column(this, "newest_received_at_when_listed") %}

with

listed_ids as (
    select distinct {{ product_analytics.trim_whitespace("cast(user_id as " ~ dbt.type_string() ~ ")") }} as user_id
    {%- if configured %}
    from {{ configured }}
    {%- else %}
    from {{ ref('deleted_users') }}
    {%- endif %}
    where user_id is not null
),

listed_users as (
    select distinct coalesce(aliases.user_id, listed_ids.user_id) as user_id
    from listed_ids
    left join {{ ref('int_identity__aliases_resolved') }} as aliases
        on listed_ids.user_id = aliases.alias_id
    where listed_ids.user_id != ''
),

-- The newest event staged so far (the current time before any is).
staged_watermark as (
    select coalesce(max(received_at), cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})) as newest_received_at
    from (
        {{ product_analytics.staged_events() | indent(4) }}
    ) as staged_events
),

final as (
    select
        listed_users.user_id,
        {%- if previous %}
        coalesce(previous.newest_received_at_when_listed, staged_watermark.newest_received_at)
        {%- else %}
        staged_watermark.newest_received_at
        {%- endif %}
            as newest_received_at_when_listed
    from listed_users
    cross join staged_watermark
    {%- if previous %}
    left join {{ previous }} as previous
        on listed_users.user_id = previous.user_id
    {%- endif %}
)

select * from final
