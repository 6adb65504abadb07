{#
    Funnels (docs/reference.md section 7): the `funnels` and `funnel_strategy` variables, validated here
    and nowhere else, and what the funnel models derive from them.
#}

{#-
    The `funnels` variable, validated: a list of {name, steps, window_days, entity_types}
    (entity_types defaults to [user, account]; step names are trimmed). Fails naming the
    funnel and the problem (with `errors`, appends it and returns none: config_error). With
    warn_unplanned_steps (fct_funnel_conversions only, so the warning shows once per run),
    warns for a step the tracking plan does not list (a step absent from the data yields
    zeros, not an error).
-#}
{% macro config_funnels(errors=none, warn_unplanned_steps=false) -%}
    {%- set value = var("funnels") -%}
    {%- if value is string or value is mapping or value is not iterable -%}
        {{ return(product_analytics.config_error("funnels", "a list of funnels ({name, steps, window_days, entity_types})", value, errors)) }}
    {%- endif -%}
    {%- set funnels = [] -%}
    {%- set names = [] -%}
    {%- for funnel in value -%}
        {%- set checked = product_analytics.config_funnel(funnel, names, errors) -%}
        {%- if checked is not none -%}
            {%- do funnels.append(checked) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if funnels | length < value | length -%}
        {{ return(none) }}
    {%- endif -%}
    {#- Checked once the plan is built (not by check_configuration, which passes `errors`; the models declare the dependency); unit tests render it as a CTE fixture (nothing to query). -#}
    {%- if warn_unplanned_steps and errors is none -%}
        {%- for funnel in funnels -%}
            {%- do product_analytics.warn_unplanned_events(
                funnel["steps"], "funnel '" ~ funnel["name"] ~ "': step '{}'", "it counts zero entities unless the event occurs"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(funnels) }}
{%- endmacro %}

{#- One funnel of `funnels`, validated and normalised (config_funnels); `names` holds the names seen before it. -#}
{% macro config_funnel(funnel, names, errors=none) -%}
    {%- if funnel is not mapping -%}
        {{ return(product_analytics.config_error("funnels", "a list of mappings with name, steps, window_days, entity_types", funnel, errors)) }}
    {%- endif -%}
    {%- set name = funnel.get("name") -%}
    {%- if name is not string or not modules.re.fullmatch("[A-Za-z0-9_ \-]+", name) -%}
        {{ return(product_analytics.config_error("funnels", "funnels whose name is letters, digits, spaces, - or _", name, errors)) }}
    {%- endif -%}
    {%- set where = "funnel '" ~ name ~ "': " -%}
    {%- if name in names -%}
        {{ return(product_analytics.config_error("funnels", "funnels with distinct names (" ~ where ~ "defined twice)", name, errors)) }}
    {%- endif -%}
    {%- do names.append(name) -%}
    {%- set steps = funnel.get("steps") -%}
    {%- if steps is string or steps is mapping or steps is not iterable or steps | length < 2 or steps | length > 20 -%}
        {{ return(product_analytics.config_error("funnels", where ~ "steps as a list of 2 to 20 event names", steps, errors)) }}
    {%- endif -%}
    {%- for step in steps -%}
        {%- if step is not string or step | trim == "" or "'" in step -%}
            {{ return(product_analytics.config_error("funnels", where ~ "steps that are non-empty event names without quotes", step, errors)) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set window_days = funnel.get("window_days") -%}
    {%- if window_days is not number or window_days is boolean or window_days <= 0 -%}
        {{ return(product_analytics.config_error("funnels", where ~ "window_days, a number of days > 0", window_days, errors)) }}
    {%- endif -%}
    {%- set entity_types = funnel.get("entity_types", ["user", "account"]) -%}
    {%- if entity_types is string or entity_types is not iterable or entity_types | length == 0 -%}
        {{ return(product_analytics.config_error("funnels", where ~ "entity_types, a non-empty list of user and/or account", entity_types, errors)) }}
    {%- endif -%}
    {%- for entity_type in entity_types if entity_type not in ["user", "account"] -%}
        {{ return(product_analytics.config_error("funnels", where ~ "entity_types among user, account", entity_type, errors)) }}
    {%- endfor -%}
    {{ return({
        "name": name,
        "steps": steps | map("trim") | list,
        "window_days": window_days,
        "entity_types": entity_types | unique | list,
    }) }}
{%- endmacro %}

{#- `funnel_strategy`, validated: `auto` (the engine's step matching) or `portable` (the default SQL on every engine). -#}
{% macro config_funnel_strategy(errors=none) -%}
    {{ return(product_analytics.config_choice("funnel_strategy", ["auto", "portable"], errors, expected="auto or portable")) }}
{%- endmacro %}

{#- The most steps of any configured funnel: fct_funnel_conversions has step_1_at .. step_<n>_at (2 when there is no funnel). -#}
{% macro funnel_max_steps(funnels) -%}
    {%- set lengths = funnels | map(attribute="steps") | map("length") | list -%}
    {{ return(lengths | max if lengths else 2) }}
{%- endmacro %}

{#- The distinct step event names of some funnels, in order of first use. -#}
{% macro funnel_step_names(funnels) -%}
    {%- set names = [] -%}
    {%- for funnel in funnels -%}
        {%- for step in funnel["steps"] if step not in names -%}
            {%- do names.append(step) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#-
    The configured steps as rows: one select with funnel_name, entity_type, step_number
    (1 .. the funnel's steps) and step_name, one row per funnel, entity type and step (no
    rows when no funnel is configured).
-#}
{% macro funnel_configured_steps(funnels) -%}
    {%- for funnel in funnels %}
    {%- set funnel_last = loop.last %}
    {%- for entity_type in funnel["entity_types"] %}
    {%- set entity_last = loop.last %}
    {%- for step in funnel["steps"] %}
    select
        cast('{{ funnel["name"] }}' as {{ dbt.type_string() }}) as funnel_name,
        cast('{{ entity_type }}' as {{ dbt.type_string() }}) as entity_type,
        {{ loop.index }} as step_number,
        cast('{{ step }}' as {{ dbt.type_string() }}) as step_name
    {%- if not (funnel_last and entity_last and loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
    {%- endfor %}
    {%- if not funnels %}
    select
        cast(null as {{ dbt.type_string() }}) as funnel_name,
        cast(null as {{ dbt.type_string() }}) as entity_type,
        0 as step_number,
        cast(null as {{ dbt.type_string() }}) as step_name
    where 1 = 0
    {%- endif %}
{%- endmacro %}
