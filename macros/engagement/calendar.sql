{#
    Calendar helpers for the daily, weekly and monthly metrics. Dates are reporting days
    (docs/reference.md section 2); weeks start on `week_start` (monday by default).
#}

{#- A date plus a whole number of days, as a date on every engine. -#}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd("day", days, date_expression) }} as date)
{%- endmacro %}

{#- The first day of the reporting week holding a date. -#}
{% macro week_start_date(date_expression) -%}
    {%- if product_analytics.week_start() == "monday" -%}
        cast({{ dbt.date_trunc("week", date_expression) }} as date)
    {%- else -%}
        {#- ISO weeks start on Monday; a Sunday week is the ISO week of the next day, less a day. -#}
        {{ product_analytics.add_days(dbt.date_trunc("week", product_analytics.add_days(date_expression, 1)), -1) }}
    {%- endif -%}
{%- endmacro %}

{% macro month_start_date(date_expression) -%}
    cast({{ dbt.date_trunc("month", date_expression) }} as date)
{%- endmacro %}

{#- The first day of the period of `grain` ('week' or 'month') holding a date. -#}
{% macro period_start_date(grain, date_expression) -%}
    {%- if grain == "week" -%}
        {{ product_analytics.week_start_date(date_expression) }}
    {%- else -%}
        {{ product_analytics.month_start_date(date_expression) }}
    {%- endif -%}
{%- endmacro %}

{#- Whole periods of `grain` from one period start to another. -#}
{% macro periods_between(grain, start_expression, end_expression) -%}
    {%- if grain == "week" -%}
        cast({{ dbt.datediff(start_expression, end_expression, "day") }} / 7 as {{ dbt.type_int() }})
    {%- else -%}
        cast({{ dbt.datediff(start_expression, end_expression, "month") }} as {{ dbt.type_int() }})
    {%- endif -%}
{%- endmacro %}

{#- The start of the period `number` periods after a period start. -#}
{% macro add_periods(grain, start_expression, number) -%}
    {%- if grain == "week" -%}
        {{ product_analytics.add_days(start_expression, "7 * (" ~ number ~ ")") }}
    {%- else -%}
        cast({{ dbt.dateadd("month", number, start_expression) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- One row per day from `start_column` to `end_column` (inclusive) of a one-row relation, as `date_day`. -#}
{% macro day_series(bounds_relation, start_column, end_column) -%}
    {{ adapter.dispatch("day_series", "product_analytics")(bounds_relation, start_column, end_column) }}
{%- endmacro %}

{% macro default__day_series(bounds_relation, start_column, end_column) -%}
    select cast(days.date_day as date) as date_day
    from {{ bounds_relation }}
    cross join lateral generate_series(
        cast({{ bounds_relation }}.{{ start_column }} as timestamp),
        cast({{ bounds_relation }}.{{ end_column }} as timestamp),
        interval '1 day'
    ) as days (date_day)
{%- endmacro %}

{% macro duckdb__day_series(bounds_relation, start_column, end_column) -%}
    select cast(unnest(generate_series(
        cast({{ bounds_relation }}.{{ start_column }} as timestamp),
        cast({{ bounds_relation }}.{{ end_column }} as timestamp),
        interval 1 day
    )) as date) as date_day
    from {{ bounds_relation }}
{%- endmacro %}

{% macro spark__day_series(bounds_relation, start_column, end_column) -%}
    select explode(sequence(
        cast({{ bounds_relation }}.{{ start_column }} as date),
        cast({{ bounds_relation }}.{{ end_column }} as date),
        interval 1 day
    )) as date_day
    from {{ bounds_relation }}
{%- endmacro %}

{#- The integers first..last as a relation with column `number` (small, fixed ranges). -#}
{% macro number_series(first, last) -%}
    {%- for number in range(first, last + 1) %}
    select {{ number }} as number
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
