{#
    Generic data test: fails with every row for which `expression` is not true (false or
    null). Optional `where` restricts the rows checked.
        data_tests:
          - product_analytics.expression_is_true:
              arguments:
                expression: "dau <= wau and wau <= mau"
#}
{% test expression_is_true(model, expression, column_name=none, where=none) %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
    {%- if where %}
        and ({{ where }})
    {%- endif %}
{% endtest %}
