{#
    One row per configured funnel (variable `funnels`), entity type and entity that reached
    step 1 (docs/reference.md section 7). Steps match the `event_name` of track events of resolved users in
    fct_events, activity or not; for accounts, events attributed to the account count
    whichever member did them.

    - step_1_at: the entity's first occurrence of step 1.
    - step_k_at: the first occurrence of step k at or after step_(k-1)_at (strictly after
      when step k repeats the event of step k-1), no later than step_1_at + window_days.
    - Columns step_1_at .. step_<n>_at, n the longest configured funnel; steps beyond a
      funnel's length are null.

    The step times of each funnel and entity type come from `funnel_steps`
    (macros/funnels/step_matching.sql: portable SQL, or DuckDB's lists of step times); this
    model unions them and adds the measures and the breakdowns at step 1.
#}

-- depends_on: {{ ref('stg_tracking_plan__events') }}

{%- set funnels = product_analytics.config_funnels(warn_unplanned_steps=true) %}
{%- set max_steps = product_analytics.funnel_max_steps(funnels) %}
{%- set step_names = product_analytics.funnel_step_names(funnels) %}
{%- set breakdown_trait = product_analytics.funnel_breakdown_trait() %}
{%- set account_traits = product_analytics.config_traits("account_traits") | map(attribute="name") | list %}
{%- set signup_event = product_analytics.config_non_empty_string("signup_event") %}
{%- set signup_tables = product_analytics.per_event_tables(signup_event, "type") %}

with

-- Read by every funnel: inlined, so each reads only the events of its own steps.
step_events as {{ product_analytics.inline_cte() }} (
    select
        event_id,
        event_name,
        event_at,
        user_id,
        account_id
    from {{ ref('fct_events') }}
    where
        event_type = 'track'
        and user_id is not null
        and event_name in ('{{ step_names | join("', '") if step_names else "" }}')
),

last_event as (
    select max(event_at) as last_event_at from {{ ref('fct_events') }}
),

account_history as (
    select * from {{ ref('dim_account_traits_history') }}
),

-- The `type` property of signup events, from Segment's per-event tables (signed_up).
signup_properties as (
    {%- if signup_tables %}
    select
        event_id,
        min(signup_type) as signup_type
    from (
        {%- for table in signup_tables %}
        select
            nullif({{ product_analytics.trim_whitespace("cast(id as " ~ dbt.type_string() ~ ")") }}, '') as event_id,
            cast({{ adapter.quote("type") }} as {{ dbt.type_string() }}) as signup_type
        from {{ table }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as signup_rows
    group by event_id
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as event_id,
        cast(null as {{ dbt.type_string() }}) as signup_type
    where 1 = 0
    {%- endif %}
),

{%- for funnel in funnels %}
{%- set funnel_index = loop.index %}
{%- for entity_type in funnel["entity_types"] %}

-- Funnel '{{ funnel["name"] }}', {{ entity_type }}s: entity_id, step_1_at .. step_{{ funnel["steps"] | length }}_at, step_1_event_id, step_1_account_id.
funnel_{{ funnel_index }}_{{ entity_type }}_steps as (
    {{ product_analytics.funnel_steps(funnel, entity_type, "step_events") }}
),
{%- endfor %}
{%- endfor %}

conversions as (
    {%- for funnel in funnels %}
    {%- set funnel_index = loop.index %}
    {%- set funnel_last = loop.last %}
    {%- for entity_type in funnel["entity_types"] %}
    select
        cast('{{ funnel["name"] }}' as {{ dbt.type_string() }}) as funnel_name,
        cast('{{ entity_type }}' as {{ dbt.type_string() }}) as entity_type,
        entity_id,
        {%- for step_number in range(1, max_steps + 1) %}
        {%- if step_number <= funnel["steps"] | length %}
        step_{{ step_number }}_at,
        {%- else %}
        cast(null as {{ dbt.type_timestamp() }}) as step_{{ step_number }}_at,
        {%- endif %}
        {%- endfor %}
        {{ funnel["steps"] | length }} as funnel_steps,
        {{ funnel["window_days"] }} as window_days,
        {{ "step_1_account_id" if entity_type == "user" else "entity_id" }} as step_1_account_id,
        step_1_event_id,
        {{ "true" if funnel["steps"][0] == signup_event else "false" }} as starts_with_signup
    from funnel_{{ funnel_index }}_{{ entity_type }}_steps
    {%- if not (funnel_last and loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
    {%- if not funnels %}
    select
        cast(null as {{ dbt.type_string() }}) as funnel_name,
        cast(null as {{ dbt.type_string() }}) as entity_type,
        cast(null as {{ dbt.type_string() }}) as entity_id,
        {%- for step_number in range(1, max_steps + 1) %}
        cast(null as {{ dbt.type_timestamp() }}) as step_{{ step_number }}_at,
        {%- endfor %}
        0 as funnel_steps,
        0 as window_days,
        cast(null as {{ dbt.type_string() }}) as step_1_account_id,
        cast(null as {{ dbt.type_string() }}) as step_1_event_id,
        false as starts_with_signup
    where 1 = 0
    {%- endif %}
),

measured as (
    select
        conversions.*,
        case
            {%- for step_number in range(max_steps, 1, -1) %}
            when conversions.step_{{ step_number }}_at is not null then {{ step_number }}
            {%- endfor %}
            else 1
        end as furthest_step
    from conversions
),

final as (
    select
        measured.funnel_name,
        measured.entity_type,
        measured.entity_id,
        {%- for step_number in range(1, max_steps + 1) %}
        measured.step_{{ step_number }}_at,
        {%- endfor %}
        measured.furthest_step,
        measured.furthest_step = measured.funnel_steps as is_converted,
        case
            {%- for step_number in range(max_steps, 1, -1) %}
            when measured.funnel_steps = {{ step_number }} and measured.furthest_step = {{ step_number }}
                then {{ product_analytics.seconds_between("measured.step_1_at", "measured.step_" ~ step_number ~ "_at") }}
            {%- endfor %}
        end as seconds_to_convert,
        (
            measured.furthest_step < measured.funnel_steps
            and {{ dbt.dateadd("second", "measured.window_days * 86400", "measured.step_1_at") }} > last_event.last_event_at
        ) as is_window_open,
        measured.funnel_steps,
        measured.window_days,
        measured.step_1_account_id as account_id_at_step_1,
        {%- if breakdown_trait in account_traits %}
        cast(account_history.{{ adapter.quote(breakdown_trait) }} as {{ dbt.type_string() }}) as plan_at_step_1,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as plan_at_step_1,
        {%- endif %}
        case when measured.starts_with_signup then signup_properties.signup_type end as signup_type
    from measured
    cross join last_event
    left join account_history
        on
            measured.step_1_account_id = account_history.account_id
            and measured.step_1_at >= account_history.valid_from
            and (measured.step_1_at < account_history.valid_to or account_history.valid_to is null)
    left join signup_properties
        on measured.step_1_event_id = signup_properties.event_id
)

select * from final
