{#
    The time spine of the dbt semantic layer (models/semantic/): one row per day of the
    reporting range, the same days every daily mart has a row for. MetricFlow joins cumulative
    metrics (wau, mau, waa, maa) to it, and zero-fills days without activity over it.
#}

with

reporting_days as (
    select * from {{ ref('int_engagement__reporting_days') }}
),

final as (
    select date_day
    from reporting_days
)

select * from final
