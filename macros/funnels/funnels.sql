{#
    Funnels (docs/reference.md section 7): configuration, validation and the step-matching SQL.
#}

{#-
    The `funnels` variable, validated: a list of {name, steps, window_days, entity_types}.
    Fails naming the funnel and the problem; warns for a step the tracking plan does not
    list (a step absent from the data yields zeros, not an error).
-#}
{% macro config_funnels(errors=none) -%}
    {%- set value = var("funnels") -%}
    {%- if value is string or value is mapping or value is not iterable -%}
        {{ return(product_analytics.config_error("funnels", "a list of funnels ({name, steps, window_days, entity_types})", value, errors)) }}
    {%- endif -%}
    {%- set funnels = [] -%}
    {%- set names = [] -%}
    {%- for funnel in value -%}
        {%- set checked = product_analytics.config_funnel(funnel, names, errors) -%}
        {%- if checked is not none -%}
            {%- do funnels.append(checked) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if funnels | length < value | length -%}
        {{ return(none) }}
    {%- endif -%}
    {#- Checked once the plan is built (not by check_configuration, which passes `errors`; the models declare the dependency); unit tests render it as a CTE fixture (nothing to query). -#}
    {%- if errors is none and execute -%}
        {%- set plan = ref("stg_tracking_plan__events") -%}
        {%- if "__dbt__cte__" not in plan | string
            and adapter.get_relation(database=plan.database, schema=plan.schema, identifier=plan.identifier) is not none -%}
            {%- set planned = run_query("select event_name from " ~ plan).columns[0].values() | list -%}
            {%- for funnel in funnels -%}
                {%- for step in funnel["steps"] if step not in planned -%}
                    {%- do exceptions.warn(
                        "product_analytics: funnel '" ~ funnel["name"] ~ "': step '" ~ step
                        ~ "' is not in the tracking plan (stg_tracking_plan__events, read from tracking_plan_relation); it counts zero entities unless the event occurs"
                    ) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(funnels) }}
{%- endmacro %}

{#- One funnel of `funnels`, validated and normalised (config_funnels); `names` holds the names seen before it. -#}
{% macro config_funnel(funnel, names, errors=none) -%}
    {%- if funnel is not mapping -%}
        {{ return(product_analytics.config_error("funnels", "a list of mappings with name, steps, window_days, entity_types", funnel, errors)) }}
    {%- endif -%}
    {%- set name = funnel.get("name") -%}
    {%- if name is not string or not modules.re.fullmatch("[A-Za-z0-9_ \-]+", name) -%}
        {{ return(product_analytics.config_error("funnels", "funnels whose name is letters, digits, spaces, - or _", name, errors)) }}
    {%- endif -%}
    {%- set where = "funnel '" ~ name ~ "': " -%}
    {%- if name in names -%}
        {{ return(product_analytics.config_error("funnels", "funnels with distinct names (" ~ where ~ "defined twice)", name, errors)) }}
    {%- endif -%}
    {%- do names.append(name) -%}
    {%- set steps = funnel.get("steps") -%}
    {%- if steps is string or steps is mapping or steps is not iterable or steps | length < 2 or steps | length > 20 -%}
        {{ return(product_analytics.config_error("funnels", where ~ "steps as a list of 2 to 20 event names", steps, errors)) }}
    {%- endif -%}
    {%- for step in steps -%}
        {%- if step is not string or step | trim == "" or "'" in step -%}
            {{ return(product_analytics.config_error("funnels", where ~ "steps that are non-empty event names without quotes", step, errors)) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set window_days = funnel.get("window_days") -%}
    {%- if window_days is not number or window_days is boolean or window_days <= 0 -%}
        {{ return(product_analytics.config_error("funnels", where ~ "window_days, a number of days > 0", window_days, errors)) }}
    {%- endif -%}
    {%- set entity_types = funnel.get("entity_types", ["user", "account"]) -%}
    {%- if entity_types is string or entity_types is not iterable or entity_types | length == 0 -%}
        {{ return(product_analytics.config_error("funnels", where ~ "entity_types, a non-empty list of user and/or account", entity_types, errors)) }}
    {%- endif -%}
    {%- for entity_type in entity_types if entity_type not in ["user", "account"] -%}
        {{ return(product_analytics.config_error("funnels", where ~ "entity_types among user, account", entity_type, errors)) }}
    {%- endfor -%}
    {{ return({
        "name": name,
        "steps": steps | map("trim") | list,
        "window_days": window_days,
        "entity_types": entity_types | unique | list,
    }) }}
{%- endmacro %}

{#- The most steps of any configured funnel: fct_funnel_conversions has step_1_at .. step_<n>_at. -#}
{% macro funnel_max_steps(funnels) -%}
    {%- set lengths = funnels | map(attribute="steps") | map("length") | list -%}
    {{ return(lengths | max if lengths else 2) }}
{%- endmacro %}

{#-
    The step times of one funnel for one entity type, as CTEs ending in `<prefix>_steps`:
    one row per entity that reached step 1, with entity_id, step_1_at .. step_<n>_at (null
    from the first step not reached), step_1_event_id and step_1_account_id (the step 1
    event chosen by (event_at, event_id) and its account). Reads `step_events` (track
    events of resolved users whose name is a step of some funnel), and on DuckDB also
    `funnel_step_lists` (funnel_shared_ctes).
-#}
{% macro funnel_entity_steps(funnel, entity_type, prefix, step_names) -%}
    {%- if product_analytics.funnel_portable() -%}
        {{ product_analytics.default__funnel_entity_steps(funnel, entity_type, prefix, step_names) }}
    {%- else -%}
        {{ adapter.dispatch("funnel_entity_steps", "product_analytics")(funnel, entity_type, prefix, step_names) }}
    {%- endif -%}
{%- endmacro %}

{#- CTEs every funnel reads after `step_events` (none by default); each ends with a comma. -#}
{% macro funnel_shared_ctes(funnels, step_names) -%}
    {%- if not product_analytics.funnel_portable() -%}
        {{ adapter.dispatch("funnel_shared_ctes", "product_analytics")(funnels, step_names) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether `funnel_strategy` asks for the portable SQL (`portable`) rather than the engine's (`auto`). -#}
{% macro funnel_portable(errors=none) -%}
    {%- set strategy = var("funnel_strategy") -%}
    {%- if strategy not in ["auto", "portable"] -%}
        {{ return(product_analytics.config_error("funnel_strategy", "auto or portable", strategy, errors)) }}
    {%- endif -%}
    {{ return(strategy == "portable") }}
{%- endmacro %}

{% macro default__funnel_shared_ctes(funnels, step_names) -%}{%- endmacro %}

{#-
    Portable: step 1 is the first occurrence by row_number; each later step is one join of
    the entities still in the funnel with that step's occurrences, keeping the earliest
    match (one row per entity per step: linear in the occurrences).
-#}
{% macro default__funnel_entity_steps(funnel, entity_type, prefix, step_names) -%}
    {%- set entity_column = "user_id" if entity_type == "user" else "account_id" -%}
    {%- set steps = funnel["steps"] -%}
    {%- for step in steps %}
{{ prefix }}_occurrences_{{ loop.index }} as (
    select
        {{ entity_column }} as entity_id,
        event_at,
        event_id,
        account_id
    from step_events
    where event_name = '{{ step }}' and {{ entity_column }} is not null
),
    {%- endfor %}

{{ prefix }}_step_1 as (
    select
        entity_id,
        event_at as step_1_at,
        event_at as step_at,
        event_id as step_1_event_id,
        account_id as step_1_account_id
    from (
        select
            entity_id,
            event_at,
            event_id,
            account_id,
            row_number() over (partition by entity_id order by event_at, event_id) as occurrence_number
        from {{ prefix }}_occurrences_1
    ) as first_occurrences
    where occurrence_number = 1
),
    {%- for step_number in range(2, steps | length + 1) %}
    {%- set previous = prefix ~ "_step_" ~ (step_number - 1) %}
    {%- set occurrences = prefix ~ "_occurrences_" ~ step_number %}

{{ prefix }}_step_{{ step_number }} as (
    select
        {{ previous }}.entity_id,
        {{ previous }}.step_1_at,
        min({{ occurrences }}.event_at) as step_at
    from {{ previous }}
    inner join {{ occurrences }}
        on
            {{ previous }}.entity_id = {{ occurrences }}.entity_id
            and {{ occurrences }}.event_at {{ ">" if steps[step_number - 1] == steps[step_number - 2] else ">=" }} {{ previous }}.step_at
            and {{ occurrences }}.event_at <= {{ product_analytics.funnel_window_end(previous ~ ".step_1_at", funnel["window_days"]) }}
    group by {{ previous }}.entity_id, {{ previous }}.step_1_at
),
    {%- endfor %}

{{ prefix }}_steps as (
    select
        {{ prefix }}_step_1.entity_id,
        {%- for step_number in range(1, steps | length + 1) %}
        {{ prefix }}_step_{{ step_number }}.step_at as step_{{ step_number }}_at,
        {%- endfor %}
        {{ prefix }}_step_1.step_1_event_id,
        {{ prefix }}_step_1.step_1_account_id
    from {{ prefix }}_step_1
    {%- for step_number in range(2, steps | length + 1) %}
    left join {{ prefix }}_step_{{ step_number }}
        on {{ prefix }}_step_1.entity_id = {{ prefix }}_step_{{ step_number }}.entity_id
    {%- endfor %}
)
{%- endmacro %}

{#-
    DuckDB: one aggregation of the step events per (user, account), shared by every funnel
    and entity type: for each event that starts a funnel, its first (event_at, event_id);
    for each event of a later step, the list of its times. An entity's values are those of
    its (user, account) pairs.
-#}
{% macro duckdb__funnel_shared_ctes(funnels, step_names) -%}
{%- set first_steps = funnels | map(attribute="steps") | map("first") | list -%}
{%- set later_steps = [] -%}
{%- for funnel in funnels %}{% do later_steps.extend(funnel["steps"][1:]) %}{% endfor -%}
{%- set columns = [] -%}
{%- for step in step_names -%}
    {%- if step in first_steps -%}
        {%- do columns.append("min({'at': event_at, 'id': event_id}) filter (where event_name = '" ~ step ~ "') as first_" ~ loop.index) -%}
    {%- endif -%}
    {%- if step in later_steps -%}
        {%- do columns.append("list(event_at) filter (where event_name = '" ~ step ~ "') as times_" ~ loop.index) -%}
    {%- endif -%}
{%- endfor %}
{%- if columns %}
funnel_step_lists as (
    select
        user_id,
        account_id,
        {{ columns | join(",\n        ") }}
    from step_events
    group by user_id, account_id
),
{%- endif %}
{%- endmacro %}

{#-
    DuckDB: step 1 is the smallest (event_at, event_id) of the entity's step 1 events; step k
    is the smallest time in the entity's list for step k's event that is at or after step
    k-1 (strictly after for a repeated event) and within the window: one pass over each
    list, linear in the occurrences, with no join per step.
-#}
{% macro duckdb__funnel_entity_steps(funnel, entity_type, prefix, step_names) -%}
    {%- set entity_column = "user_id" if entity_type == "user" else "account_id" -%}
    {%- set steps = funnel["steps"] -%}
    {%- set first = "first_" ~ (step_names.index(steps[0]) + 1) -%}
    {%- set later_steps = product_analytics.funnel_step_names([{"steps": steps[1:]}]) -%}
{{ prefix }}_step_1 as (
    select
        entity_id,
        first_step.at as step_1_at,
        first_step.id as step_1_event_id,
        step_1_account_id,
        {{ product_analytics.funnel_window_end("first_step.at", funnel["window_days"]) }} as window_end,
        {%- for step in later_steps %}
        times_{{ step_names.index(step) + 1 }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            {{ entity_column }} as entity_id,
            min({{ first }}) as first_step,
            arg_min_null(account_id, {{ first }}) as step_1_account_id,
            {%- for step in later_steps %}
            flatten(list(times_{{ step_names.index(step) + 1 }})) as times_{{ step_names.index(step) + 1 }}{{ "," if not loop.last }}
            {%- endfor %}
        from funnel_step_lists
        where {{ entity_column }} is not null
        group by {{ entity_column }}
        having min({{ first }}) is not null
    ) as entities
),
    {%- for step_number in range(2, steps | length + 1) %}
    {%- set comparison = ">" if steps[step_number - 1] == steps[step_number - 2] else ">=" %}

{{ prefix }}_step_{{ step_number }} as (
    select
        *,
        list_min(list_filter(
            times_{{ step_names.index(steps[step_number - 1]) + 1 }},
            lambda occurred_at: occurred_at {{ comparison }} step_{{ step_number - 1 }}_at and occurred_at <= window_end
        )) as step_{{ step_number }}_at
    from {{ prefix }}_step_{{ step_number - 1 }}
),
    {%- endfor %}

{{ prefix }}_steps as (
    select
        entity_id,
        {%- for step_number in range(1, steps | length + 1) %}
        step_{{ step_number }}_at,
        {%- endfor %}
        step_1_event_id,
        step_1_account_id
    from {{ prefix }}_step_{{ steps | length }}
)
{%- endmacro %}

{#- The distinct step event names of some funnels, in order of first use. -#}
{% macro funnel_step_names(funnels) -%}
    {%- set names = [] -%}
    {%- for funnel in funnels -%}
        {%- for step in funnel["steps"] if step not in names -%}
            {%- do names.append(step) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The end of a funnel's window (inclusive): step_1_at plus window_days. -#}
{% macro funnel_window_end(step_1_at, window_days) -%}
    {{ dbt.dateadd("second", (window_days * 86400) | int, step_1_at) }}
{%- endmacro %}

{#- Fractional seconds from one timestamp to another. -#}
{% macro seconds_between(start_expression, end_expression) -%}
    {{ adapter.dispatch("seconds_between", "product_analytics")(start_expression, end_expression) }}
{%- endmacro %}

{% macro default__seconds_between(start_expression, end_expression) -%}
    cast(extract(epoch from ({{ end_expression }} - {{ start_expression }})) as double precision)
{%- endmacro %}

{% macro duckdb__seconds_between(start_expression, end_expression) -%}
    ((epoch_us({{ end_expression }}) - epoch_us({{ start_expression }})) / 1000000.0)
{%- endmacro %}

{#- The interpolated median (average of the two middle values) of an expression, as an aggregate. -#}
{% macro median(expression) -%}
    {{ adapter.dispatch("median", "product_analytics")(expression) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{#-
    The step metrics of metrics_funnel_steps (by_week false) and metrics_funnel_steps_weekly
    (by_week true, per reporting week of step_1_at): one row per configured step, with
    `entities` reaching it, conversion from the previous step and from step 1, and the
    interpolated median of the seconds from the previous step.
-#}
{% macro funnel_step_metrics(by_week) -%}
    {%- set funnels = product_analytics.config_funnels() -%}
    {%- set max_steps = product_analytics.funnel_max_steps(funnels) -%}
    {%- set groups = ["funnel_name", "entity_type"] + (["cohort_week"] if by_week else []) %}

with

conversions as (
    select
        {%- if by_week %}
        {{ product_analytics.week_start_date(product_analytics.reporting_date("step_1_at")) }} as cohort_week,
        {%- endif %}
        {%- for step_number in range(1, max_steps + 1) %}
        step_{{ step_number }}_at,
        {%- endfor %}
        funnel_name,
        entity_type
    from {{ ref('fct_funnel_conversions') }}
),

configured_steps as (
    {%- for funnel in funnels %}
    {%- set funnel_last = loop.last %}
    {%- for entity_type in funnel["entity_types"] %}
    {%- set entity_last = loop.last %}
    {%- for step in funnel["steps"] %}
    select
        cast('{{ funnel["name"] }}' as {{ dbt.type_string() }}) as funnel_name,
        cast('{{ entity_type }}' as {{ dbt.type_string() }}) as entity_type,
        {{ loop.index }} as step_number,
        cast('{{ step }}' as {{ dbt.type_string() }}) as step_name
    {%- if not (funnel_last and entity_last and loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
    {%- endfor %}
    {%- if not funnels %}
    select
        cast(null as {{ dbt.type_string() }}) as funnel_name,
        cast(null as {{ dbt.type_string() }}) as entity_type,
        0 as step_number,
        cast(null as {{ dbt.type_string() }}) as step_name
    where 1 = 0
    {%- endif %}
),

grid as (
    {%- if by_week %}
    select
        configured_steps.*,
        cohort_weeks.cohort_week
    from configured_steps
    inner join (select distinct funnel_name, entity_type, cohort_week from conversions) as cohort_weeks
        on
            configured_steps.funnel_name = cohort_weeks.funnel_name
            and configured_steps.entity_type = cohort_weeks.entity_type
    {%- else %}
    select * from configured_steps
    {%- endif %}
),

reached_steps as (
    {%- for step_number in range(1, max_steps + 1) %}
    select
        {%- for column in groups %}
        {{ column }},
        {%- endfor %}
        {{ step_number }} as step_number,
        {%- if step_number == 1 %}
        cast(null as double precision) as seconds_from_previous
        {%- else %}
        {{ product_analytics.seconds_between("step_" ~ (step_number - 1) ~ "_at", "step_" ~ step_number ~ "_at") }} as seconds_from_previous
        {%- endif %}
    from conversions
    where step_{{ step_number }}_at is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

step_counts as (
    select
        {%- for column in groups %}
        {{ column }},
        {%- endfor %}
        step_number,
        count(*) as entities,
        {{ product_analytics.median("seconds_from_previous") }} as median_seconds_from_previous
    from reached_steps
    group by {{ groups | join(", ") }}, step_number
),

counted as (
    select
        {%- for column in groups %}
        grid.{{ column }},
        {%- endfor %}
        grid.step_number,
        grid.step_name,
        coalesce(step_counts.entities, 0) as entities,
        step_counts.median_seconds_from_previous
    from grid
    left join step_counts
        on
            {%- for column in groups %}
            grid.{{ column }} = step_counts.{{ column }} and
            {%- endfor %}
            grid.step_number = step_counts.step_number
),

final as (
    select
        {%- for column in groups %}
        {{ column }},
        {%- endfor %}
        step_number,
        step_name,
        cast(entities as {{ dbt.type_bigint() }}) as entities,
        cast(entities as double precision) / nullif(
            lag(entities) over (partition by {{ groups | join(", ") }} order by step_number), 0
        ) as conversion_from_previous,
        cast(entities as double precision) / nullif(
            first_value(entities) over (partition by {{ groups | join(", ") }} order by step_number), 0
        ) as conversion_from_start,
        case when step_number > 1 then median_seconds_from_previous end as median_seconds_from_previous
    from counted
)

select * from final
{%- endmacro %}
