"""The raw tables the demo generator writes, in the Segment warehouse schema (docs/reference.md section 1).

Two collector sources land in separate schemas, as Segment does it: a web source (browser
library: pages, client-side tracks, identifies, groups, aliases, and a per-event table per
track event holding its properties) and a backend source (server library: server-side tracks, identifies and
groups; no pages, screens or aliases tables, and no ``anonymous_id`` column). No source has a
``screens`` table. Columns that a source never sends do not exist, as in a real warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

WEB_SCHEMA = "segment_web"
BACKEND_SCHEMA = "segment_backend"
DEMO_SCHEMAS = (WEB_SCHEMA, BACKEND_SCHEMA)

#: SQL type of a raw column, by name; anything not listed is text.
COLUMN_TYPES: dict[str, str] = {
    "received_at": "timestamptz",
    "sent_at": "timestamptz",
    "timestamp": "timestamptz",
    "original_timestamp": "timestamptz",
    "uuid_ts": "timestamptz",
    "loaded_at": "timestamptz",
    "created_at": "timestamptz",
    "seats": "bigint",
    "projects": "bigint",
    "monthly_tracked_users": "bigint",
    "analytics_opt_out": "boolean",
    "event_count": "bigint",
}

#: Per-table exceptions to COLUMN_TYPES: the web source writes `seats` as text (its SDK sends
#: what the user typed, 'unlimited' included) while the backend writes a BIGINT.
TABLE_COLUMN_TYPES: dict[tuple[str, str], dict[str, str]] = {(WEB_SCHEMA, "groups"): {"seats": "varchar"}}

_WEB_TIMES = ("received_at", "sent_at", "timestamp", "original_timestamp", "uuid_ts")
_BACKEND_TIMES = _WEB_TIMES + ("loaded_at",)
_WEB_CONTEXT = ("context_ip", "context_library_name", "context_library_version")
_PAGE_CONTEXT = (
    "context_page_url",
    "context_page_path",
    "context_page_title",
    "context_page_referrer",
    "context_page_search",
)


@dataclass(frozen=True)
class RawTable:
    """One raw table of one source schema, with its columns in write order."""

    schema: str
    name: str
    columns: tuple[str, ...]

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


WEB_TRACK_COLUMNS = (
    ("id",)
    + _WEB_TIMES
    + ("event", "event_text", "user_id", "anonymous_id", "context_group_id")
    + _WEB_CONTEXT
    + _PAGE_CONTEXT
)

BACKEND_TRACK_COLUMNS = (
    ("id",) + _BACKEND_TIMES + ("event", "event_text", "user_id", "context_group_id", "context_library_name")
)

#: Per-event tables (docs/reference.md section 1): the track's columns plus one column per property, as
#: the warehouse loader writes them (snake_case). Each demo event sends the properties the
#: tracking plan requires (made up by the generator's PROPERTY_VALUES), with these defects:
#: `started_subscription` never got a `billing_interval` column, and `viewed_onboarding_tip`
#: (an unplanned event) comes from a loader that keeps camelCase (`tipId`).
EVENT_PROPERTIES: dict[tuple[str, str], tuple[str, ...]] = {
    (WEB_SCHEMA, "signed_up"): ("type",),
    (WEB_SCHEMA, "created_organization"): ("organization_name",),
    (WEB_SCHEMA, "invited_user"): ("invitee_role",),
    (WEB_SCHEMA, "created_project"): ("project_id",),
    (WEB_SCHEMA, "opened_report"): ("report_type",),
    (WEB_SCHEMA, "created_dashboard"): ("dashboard_id",),
    (WEB_SCHEMA, "shared_dashboard"): ("dashboard_id",),
    (WEB_SCHEMA, "enabled_integration"): ("integration_name",),
    (WEB_SCHEMA, "created_group"): ("group_name",),
    (WEB_SCHEMA, "exported_data"): ("format",),
    (WEB_SCHEMA, "error_displayed"): ("error_code",),
    (WEB_SCHEMA, "viewed_onboarding_tip"): ("tipId",),
    (BACKEND_SCHEMA, "sent_project_data"): ("project_id", "event_count"),
    (BACKEND_SCHEMA, "started_subscription"): ("plan",),
}

TABLES: dict[tuple[str, str], RawTable] = {
    (t.schema, t.name): t
    for t in (
        RawTable(WEB_SCHEMA, "tracks", WEB_TRACK_COLUMNS),
        *(
            RawTable(schema, name, (WEB_TRACK_COLUMNS if schema == WEB_SCHEMA else BACKEND_TRACK_COLUMNS) + properties)
            for (schema, name), properties in EVENT_PROPERTIES.items()
        ),
        RawTable(
            WEB_SCHEMA,
            "pages",
            ("id",)
            + _WEB_TIMES
            + ("user_id", "anonymous_id", "name", "path", "url", "title", "referrer", "search")
            + _WEB_CONTEXT
            + _PAGE_CONTEXT,
        ),
        RawTable(
            WEB_SCHEMA,
            "identifies",
            ("id",) + _WEB_TIMES + ("user_id", "anonymous_id", "email", "name", "role", "created_at") + _WEB_CONTEXT,
        ),
        RawTable(
            WEB_SCHEMA,
            "groups",
            ("id",)
            + _WEB_TIMES
            + ("user_id", "anonymous_id", "group_id", "name", "plan", "seats", "created_at")
            + _WEB_CONTEXT,
        ),
        RawTable(
            WEB_SCHEMA,
            "aliases",
            ("id",) + _WEB_TIMES + ("previous_id", "user_id", "context_library_name"),
        ),
        RawTable(BACKEND_SCHEMA, "tracks", BACKEND_TRACK_COLUMNS),
        RawTable(
            BACKEND_SCHEMA,
            "identifies",
            ("id",) + _BACKEND_TIMES + ("user_id", "email", "role", "context_library_name"),
        ),
        RawTable(
            BACKEND_SCHEMA,
            "groups",
            ("id",)
            + _BACKEND_TIMES
            + (
                "user_id",
                "group_id",
                "plan",
                "seats",
                "projects",
                "monthly_tracked_users",
                "analytics_opt_out",
                "context_library_name",
            ),
        ),
    )
}

#: Tables whose rows are Segment calls (what "events" counts); per-event tables are extra copies.
CALL_TABLES = ("tracks", "pages", "identifies", "groups", "aliases", "screens")


def column_type(column: str, table: RawTable | None = None) -> str:
    """SQL type of a raw column of ``table`` (same names on DuckDB and PostgreSQL)."""
    if table is not None and column in TABLE_COLUMN_TYPES.get((table.schema, table.name), {}):
        return TABLE_COLUMN_TYPES[(table.schema, table.name)][column]
    return COLUMN_TYPES.get(column, "varchar")
