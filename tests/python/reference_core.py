"""An independent Python implementation of docs/reference.md sections 3-5 and the core marts of section 7,
written from the words of docs/reference.md (alias calls applied in time order, as-of account lookups by
scanning), to compare the dbt models with."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from harness import Warehouse
from reference import CALL_TYPES, Rules, read_raw, stage

Row = dict[str, Any]
USER_TRAITS = ("email", "name", "role")
ACCOUNT_TRAITS = ("name", "plan", "seats", "projects", "monthly_tracked_users")


def _order(row: Row) -> tuple[Any, ...]:
    return (row["event_at"], row["received_at"], row["message_id"])


@dataclass
class Core:
    """The four core marts, keyed like the dbt models."""

    fct_events: dict[str, Row] = field(default_factory=dict)
    dim_users: dict[str, Row] = field(default_factory=dict)
    dim_accounts: dict[str, Row] = field(default_factory=dict)
    memberships: dict[tuple[str, str], Row] = field(default_factory=dict)


def resolve_aliases(aliases: list[Row], max_hops: int = 10) -> dict[str, str]:
    """Alias calls applied in time order: the first call for a previous_id wins, and a call
    that would close a cycle of accepted aliases is ignored. Returns id -> end of chain."""
    accepted: dict[str, str] = {}
    for call in sorted(aliases, key=_order):
        previous, target = call["previous_id"], call["user_id"]
        if previous in accepted:
            continue
        node, hops, closes_cycle = target, 0, False
        while node in accepted and hops <= len(accepted):
            node = accepted[node]
            hops += 1
            if node == previous:
                closes_cycle = True
                break
        if target == previous or closes_cycle:
            continue
        accepted[previous] = target
    resolved = {}
    for start in accepted:
        node = start
        for _ in range(max_hops):
            if node not in accepted:
                break
            node = accepted[node]
        resolved[start] = node
    return resolved


def build_core(
    warehouse: Warehouse,
    schemas: list[str],
    rules: Rules | None = None,
    deleted: frozenset[str] = frozenset(),
    plan: dict[str, bool] | None = None,
    signup_event: str = "Signed Up",
) -> Core:
    rules = rules or Rules()
    staged = {c: stage(read_raw(warehouse, schemas, c), c, rules)[0] for c in CALL_TYPES}
    if plan is None:
        plan = {
            row["event_name"]: row["counts_as_activity"]
            for row in warehouse.rows("select event_name, counts_as_activity from staging.tracking_plan")
        }
    aliases = resolve_aliases(list(staged["aliases"].values()))

    def canonical(user_id: str | None) -> str | None:
        return aliases.get(user_id, user_id) if user_id is not None else None

    # First link of every anonymous id, over every call type; an alias call also links its
    # previous_id, read as an anonymous id, to its user id.
    links = [(row.get("anonymous_id"), row) for call_type in CALL_TYPES for row in staged[call_type].values()] + [
        (row["previous_id"], row) for row in staged["aliases"].values()
    ]
    first_link: dict[str, Row] = {}
    for anonymous_id, row in links:
        if anonymous_id and row.get("user_id"):
            current = first_link.get(anonymous_id)
            if current is None or _order(row) < _order(current):
                first_link[anonymous_id] = row
    anonymous_user = {a: canonical(row["user_id"]) for a, row in first_link.items()}

    def resolve(row: Row) -> str | None:
        if row.get("user_id") is not None:
            return canonical(row["user_id"])
        return anonymous_user.get(row.get("anonymous_id"))

    deleted_users = {canonical(u) for u in deleted}

    group_calls = []
    for row in staged["groups"].values():
        group_calls.append({**row, "account_id": row["group_id"], "resolved_user": resolve(row)})
    opt_out_values = sorted(
        (g for g in group_calls if g.get("analytics_opt_out") is not None), key=_order, reverse=True
    )
    latest_opt_out: dict[str, bool] = {}
    for g in opt_out_values:
        latest_opt_out.setdefault(g["account_id"], bool(g["analytics_opt_out"]))
    opted_out = {a for a, value in latest_opt_out.items() if value}

    calls_by_user: dict[str, list[Row]] = defaultdict(list)
    for g in group_calls:
        if g["resolved_user"] is not None:
            calls_by_user[g["resolved_user"]].append(g)
    for calls in calls_by_user.values():
        calls.sort(key=_order)

    core = Core()
    for call_type, event_type in (("tracks", "track"), ("pages", "page"), ("screens", "screen")):
        for row in staged[call_type].values():
            user_id = resolve(row)
            account_id = row.get("context_group_id")
            if account_id is None and user_id is not None and calls_by_user.get(user_id):
                calls = calls_by_user[user_id]
                before = [g for g in calls if g["event_at"] <= row["event_at"]]
                account_id = (before[-1] if before else calls[0])["account_id"]
            if user_id in deleted_users or account_id in opted_out:
                continue
            is_activity = user_id is not None and (event_type != "track" or plan.get(row["event_name"], True))
            core.fct_events[row["message_id"]] = {
                "event_id": row["message_id"],
                "event_at": row["event_at"],
                "event_date": row["event_date"],
                "received_at": row["received_at"],
                "event_name": row["event_name"],
                "event_type": event_type,
                "page_name": row.get("page_name"),
                "user_id": user_id,
                "anonymous_id": row.get("anonymous_id"),
                "account_id": account_id,
                "is_activity": is_activity,
                "is_event_at_adjusted": row["is_event_at_adjusted"],
                "source_schema": row["source_schema"],
            }

    events = list(core.fct_events.values())
    last_day: date = max(e["event_date"] for e in events)
    window_start = last_day - timedelta(days=29)

    # dim_users
    identifies_by_user: dict[str, list[Row]] = defaultdict(list)
    for row in staged["identifies"].values():
        user = resolve(row)
        if user is not None:
            identifies_by_user[user].append(row)
    member_calls = [g for g in group_calls if g["resolved_user"] is not None and g["account_id"] not in opted_out]
    for event in events:
        user = event["user_id"]
        if user is None:
            continue
        entry = core.dim_users.setdefault(
            user,
            {
                "user_id": user,
                "first_seen_at": event["event_at"],
                "last_seen_at": event["event_at"],
                "signed_up_at": None,
                "is_active_last_30d": False,
            },
        )
        entry["first_seen_at"] = min(entry["first_seen_at"], event["event_at"])
        entry["last_seen_at"] = max(entry["last_seen_at"], event["event_at"])
        if event["event_type"] == "track" and event["event_name"] == signup_event:
            if entry["signed_up_at"] is None or event["event_at"] < entry["signed_up_at"]:
                entry["signed_up_at"] = event["event_at"]
        if event["is_activity"] and event["event_date"] >= window_start:
            entry["is_active_last_30d"] = True
    for user, entry in core.dim_users.items():
        calls = sorted(identifies_by_user.get(user, []), key=_order, reverse=True)
        for trait in USER_TRAITS:
            entry[trait] = next((c[trait] for c in calls if c.get(trait) is not None), None)
        mine = sorted((g for g in member_calls if g["resolved_user"] == user), key=_order)
        entry["primary_account_id"] = mine[-1]["account_id"] if mine else None
        entry["account_count"] = len({g["account_id"] for g in mine})

    # memberships and dim_accounts
    live_calls = [
        g for g in group_calls if g["resolved_user"] not in deleted_users and g["account_id"] not in opted_out
    ]
    for g in live_calls:
        if g["resolved_user"] is None:
            continue
        key = (g["account_id"], g["resolved_user"])
        entry = core.memberships.setdefault(
            key,
            {
                "account_id": key[0],
                "user_id": key[1],
                "first_grouped_at": g["event_at"],
                "last_grouped_at": g["event_at"],
            },
        )
        entry["first_grouped_at"] = min(entry["first_grouped_at"], g["event_at"])
        entry["last_grouped_at"] = max(entry["last_grouped_at"], g["event_at"])
    calls_by_account: dict[str, list[Row]] = defaultdict(list)
    for g in live_calls:
        calls_by_account[g["account_id"]].append(g)
    events_by_account: dict[str, list[Row]] = defaultdict(list)
    for event in events:
        if event["account_id"] is not None:
            events_by_account[event["account_id"]].append(event)
    for account in set(calls_by_account) | set(events_by_account):
        calls = sorted(calls_by_account.get(account, []), key=_order)
        account_events = events_by_account.get(account, [])
        times = [g["event_at"] for g in calls] + [e["event_at"] for e in account_events]
        newest_first = list(reversed(calls))
        entry: Row = {"account_id": account}
        for trait in ACCOUNT_TRAITS:
            entry[trait] = next((c[trait] for c in newest_first if c.get(trait) is not None), None)
        created = next((c["created_at"] for c in newest_first if c.get("created_at") is not None), None)
        entry["created_at"] = created if created is not None else (calls[0]["event_at"] if calls else None)
        entry["first_seen_at"] = min(times)
        entry["last_seen_at"] = max(times)
        entry["member_count"] = len({g["resolved_user"] for g in calls if g["resolved_user"] is not None})
        entry["active_users_last_30d"] = len(
            {e["user_id"] for e in account_events if e["is_activity"] and e["event_date"] >= window_start}
        )
        core.dim_accounts[account] = entry
    return core


def normalise(value: Any) -> Any:
    """Values as both engines return them, for comparison."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value
