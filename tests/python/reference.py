"""An independent Python implementation of docs/reference.md sections 1-2 (staging), written from the
words of docs/reference.md rather than from the SQL, to check the dbt models against."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from harness import Warehouse

WHITESPACE = " \t\n\r"
EXCLUDED_IDS = ("undefined", "null", "none", "nil", "0", "anonymous", "00000000-0000-0000-0000-000000000000")
TIMESTAMPS = ("received_at", "timestamp", "original_timestamp", "sent_at", "uuid_ts", "loaded_at")
DECLARED = (
    ("identifies", "email", "string"),
    ("identifies", "name", "string"),
    ("identifies", "role", "string"),
    ("groups", "name", "string"),
    ("groups", "plan", "string"),
    ("groups", "seats", "integer"),
    ("groups", "projects", "integer"),
    ("groups", "monthly_tracked_users", "integer"),
    ("groups", "analytics_opt_out", "boolean"),
    ("groups", "created_at", "timestamp"),
)
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
    excluded_ids: tuple[str, ...] = EXCLUDED_IDS
    #: Declared types of extra columns per call type (user_traits; account_traits, the opt-out
    #: trait and created_at); every other extra column passes through as the source wrote it.
    declared: tuple[tuple[str, str, str], ...] = DECLARED


def clean_id(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip(WHITESPACE) or None


def known_id(value: Any, rules: Rules) -> str | None:
    """An identifier trimmed, with '' and the placeholders of ``excluded_ids`` (compared
    case-insensitively) as None."""
    cleaned = clean_id(value)
    return None if cleaned is not None and cleaned.lower() in rules.excluded_ids else cleaned


_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?)?"
)


def read_typed(value: Any, kind: str) -> Any:
    """A raw value read as a declared kind (integer, float, boolean, timestamp, string), or
    None when it is not one: docs/reference.md section 2 "Types" and the literal rules of
    docs/decisions.md, written here from those words. Text is trimmed first; datetimes are
    naive UTC (the harness converts zone-aware values)."""
    if value is None:
        return None
    if kind == "string":
        return str(value) if not isinstance(value, str) else value
    if isinstance(value, bool):
        return value if kind == "boolean" else None
    if isinstance(value, datetime):
        return value if kind == "timestamp" else None
    if isinstance(value, int | float | Decimal):
        if kind == "float":
            return float(value)
        if kind == "integer":
            if isinstance(value, int):
                return value
            return int(value) if value == int(value) and abs(value) <= 9.2e18 else None
        return None
    text = str(value).strip(WHITESPACE)
    if kind == "integer":
        if _INTEGER.fullmatch(text) and -(2**63) <= int(text) < 2**63:
            return int(text)
        return None
    if kind == "float":
        if not _FLOAT.fullmatch(text):
            return None
        number = Decimal(text)
        if number == 0:
            return 0.0
        return float(number) if Decimal("1e-300") <= abs(number) <= Decimal("1e300") else None
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower())
    if kind == "timestamp":
        match = _TIMESTAMP.fullmatch(text)
        if not match:
            return None
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        try:
            moment = datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                int((fraction or "0").ljust(6, "0")),
            )
        except ValueError:
            return None
        if offset and offset != "Z":
            digits = offset[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
            if int(digits[:2]) > 23 or int(digits[2:4] or 0) > 59:
                return None
            moment -= timedelta(minutes=minutes if offset[0] == "+" else -minutes)
        return moment
    raise ValueError(f"unknown kind {kind!r}")


def nulled_values(raw_rows: list[dict[str, Any]], call_type: str, rules: Rules) -> Counter[tuple[str, ...]]:
    """Raw values staging reads as null, as dq_segment__nulled_values counts them: keys
    (source schema, column, reason, excluded id or ''), over every raw row."""
    counts: Counter[tuple[str, ...]] = Counter()
    typed = dict.fromkeys(TIMESTAMPS, "timestamp")
    typed.update({name: kind for ct, name, kind in rules.declared if ct == call_type})
    for row in raw_rows:
        schema = row["source_schema"]
        for name in IDENTIFIERS:
            cleaned = clean_id(row.get(name))
            if cleaned is not None and cleaned.lower() in rules.excluded_ids and name not in rules.dropped:
                counts[(schema, name, "excluded_id", cleaned.lower())] += 1
        for name, kind in typed.items():
            if kind != "string" and row.get(name) is not None and name not in rules.dropped:
                if read_typed(row[name], kind) is None:
                    counts[(schema, name, f"unreadable_as_{kind}", "")] += 1
    return counts


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


def _accepted(call_type: str, row: dict[str, Any], rules: Rules) -> bool:
    if row["received_at"] is None:
        return False
    if call_type == "tracks":
        return bool((row.get("event_text") or "").strip(WHITESPACE))
    if call_type == "groups":
        return known_id(row.get("group_id"), rules) is not None
    if call_type == "aliases":
        previous, user = known_id(row.get("previous_id"), rules), known_id(row.get("user_id"), rules)
        return previous is not None and user is not None and previous != user
    return True


def stage(
    raw_rows: list[dict[str, Any]], call_type: str, rules: Rules
) -> tuple[dict[str, dict[str, Any]], Counter[tuple[str, str]]]:
    """The staged messages by id, and raw row counts by (source schema, outcome)."""
    outcomes: Counter[tuple[str, str]] = Counter()
    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    declared = {name: kind for ct, name, kind in rules.declared if ct == call_type}
    raw_rows = [
        {
            name: read_typed(value, "timestamp" if name in TIMESTAMPS else declared[name])
            if name in TIMESTAMPS or name in declared
            else value
            for name, value in row.items()
        }
        for row in raw_rows
    ]
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
        if not _accepted(call_type, kept, rules):
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
                out[name] = known_id(kept.get(name), rules)
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
