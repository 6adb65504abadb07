{#
    Every linked anonymous id with the user its events belong to: the user of its first
    link, resolved through aliases. Anonymous ids never linked are absent and stay anonymous.
#}

with

links as (
    select * from {{ ref('int_identity__anonymous_links') }}
),

aliases as (
    select * from {{ ref('int_identity__aliases_resolved') }}
),

final as (
    select
        links.anonymous_id,
        coalesce(aliases.user_id, links.linked_user_id) as user_id,
        links.linked_user_id,
        links.linked_at
    from links
    left join aliases
        on links.linked_user_id = aliases.alias_id
)

select * from final
