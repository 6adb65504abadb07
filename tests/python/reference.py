"""An independent Python implementation of docs/reference.md sections 1-2 (staging), written from the
words of docs/reference.md rather than from the SQL, to check the dbt models against."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from harness import Warehouse

WHITESPACE = " \t\n\r"
CALL_TYPES = ("tracks", "identifies", "groups", "pages", "screens", "aliases")
IDENTIFIERS = ("user_id", "anonymous_id", "group_id", "previous_id", "context_group_id")
REJECTION = {
    "tracks": "rejected_empty_event_name",
    "groups": "rejected_missing_group_id",
    "aliases": "rejected_incomplete_alias",
}


@dataclass(frozen=True)
class Rules:
    """The package variables the reference honours (defaults as in dbt_project.yml)."""

    tolerance: timedelta = timedelta(minutes=60)
    timezone: str = "UTC"
    dropped: tuple[str, ...] = ("context_ip", "context_page_referrer", "context_page_search", "context_page_title")
    hashed: tuple[str, ...] = ("email",)
    salt: str = ""


def clean_id(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip(WHITESPACE) or None


def read_raw(warehouse: Warehouse, schemas: list[str], call_type: str) -> list[dict[str, Any]]:
    """Every raw row of a call type over the source schemas, with ``source_schema``."""
    rows: list[dict[str, Any]] = []
    for schema in schemas:
        if not warehouse.columns(schema, call_type):
            continue
        for row in warehouse.rows(f"select * from {schema}.{call_type}"):
            row["source_schema"] = schema
            rows.append(row)
    return rows


def event_time(row: dict[str, Any], rules: Rules) -> tuple[datetime, bool]:
    received = row["received_at"]
    if row.get("timestamp") is not None:
        reported = row["timestamp"]
    elif row.get("sent_at") is not None and row.get("original_timestamp") is not None:
        reported = received - (row["sent_at"] - row["original_timestamp"])
    else:
        reported = received
    if reported > received + rules.tolerance:
        return received, True
    return reported, False


def reporting_date(moment: datetime, rules: Rules) -> date:
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(rules.timezone)).date()


def pii_hash(value: Any, rules: Rules) -> str | None:
    if value is None:
        return None
    return hashlib.md5((rules.salt + str(value)).encode("utf-8")).hexdigest()


def _copy_order(row: dict[str, Any]) -> tuple[Any, ...]:
    # Earliest received_at, then uuid_ts, then loaded_at, nulls last; then schema name.
    far = datetime.max
    return (
        row["received_at"] is None,
        row["received_at"] or far,
        row.get("uuid_ts") is None,
        row.get("uuid_ts") or far,
        row.get("loaded_at") is None,
        row.get("loaded_at") or far,
        row["source_schema"],
    )


def _accepted(call_type: str, row: dict[str, Any]) -> bool:
    if row["received_at"] is None:
        return False
    if call_type == "tracks":
        return bool((row.get("event_text") or "").strip(WHITESPACE))
    if call_type == "groups":
        return clean_id(row.get("group_id")) is not None
    if call_type == "aliases":
        previous, user = clean_id(row.get("previous_id")), clean_id(row.get("user_id"))
        return previous is not None and user is not None and previous != user
    return True


def stage(
    raw_rows: list[dict[str, Any]], call_type: str, rules: Rules
) -> tuple[dict[str, dict[str, Any]], Counter[tuple[str, str]]]:
    """The staged messages by id, and raw row counts by (source schema, outcome)."""
    outcomes: Counter[tuple[str, str]] = Counter()
    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in raw_rows:
        message_id = clean_id(row["id"])
        if message_id is None:
            outcomes[(row["source_schema"], "rejected_missing_id")] += 1
        else:
            copies[message_id].append(row)
    staged: dict[str, dict[str, Any]] = {}
    for message_id, rows in copies.items():
        rows = sorted(rows, key=_copy_order)
        kept = rows[0]
        if not _accepted(call_type, kept):
            reason = "rejected_missing_received_at" if kept["received_at"] is None else REJECTION[call_type]
            for row in rows:
                outcomes[(row["source_schema"], reason)] += 1
            continue
        outcomes[(kept["source_schema"], "kept")] += 1
        for row in rows[1:]:
            outcomes[(row["source_schema"], "duplicate")] += 1
        event_at, adjusted = event_time(kept, rules)
        out = {
            "message_id": message_id,
            "source_schema": kept["source_schema"],
            "event_at": event_at,
            "is_event_at_adjusted": adjusted,
            "event_date": reporting_date(event_at, rules),
            "received_at": kept["received_at"],
        }
        for name in IDENTIFIERS:
            if name in kept or name in ("user_id", "anonymous_id", "context_group_id"):
                out[name] = clean_id(kept.get(name))
        if call_type == "tracks":
            out["event_name"] = kept["event_text"].strip(WHITESPACE)
        elif call_type in ("pages", "screens"):
            out["event_name"] = "Page Viewed" if call_type == "pages" else "Screen Viewed"
            out["page_name"] = clean_id(kept.get("name"))
        # Other raw columns (traits, properties) pass through, minus the dropped ones.
        for name, value in kept.items():
            if name not in out and name not in rules.dropped and name not in ("id", "event_text", "name"):
                out[name] = value
        for name in rules.hashed:
            if name in kept:
                out[name] = pii_hash(kept[name], rules)
        if call_type not in ("pages", "screens") and "name" in kept and "name" not in rules.dropped:
            out["name"] = pii_hash(kept["name"], rules) if "name" in rules.hashed else kept["name"]
        staged[message_id] = out
    return staged, outcomes
