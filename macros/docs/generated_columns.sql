{#
    Descriptions of the columns a model generates from variables, which its yml cannot list
    for every configuration: trait columns (`user_traits`, `account_traits`) and funnel step
    columns (`step_<k>_at`, one per step of the longest configured funnel). The yml documents
    the columns of the default configuration; any other generated column gets the description
    built here, written as a column comment in the warehouse catalog (which `dbt docs
    generate` reads), so every mart column is described whatever the configuration.
#}

{#- Post-hook: `comment on column` for each generated column the model's yml does not document. -#}
{% macro comment_on_generated_columns(descriptions) -%}
    {%- set undocumented = {} -%}
    {%- for name, description in descriptions.items() if name not in model.columns -%}
        {%- do undocumented.update({name: {"name": name, "description": description, "quote": true}}) -%}
    {%- endfor -%}
    {%- if undocumented -%}
        {{ alter_column_comment(this, undocumented) }}
    {%- else -%}
        select 1 as no_generated_column_to_describe
    {%- endif -%}
{%- endmacro %}

{#- Column name -> description for each trait of `variable` (user_traits or account_traits). -#}
{% macro trait_column_descriptions(variable, meaning) -%}
    {%- set descriptions = {} -%}
    {%- for trait in product_analytics.config_traits(variable) -%}
        {%- do descriptions.update({trait.name: "Trait `" ~ trait.name ~ "` (" ~ trait.kind ~ ", variable `"
            ~ variable ~ "`): " ~ meaning}) -%}
    {%- endfor -%}
    {{ return(descriptions) }}
{%- endmacro %}

{#- Column name -> description for step_1_at .. step_<n>_at of the configured funnels. -#}
{% macro funnel_step_column_descriptions() -%}
    {%- set descriptions = {} -%}
    {%- set max_steps = product_analytics.funnel_max_steps(product_analytics.config_funnels()) -%}
    {%- for step_number in range(1, max_steps + 1) -%}
        {%- if step_number == 1 -%}
            {%- set description = "Time (UTC) of the entity's first occurrence of step 1 of the funnel. Never null." -%}
        {%- else -%}
            {%- set description = "Time (UTC) the entity first reached step " ~ step_number
                ~ " of the funnel, at or after step " ~ (step_number - 1) ~ " and within the window"
                ~ " (docs/reference.md section 7). Null when it did not, or when the funnel has fewer than "
                ~ step_number ~ " steps." -%}
        {%- endif -%}
        {%- do descriptions.update({"step_" ~ step_number ~ "_at": description}) -%}
    {%- endfor -%}
    {{ return(descriptions) }}
{%- endmacro %}
