{#
    Rolling-window counts without a per-day cross join of entities.

    An entity counts on day t when it has at least `min_days` active days in the
    `window_days` days ending t (inclusive). Between two consecutive active days d_i and
    d_(i+1) of an entity, its active days up to t are fixed, so it counts on the days
    t in [d_i, min(d_(i+1), d_(i-min_days+1) + window_days)): the (min_days-1)-th active day
    before d_i is still in the window until then. Each such stretch is one +1 at its start
    and one -1 at its end, and the count on day t is the running sum of these changes up to t.
    Cost: one window pass over the (entity, active day) rows; nothing per calendar day.

    `entity_days` holds distinct (entity columns..., date_day) rows. The result has the
    `keep_columns` (a subset of the entity columns), `change_day` and `delta` (+1/-1).
-#}
{% macro window_membership_changes(entity_days, entity_columns, window_days, min_days=1, keep_columns=[]) -%}
    {%- set partition = entity_columns | join(", ") -%}
    select
        {%- for column in keep_columns %}
        stretches.{{ column }},
        {%- endfor %}
        case when signs.delta = 1 then stretches.start_day else stretches.end_day end as change_day,
        signs.delta
    from (
        select
            {%- for column in keep_columns %}
            ordered_days.{{ column }},
            {%- endfor %}
            ordered_days.date_day as start_day,
            case
                when
                    ordered_days.next_day is not null
                    and ordered_days.next_day < {{ product_analytics.add_days("ordered_days.earliest_needed_day", window_days) }}
                    then ordered_days.next_day
                else {{ product_analytics.add_days("ordered_days.earliest_needed_day", window_days) }}
            end as end_day
        from (
            select
                {%- for column in keep_columns %}
                {{ entity_days }}.{{ column }},
                {%- endfor %}
                {{ entity_days }}.date_day,
                lead({{ entity_days }}.date_day) over (
                    partition by {{ partition }} order by {{ entity_days }}.date_day
                ) as next_day,
                {%- if min_days == 1 %}
                {{ entity_days }}.date_day as earliest_needed_day
                {%- else %}
                lag({{ entity_days }}.date_day, {{ min_days - 1 }}) over (
                    partition by {{ partition }} order by {{ entity_days }}.date_day
                ) as earliest_needed_day
                {%- endif %}
            from {{ entity_days }}
        ) as ordered_days
        where
            ordered_days.earliest_needed_day is not null
            and {{ product_analytics.add_days("ordered_days.earliest_needed_day", window_days) }} > ordered_days.date_day
    ) as stretches
    cross join (select 1 as delta union all select -1 as delta) as signs
{%- endmacro %}

{#- The running total of a daily change column over the reporting days (missing changes are 0). -#}
{% macro running_total(change_column, day_column, partition_by=none) -%}
    sum(coalesce({{ change_column }}, 0)) over (
        {%- if partition_by %}partition by {{ partition_by }} {% endif -%}
        order by {{ day_column }} rows between unbounded preceding and current row
    )
{%- endmacro %}
