"""An independent, brute-force Python computation of account health (docs/reference.md section 7).

Input: rows of fct_events, fct_account_memberships and int_accounts__lifespans (the core
marts are checked against reference_core elsewhere) and the tracking plan's feature events.
Every account and day is computed from scratch with sets over the window's days: no
running sums, nothing shared with the SQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from harness import as_date

Row = dict[str, Any]


@dataclass
class HealthSettings:
    weights: dict[str, float] = field(
        default_factory=lambda: {"breadth": 0.30, "frequency": 0.30, "adoption": 0.25, "momentum": 0.15}
    )
    window_days: int = 30
    frequency_target_days: int = 20
    momentum_days: int = 14
    healthy: float = 70
    at_risk: float = 40


def tier(score: float, settings: HealthSettings) -> str:
    if score > settings.healthy:
        return "Healthy"
    if score > settings.at_risk:
        return "At Risk"
    return "Critical"


def build_health(
    events: list[Row],
    memberships: list[Row],
    accounts: list[Row],
    feature_events: set[str],
    settings: HealthSettings | None = None,
) -> dict[tuple[str, date], Row]:
    """Rows of metrics_account_health_daily keyed by (account_id, date_day); UTC days."""
    s = settings or HealthSettings()
    if not events:
        return {}
    first_data_day = min(as_date(e["event_date"]) for e in events)
    last_data_day = max(as_date(e["event_date"]) for e in events)

    active_users_by_day: dict[tuple[str, date], set[str]] = defaultdict(set)
    activity_count: dict[tuple[str, date], int] = defaultdict(int)
    features_by_day: dict[tuple[str, date], set[str]] = defaultdict(set)
    for e in events:
        if e["account_id"] is None or e["user_id"] is None:
            continue
        key = (e["account_id"], as_date(e["event_date"]))
        if e["is_activity"]:
            active_users_by_day[key].add(e["user_id"])
            activity_count[key] += 1
        if e["event_type"] == "track" and e["event_name"] in feature_events:
            features_by_day[key].add(e["event_name"])
    member_days: dict[str, list[date]] = defaultdict(list)
    for m in memberships:
        member_days[m["account_id"]].append(as_date(m["first_grouped_at"]))

    result: dict[tuple[str, date], Row] = {}
    for account in accounts:
        account_id = account["account_id"]
        day = max(as_date(account["first_seen_at"]), first_data_day)
        while day <= last_data_day:
            window = [day - timedelta(days=n) for n in range(s.window_days)]
            user_days = [(u, d) for d in window for u in active_users_by_day.get((account_id, d), ())]
            users = {u for u, _ in user_days}
            features = set().union(*(features_by_day.get((account_id, d), set()) for d in window))
            members = sum(1 for d in member_days[account_id] if d <= day)
            recent = sum(activity_count.get((account_id, day - timedelta(days=n)), 0) for n in range(s.momentum_days))
            previous = sum(
                activity_count.get((account_id, day - timedelta(days=n)), 0)
                for n in range(s.momentum_days, 2 * s.momentum_days)
            )
            breadth = min(1.0, len(users) / members) if members else 0.0
            frequency = min(1.0, len(user_days) / len(users) / s.frequency_target_days) if users else 0.0
            adoption = len(features) / len(feature_events) if feature_events else 0.0
            if previous:
                momentum = min(1.0, recent / previous)
            else:
                momentum = 1.0 if recent else 0.0
            weighted = (
                s.weights["breadth"] * breadth
                + s.weights["frequency"] * frequency
                + s.weights["adoption"] * adoption
                + s.weights["momentum"] * momentum
            )
            score = round(100 * weighted, 4)
            result[(account_id, day)] = {
                "member_count": members,
                "active_users": len(users),
                "active_user_days": len(user_days),
                "features_used": len(features),
                "recent_activity_events": recent,
                "previous_activity_events": previous,
                "breadth": breadth,
                "frequency": frequency,
                "adoption": adoption,
                "momentum": momentum,
                "health_score": score,
                "health_tier": tier(score, s),
            }
            day += timedelta(days=1)
    return result
