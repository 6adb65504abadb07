{#
    Generic data test: a date column holds every day from its first to its last value, each
    once (a zero-filled daily series has no gaps). Fails with one row describing the gap.
#}
{% test consecutive_days(model, column_name) %}
    select *
    from (
        select
            count(*) as days,
            count(distinct {{ column_name }}) as distinct_days,
            {{ dbt.datediff("min(" ~ column_name ~ ")", "max(" ~ column_name ~ ")", "day") }} + 1 as days_in_range
        from {{ model }}
        having count(*) > 0
    ) as series
    where series.days != series.days_in_range or series.distinct_days != series.days
{% endtest %}
