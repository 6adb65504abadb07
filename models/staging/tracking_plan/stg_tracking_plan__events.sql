{#
    The tracking plan (docs/reference.md section 6) every model reads: one row per planned Track event,
    from the relation named by `tracking_plan_relation` (default: the package's demo seed
    `tracking_plan`), validated when built (a missing column, an empty event name, an
    unknown category, a counts_as_activity other than true/false, or an event name on two
    rows fails, naming the row and the column) and normalised: text trimmed, category lower
    case, counts_as_activity a boolean.

    A table rather than a view: downstream models read the copy that was validated, not the
    configured relation as it may have changed since.
#}

{{ config(materialized="table") }}

{%- set plan = product_analytics.tracking_plan_relation() %}
{%- do product_analytics.validate_tracking_plan(plan) %}

with

plan_rows as (
    {{ product_analytics.tracking_plan_rows(plan) | indent(4) }}
),

final as (
    select
        event_name,
        category,
        counts_as_activity = 'true' as counts_as_activity,
        required_properties,
        owner,
        why
    from plan_rows
)

select * from final
