{#
    The tracking plan (docs/reference.md section 6): which relation holds it, its normalised rows, and
    their validation. Models read the plan only through `stg_tracking_plan__events`.
#}

{#- The columns every tracking plan must have. -#}
{% macro tracking_plan_columns() -%}
    {{ return(["event_name", "category", "counts_as_activity", "required_properties", "owner", "why"]) }}
{%- endmacro %}

{% macro tracking_plan_categories() -%}
    {{ return(["lifecycle", "core", "feature", "error", "system"]) }}
{%- endmacro %}

{#-
    The relation named by `tracking_plan_relation`: null -> the package's demo seed
    `tracking_plan`; a bare name such as 'tracking_plan' or 'my_plan' -> that seed or model
    of the project dbt runs in (the host project when installed as a package); a dotted
    name 'schema.table' or 'database.schema.table' -> that warehouse table or view. With
    `errors` (check_configuration, before any seed is loaded) only the name is checked,
    and none returned for a seed or model.
-#}
{% macro tracking_plan_relation(errors=none) -%}
    {%- set name = product_analytics.config_relation_name("tracking_plan_relation", allow_ref_name=true, errors=errors) -%}
    {%- if name is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set parts = name["parts"] -%}
    {%- if parts | length > 1 -%}
        {{ return(product_analytics.config_warehouse_relation("tracking_plan_relation", parts, errors)) }}
    {%- endif -%}
    {%- if errors is not none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(ref(project_name, parts[0]) if parts else ref("product_analytics", "tracking_plan")) }}
{%- endmacro %}

{#-
    The plan's rows with its columns read as trimmed text: event_name, category (lower
    case), counts_as_activity ('true', 'false' or anything else the plan holds, lower case),
    required_properties, owner, why (null when empty). One select.
-#}
{% macro tracking_plan_rows(relation) -%}
    select
        {%- for column in product_analytics.tracking_plan_columns() %}
            {%- set text = product_analytics.trim_whitespace("cast(" ~ adapter.quote(column) ~ " as " ~ dbt.type_string() ~ ")") %}
            {%- if column in ["category", "counts_as_activity"] %}
        nullif(lower({{ text }}), '') as {{ column }}{{ "," if not loop.last }}
            {%- else %}
        nullif({{ text }}, '') as {{ column }}{{ "," if not loop.last }}
            {%- endif %}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}

{#-
    Fails, naming the plan, each faulty row (by its event name) and column, when the plan
    lacks a column, has a row without an event name, a category outside
    tracking_plan_categories(), a counts_as_activity other than true/false, or an event
    name on several rows. Checked when the plan's relation exists (not while dbt parses,
    nor in unit tests, whose inputs are fixtures).
-#}
{% macro validate_tracking_plan(relation) -%}
    {%- if not execute or "__dbt__cte__" in relation | string -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if found is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set required = product_analytics.tracking_plan_columns() -%}
    {%- set names = adapter.get_columns_in_relation(found) | map(attribute="name") | map("lower") | list -%}
    {%- set where = "product_analytics: the tracking plan " ~ relation ~ " (variable tracking_plan_relation: "
        ~ (var("tracking_plan_relation") | tojson) ~ ")" -%}
    {%- for column in required if column not in names -%}
        {{ exceptions.raise_compiler_error(
            where ~ " has no column '" ~ column ~ "'; a tracking plan needs the columns " ~ required | join(", ")
        ) }}
    {%- endfor -%}
    {%- set categories = product_analytics.tracking_plan_categories() -%}
    {%- set rows = run_query(product_analytics.tracking_plan_rows(relation)) -%}
    {%- set problems = [] -%}
    {%- set seen = {} -%}
    {%- for row in rows -%}
        {%- if row["event_name"] is none -%}
            {%- set label = "a row without event name (category " ~ (row["category"] | tojson) ~ ", owner " ~ (row["owner"] | tojson) ~ ")" -%}
            {%- do problems.append(label ~ ": column 'event_name' is empty") -%}
        {%- else -%}
            {%- set label = "row '" ~ row["event_name"] ~ "'" -%}
            {%- do seen.update({row["event_name"]: seen.get(row["event_name"], 0) + 1}) -%}
        {%- endif -%}
        {%- if row["category"] not in categories -%}
            {%- do problems.append(label ~ ": column 'category' is " ~ (row["category"] | tojson) ~ ", expected one of " ~ categories | join(", ")) -%}
        {%- endif -%}
        {%- if row["counts_as_activity"] not in ["true", "false"] -%}
            {%- do problems.append(label ~ ": column 'counts_as_activity' is " ~ (row["counts_as_activity"] | tojson) ~ ", expected true or false") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name, count in seen.items() if count > 1 -%}
        {%- do problems.append("row '" ~ name ~ "': column 'event_name' repeats on " ~ count ~ " rows; each event is planned once") -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            where ~ " is malformed:\n  - " ~ problems | join("\n  - ") ~ "\nFix these rows of " ~ relation ~ ", then run dbt build again."
        ) }}
    {%- endif -%}
{%- endmacro %}

{#-
    Of `event_names` (a list of event names a variable configures), those the tracking plan
    (stg_tracking_plan__events, read from tracking_plan_relation) does not list, in the given
    order: a misspelt name counts nothing, silently, so the models reading such a variable warn
    about these. [] while dbt parses, in unit tests (the plan is a fixture) and before the plan
    is built. A model calling it declares `-- depends_on: {{ ref('stg_tracking_plan__events') }}`.
-#}
{% macro unplanned_events(event_names) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set plan = ref("stg_tracking_plan__events") -%}
    {%- if "__dbt__cte__" in plan | string
        or adapter.get_relation(database=plan.database, schema=plan.schema, identifier=plan.identifier) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set planned = run_query("select event_name from " ~ plan).columns[0].values() | list -%}
    {{ return(event_names | reject("in", planned) | list) }}
{%- endmacro %}

{#-
    Warns, for each of event_names the tracking plan lacks: "product_analytics: <subject> is not in
    the tracking plan (...); <consequence>", `{}` in subject standing for the event's name. No
    query when event_names is empty.
-#}
{% macro warn_unplanned_events(event_names, subject, consequence) -%}
    {%- for event in (product_analytics.unplanned_events(event_names) if event_names else []) -%}
        {%- do exceptions.warn(
            "product_analytics: " ~ subject.replace("{}", event) ~ " is not in the tracking plan"
            ~ " (stg_tracking_plan__events, read from tracking_plan_relation); " ~ consequence
        ) -%}
    {%- endfor -%}
{%- endmacro %}
