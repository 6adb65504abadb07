{#-
    Seeds on Spark (session method). dbt-spark 1.11 puts each seed value into the insert
    between quotes without escaping them, so a value holding an apostrophe (the tracking plan's
    "the account's lifecycle") breaks the statement. This version writes each value as an
    escaped Spark string literal cast to the column's type, null as null.
    dbt finds it when this package is the project dbt runs in; a host project building on
    Spark adds `dispatch: [{macro_namespace: dbt, search_order: [<host>, product_analytics, dbt]}]`
    to its dbt_project.yml to use it (README, "Running on Spark").
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model["config"].get("column_types", {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set type = column_override.get(agate_table.column_names[loop.index0], adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else "") }}
{% endmacro %}
