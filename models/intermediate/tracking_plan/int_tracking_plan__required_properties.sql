{#
    The properties the tracking plan requires, one row per planned event and property: the
    plan's `required_properties` split on `|`, each name trimmed, empty names dropped (a plan
    row without required properties has no row here). A plan row lists at most 100.
#}

with

tracking_plan as (
    select * from {{ ref('stg_tracking_plan__events') }}
),

-- Positions 1..100 of a `|`-separated list.
positions as (
    {%- for position in range(1, 101) %}
    select {{ position }} as list_position
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

listed_properties as (
    select
        tracking_plan.event_name,
        -- split_part itself, not dbt.split_part: dbt-postgres's macro only takes a constant position.
        {{ product_analytics.trim_whitespace("split_part(tracking_plan.required_properties, '|', positions.list_position)") }} as property_name
    from tracking_plan
    inner join positions
        on
            positions.list_position
            <= {{ dbt.length('tracking_plan.required_properties') }}
            - {{ dbt.length(dbt.replace('tracking_plan.required_properties', "'|'", "''")) }} + 1
    where tracking_plan.required_properties is not null
),

final as (
    select distinct
        event_name,
        property_name
    from listed_properties
    where property_name <> ''
)

select * from final
