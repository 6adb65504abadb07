{#-
    The step metrics of metrics_funnel_steps (groups funnel_name, entity_type) and
    metrics_funnel_steps_weekly (groups funnel_name, entity_type, cohort_week), as one select
    over two relations or CTEs:
    - `steps`: the rows the metrics must have, one per group and configured step, with the
      `groups` columns, step_number and step_name;
    - `reached_steps`: rows of int_funnel_steps__reached (the `groups` columns, step_number,
      seconds_from_previous), one per entity and step it reached.
    One row per row of `steps`, with its `groups` columns, step_number, step_name and
    - entities: the entities reaching the step (0 when none), bigint;
    - conversion_from_previous: entities / the previous step's; null at step 1 and when the
      previous step has none;
    - conversion_from_start: entities / step 1's; null when step 1 has none;
    - median_seconds_from_previous: the interpolated median of seconds_from_previous over the
      entities reaching the step; null at step 1 and when none.
-#}
{% macro funnel_step_metrics(steps, reached_steps, groups) -%}
    with

    step_counts as (
        select
            {%- for column in groups %}
            {{ column }},
            {%- endfor %}
            step_number,
            count(*) as entities,
            {{ product_analytics.percentile_cont("seconds_from_previous", 0.5) }} as median_seconds_from_previous
        from {{ reached_steps }}
        group by {{ groups | join(", ") }}, step_number
    ),

    -- Every row of `steps`, reached by some entity or not.
    counted as (
        select
            {%- for column in groups %}
            expected_steps.{{ column }},
            {%- endfor %}
            expected_steps.step_number,
            expected_steps.step_name,
            coalesce(step_counts.entities, 0) as entities,
            step_counts.median_seconds_from_previous
        from {{ steps }} as expected_steps
        left join step_counts
            on
                expected_steps.step_number = step_counts.step_number
                {%- for column in groups %}
                and expected_steps.{{ column }} = step_counts.{{ column }}
                {%- endfor %}
    ),

    step_metrics as (
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

    select * from step_metrics
{%- endmacro %}
