{#
    One row per configured funnel, entity type, entity and step the entity reached, from
    fct_funnel_conversions: the single input of the funnel step metrics (overall and by
    week). cohort_week is the reporting week (starting on `week_start`) of step_1_at;
    seconds_from_previous the time from the previous step (null at step 1).
#}

{%- set max_steps = product_analytics.funnel_max_steps(product_analytics.config_funnels()) %}

with

conversions as (
    select * from {{ ref('fct_funnel_conversions') }}
),

reached_steps as (
    {%- for step_number in range(1, max_steps + 1) %}
    select
        funnel_name,
        entity_type,
        entity_id,
        {{ product_analytics.week_start_date(product_analytics.reporting_date("step_1_at")) }} as cohort_week,
        {{ step_number }} as step_number,
        step_{{ step_number }}_at as reached_at,
        {%- if step_number == 1 %}
        cast(null as {{ product_analytics.type_double() }}) as seconds_from_previous
        {%- else %}
        {{ product_analytics.seconds_between("step_" ~ (step_number - 1) ~ "_at", "step_" ~ step_number ~ "_at") }}
            as seconds_from_previous
        {%- endif %}
    from conversions
    where step_{{ step_number }}_at is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from reached_steps
