{#
    Generic data test: the columns together identify each row (no null part, no repeat).
        data_tests:
          - product_analytics.unique_key:
              arguments:
                columns: [entity_type, period_grain, cohort_start, period_number]
#}
{% test unique_key(model, columns) %}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        count(*) as copies
    from {{ model }}
    group by {{ columns | join(", ") }}
    having
        count(*) > 1
        {%- for column in columns %}
        or {{ column }} is null
        {%- endfor %}
{% endtest %}
