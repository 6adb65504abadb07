{#
    Funnel step matching (docs/reference.md section 7), one funnel and one entity type at a time.

    funnel_steps(funnel, entity_type, step_events) returns one select over `step_events`, a
    relation or CTE of track events of resolved users (event_id, event_name, event_at,
    user_id, account_id), with one row per entity that reached step 1:
    - entity_id: the user_id (entity_type user) or account_id (account);
    - step_1_at .. step_<n>_at, n the funnel's steps: step 1 is the entity's first
      occurrence of the step 1 event; step k the first occurrence of step k's event at or
      after step_(k-1)_at (strictly after when it repeats step k-1's event), no later than
      step_1_at + window_days; null from the first step not reached;
    - step_1_event_id, step_1_account_id: the step 1 event, chosen by (event_at, event_id),
      and its account.
    Two implementations give the same rows (tests/python/test_funnels.py compares them):
    the portable default, and DuckDB's lists of step times. `funnel_strategy: portable`
    forces the default on every engine. Both are linear in the step events.
#}

{% macro funnel_steps(funnel, entity_type, step_events) -%}
    {%- if product_analytics.config_funnel_strategy() == "portable" -%}
        {{ product_analytics.default__funnel_steps(funnel, entity_type, step_events) }}
    {%- else -%}
        {{ adapter.dispatch("funnel_steps", "product_analytics")(funnel, entity_type, step_events) }}
    {%- endif -%}
{%- endmacro %}

{#- The end of a funnel's window (inclusive): step_1_at plus window_days. -#}
{% macro funnel_window_end(step_1_at, window_days) -%}
    {{ dbt.dateadd("second", (window_days * 86400) | int, step_1_at) }}
{%- endmacro %}

{#-
    Portable: step 1 is the first occurrence by row_number; each later step is one join of
    the entities that reached the previous step with that step's occurrences, keeping the
    earliest match (one row per entity per step, never a join of all occurrences pairwise).
-#}
{% macro default__funnel_steps(funnel, entity_type, step_events) -%}
    {%- set entity_column = "user_id" if entity_type == "user" else "account_id" -%}
    {%- set steps = funnel["steps"] %}
    with

    {%- for step in steps %}

    occurrences_{{ loop.index }} as (
        select
            {{ entity_column }} as entity_id,
            event_at,
            event_id,
            account_id
        from {{ step_events }}
        where event_name = '{{ step }}' and {{ entity_column }} is not null
    ),
    {%- endfor %}

    numbered_starts as (
        select
            entity_id,
            event_at,
            event_id,
            account_id,
            row_number() over (partition by entity_id order by event_at, event_id) as occurrence_number
        from occurrences_1
    ),

    step_1 as (
        select
            entity_id,
            event_at as step_1_at,
            event_at as step_at,
            event_id as step_1_event_id,
            account_id as step_1_account_id
        from numbered_starts
        where occurrence_number = 1
    ),

    {%- for step_number in range(2, steps | length + 1) %}
    {%- set comparison = ">" if steps[step_number - 1] == steps[step_number - 2] else ">=" %}

    step_{{ step_number }} as (
        select
            step_{{ step_number - 1 }}.entity_id,
            step_{{ step_number - 1 }}.step_1_at,
            min(occurrences_{{ step_number }}.event_at) as step_at
        from step_{{ step_number - 1 }}
        inner join occurrences_{{ step_number }}
            on
                step_{{ step_number - 1 }}.entity_id = occurrences_{{ step_number }}.entity_id
                and occurrences_{{ step_number }}.event_at {{ comparison }} step_{{ step_number - 1 }}.step_at
                and occurrences_{{ step_number }}.event_at
                <= {{ product_analytics.funnel_window_end("step_" ~ (step_number - 1) ~ ".step_1_at", funnel["window_days"]) }}
        group by step_{{ step_number - 1 }}.entity_id, step_{{ step_number - 1 }}.step_1_at
    ),
    {%- endfor %}

    entity_steps as (
        select
            step_1.entity_id,
            {%- for step_number in range(1, steps | length + 1) %}
            step_{{ step_number }}.step_at as step_{{ step_number }}_at,
            {%- endfor %}
            step_1.step_1_event_id,
            step_1.step_1_account_id
        from step_1
        {%- for step_number in range(2, steps | length + 1) %}
        left join step_{{ step_number }}
            on step_1.entity_id = step_{{ step_number }}.entity_id
        {%- endfor %}
    )

    select * from entity_steps
{%- endmacro %}

{#-
    DuckDB: one aggregation per entity gives the first (event_at, event_id) of step 1's event
    and the list of times of each later step's event; step k is then the smallest time in
    its list at or after step k-1 (strictly after for a repeated event) and within the
    window: one pass over each list, no join per step.
-#}
{% macro duckdb__funnel_steps(funnel, entity_type, step_events) -%}
    {%- set entity_column = "user_id" if entity_type == "user" else "account_id" -%}
    {%- set steps = funnel["steps"] -%}
    {#- One list per distinct event of the later steps: a repeated event's steps share it. -#}
    {%- set later_events = product_analytics.funnel_step_names([{"steps": steps[1:]}]) -%}
    {%- set first_event = "{'at': event_at, 'id': event_id}" %}
    with

    entity_step_times as (
        select
            {{ entity_column }} as entity_id,
            min({{ first_event }}) filter (where event_name = '{{ steps[0] }}') as first_step,
            arg_min_null(account_id, {{ first_event }}) filter (where event_name = '{{ steps[0] }}') as step_1_account_id,
            {%- for event_name in later_events %}
            list(event_at) filter (where event_name = '{{ event_name }}') as times_{{ loop.index }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ step_events }}
        where {{ entity_column }} is not null
        group by {{ entity_column }}
    ),

    step_1 as (
        select
            *,
            first_step.at as step_1_at,
            first_step.id as step_1_event_id,
            {{ product_analytics.funnel_window_end("first_step.at", funnel["window_days"]) }} as window_end
        from entity_step_times
        where first_step is not null
    ),

    {%- for step_number in range(2, steps | length + 1) %}
    {%- set comparison = ">" if steps[step_number - 1] == steps[step_number - 2] else ">=" %}

    step_{{ step_number }} as (
        select
            *,
            list_min(list_filter(
                times_{{ later_events.index(steps[step_number - 1]) + 1 }},
                lambda occurred_at: occurred_at {{ comparison }} step_{{ step_number - 1 }}_at and occurred_at <= window_end
            )) as step_{{ step_number }}_at
        from step_{{ step_number - 1 }}
    ),
    {%- endfor %}

    entity_steps as (
        select
            entity_id,
            {%- for step_number in range(1, steps | length + 1) %}
            step_{{ step_number }}_at,
            {%- endfor %}
            step_1_event_id,
            step_1_account_id
        from step_{{ steps | length }}
    )

    select * from entity_steps
{%- endmacro %}
