"""An independent Python implementation of the tracking-plan governance marts (docs/reference.md section 6),
written from the the reference's words and docs/decisions.md rather than from the SQL."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from harness import Warehouse
from reference import CALL_TYPES, WHITESPACE, clean_id

Row = dict[str, Any]
STANDARD_TRACK_COLUMNS = {
    "id",
    "received_at",
    "timestamp",
    "original_timestamp",
    "sent_at",
    "uuid_ts",
    "loaded_at",
    "user_id",
    "anonymous_id",
    "context_group_id",
    "event",
    "event_text",
}


def follows_convention(name: str, convention: str) -> bool:
    """The naming rules of docs/decisions.md, word by word rather than as one pattern."""
    if convention == "none":
        return True
    if convention == "snake_case":
        words = name.split("_")
        return (
            name.isascii()
            and name[:1].isalpha()
            and all(w and all(c.islower() or c.isdigit() for c in w) for w in words)
        )
    if convention == "camelCase":
        if not name[:1].islower() or not name.isascii() or not name.isalnum():
            return False
        return True
    assert convention == "object_action", convention
    words = name.split(" ")
    if len(words) < 2 or any(not w for w in words):
        return False

    def title_word(w: str) -> bool:
        return w[0].isupper() and all(c.islower() or c.isdigit() for c in w[1:])

    def acronym(w: str) -> bool:
        return all(c.isupper() or c.isdigit() for c in w)

    if not all(w.isascii() and w.isalnum() and (title_word(w) or acronym(w)) for w in words):
        return False
    return any(re.search("[A-Z][a-z]", w) for w in words)


def read_plan(path: Path) -> list[Row]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def event_properties(warehouse: Warehouse, schemas: list[str]) -> dict[str, dict[str, bool]]:
    """Per message id: property name (as the warehouse writes it) -> carries a value, over the
    per-event tables of every schema (tables besides the call tables with `id` and `event_text`)."""
    found: dict[str, dict[str, bool]] = defaultdict(dict)
    for schema in schemas:
        tables = [
            r["table_name"]
            for r in warehouse.rows(f"select table_name from information_schema.tables where table_schema = '{schema}'")
        ]
        for table in tables:
            if table.lower() in CALL_TYPES:
                continue
            columns = warehouse.columns(schema, table)
            lower = {c.lower() for c in columns}
            if "id" not in lower or "event_text" not in lower:
                continue
            properties = [
                c for c in columns if c.lower() not in STANDARD_TRACK_COLUMNS and not c.lower().startswith("context_")
            ]
            id_column = next(c for c in columns if c.lower() == "id")
            for row in warehouse.rows(f'select * from {schema}."{table}"'):
                message = clean_id(row[id_column])
                if message is None:
                    continue
                for prop in properties:
                    value = row[prop]
                    has_value = value is not None and str(value).strip(WHITESPACE) != ""
                    found[message][prop] = found[message].get(prop, False) or has_value
    return found


def build_tracking_plan(
    events: list[Row],
    plan: list[Row],
    properties: dict[str, dict[str, bool]],
    event_convention: str = "object_action",
    property_convention: str = "camelCase",
) -> tuple[dict[str, Row], dict[tuple, Row]]:
    """(dq_tracking_plan__events by event_name, dq_tracking_plan__violations_daily by
    (event_date, event_name, source_schema, violation)) from fct_events rows."""
    tracks = [e for e in events if e["event_type"] == "track"]
    planned = {p["event_name"].strip(WHITESPACE): p for p in plan}
    required = {
        name: [part.strip(WHITESPACE) for part in (p["required_properties"] or "").split("|") if part.strip(WHITESPACE)]
        for name, p in planned.items()
    }
    last_day: date | None = max((e["event_date"] for e in events), default=None)
    by_name: dict[str, list[Row]] = defaultdict(list)
    for e in tracks:
        by_name[e["event_name"]].append(e)

    marts: dict[str, Row] = {}
    for name in set(by_name) | set(planned):
        seen = by_name.get(name, [])
        recent = [e for e in seen if last_day is not None and e["event_date"] > last_day - timedelta(days=30)]
        plan_row = planned.get(name)
        if plan_row is None:
            status = "unplanned"
        elif not seen:
            status = "planned_never_seen"
        elif not recent:
            status = "planned_not_seen_last_30d"
        else:
            status = "ok"
        marts[name] = {
            "event_name": name,
            "is_planned": plan_row is not None,
            "category": plan_row["category"] if plan_row else None,
            "owner": plan_row["owner"] if plan_row else None,
            "first_seen_at": min((e["event_at"] for e in seen), default=None),
            "last_seen_at": max((e["event_at"] for e in seen), default=None),
            "events_last_30d": len(recent),
            "users_last_30d": len({e["user_id"] for e in recent if e["user_id"] is not None}),
            "source_schemas": ", ".join(sorted({e["source_schema"] for e in seen})) or None,
            "follows_naming_convention": follows_convention(name, event_convention),
            "status": status,
        }

    groups: dict[tuple, list[Row]] = defaultdict(list)
    for e in tracks:
        groups[(e["event_date"], e["event_name"], e["source_schema"])].append(e)
    violations: dict[tuple, Row] = {}

    def add(key: tuple, violation: str, violating: list[Row], total: int) -> None:
        if violating:
            violations[(*key, violation)] = {
                "violating_events": len(violating),
                "total_events": total,
                "example_message_id": min(e["event_id"] for e in violating),
            }

    for key, group in groups.items():
        name = key[1]
        if name not in planned:
            add(key, "unplanned_event", group, len(group))
        if not follows_convention(name, event_convention):
            add(key, "naming_convention", group, len(group))
        for prop in required.get(name, []):
            missing = [
                e
                for e in group
                if not any(v for p, v in properties.get(e["event_id"], {}).items() if p.lower() == prop.lower())
            ]
            add(key, f"missing_required_property:{prop}", missing, len(group))
        sent = {p for e in group for p, v in properties.get(e["event_id"], {}).items() if v}
        for prop in sent:
            if not follows_convention(prop, property_convention):
                carrying = [e for e in group if properties.get(e["event_id"], {}).get(prop)]
                add(key, f"property_naming_convention:{prop}", carrying, len(group))
    return marts, violations
