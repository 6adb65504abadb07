{#
    Rolling-window counts without a per-day cross join of entities.

    An entity counts on day t when it has at least `min_days` active days in the
    `days` days ending t (inclusive). Between two consecutive active days d_i and
    d_(i+1) of an entity, its active days up to t are fixed, so it counts on the days
    t in [d_i, min(d_(i+1), d_(i-min_days+1) + days)): the (min_days-1)-th active day
    before d_i is still in the window until then. Each such stretch is one +1 at its start
    and one -1 at its end, and the count on day t is the running sum of these changes up to t.
    Cost: one window pass over the (entity, active day) rows for all the windows together;
    nothing per calendar day.

    `entity_days` holds distinct (entity columns..., date_day) rows. `windows` is a list of
    {"name", "days", "min_days" (default 1)}. The result has the `keep_columns` (a subset of
    the entity columns), `change_day` and one column per window, named after it, holding
    that window's change on that day (+1, -1 or 0).
-#}
{% macro window_membership_changes(entity_days, entity_columns, windows, keep_columns=[]) -%}
    {%- set partition = entity_columns | join(", ") -%}
    {%- set lags = [] -%}
    {%- for window in windows if window.get("min_days", 1) > 1 and window["min_days"] not in lags -%}
        {%- do lags.append(window["min_days"]) -%}
    {%- endfor -%}
    {%- set stretches = [] -%}
    {%- for window in windows -%}
        {%- set min_days = window.get("min_days", 1) -%}
        {%- set earliest = "ordered_days.date_day" if min_days == 1 else "ordered_days.day_" ~ min_days ~ "_back" -%}
        {%- set window_end = product_analytics.add_days(earliest, window["days"]) -%}
        {%- do stretches.append({
            "name": window["name"],
            "counts": "true" if min_days == 1 else earliest ~ " is not null and " ~ window_end ~ " > ordered_days.date_day",
            "end_day": "case when ordered_days.next_day is not null and ordered_days.next_day < " ~ window_end
                ~ " then ordered_days.next_day else " ~ window_end ~ " end",
        }) -%}
    {%- endfor -%}
    select
        {%- for column in keep_columns %}
        ordered_days.{{ column }},
        {%- endfor %}
        case
            when change_kinds.kind = 0 then ordered_days.date_day
            {%- for stretch in stretches %}
            when change_kinds.kind = {{ loop.index }} then {{ stretch["end_day"] }}
            {%- endfor %}
        end as change_day,
        {%- for stretch in stretches %}
        case
            when change_kinds.kind = 0 and {{ stretch["counts"] }} then 1
            when change_kinds.kind = {{ loop.index }} then -1
            else 0
        end as {{ stretch["name"] }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            {%- for column in keep_columns %}
            {{ entity_days }}.{{ column }},
            {%- endfor %}
            {{ entity_days }}.date_day,
            {%- for lag_days in lags %}
            lag({{ entity_days }}.date_day, {{ lag_days - 1 }}) over (
                partition by {{ partition }} order by {{ entity_days }}.date_day
            ) as day_{{ lag_days }}_back,
            {%- endfor %}
            lead({{ entity_days }}.date_day) over (
                partition by {{ partition }} order by {{ entity_days }}.date_day
            ) as next_day
        from {{ entity_days }}
    ) as ordered_days
    cross join (
        {%- for kind in range(stretches | length + 1) %}
        select {{ kind }} as kind{{ " union all" if not loop.last }}
        {%- endfor %}
    ) as change_kinds
    where
        {%- for stretch in stretches %}
        (change_kinds.kind in (0, {{ loop.index }}) and {{ stretch["counts"] }}){{ " or" if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#- The running total of a daily change column over the reporting days (missing changes are 0). -#}
{% macro running_total(change_column, day_column, partition_by=none) -%}
    sum(coalesce({{ change_column }}, 0)) over (
        {%- if partition_by %}partition by {{ partition_by }} {% endif -%}
        order by {{ day_column }} rows between unbounded preceding and current row
    )
{%- endmacro %}
