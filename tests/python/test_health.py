"""Account health equals a brute-force Python computation, on both engines."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from harness import Warehouse, as_date
from reference_health import HealthSettings, build_health, tier

COMPONENTS = ("breadth", "frequency", "adoption", "momentum")
COUNTS = (
    "member_count",
    "active_users",
    "active_user_days",
    "features_used",
    "recent_activity_events",
    "previous_activity_events",
)


def _local(moment: datetime, timezone: str) -> datetime:
    """A naive UTC time as the naive wall-clock time of the reporting time zone."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def expected_health(
    warehouse: Warehouse, features: set[str] | None = None, timezone: str = "UTC"
) -> dict[tuple[str, date], dict[str, Any]]:
    """Health from the built core marts and the plan's feature events (default: the demo seed's),
    with days in the reporting time zone."""
    events = warehouse.rows(
        "select event_date, event_type, event_name, user_id, account_id, is_activity from marts.fct_events"
    )
    memberships = [
        {**row, "first_grouped_at": _local(row["first_grouped_at"], timezone)}
        for row in warehouse.rows("select account_id, first_grouped_at from marts.fct_account_memberships")
    ]
    accounts = [
        {**row, "first_seen_at": _local(row["first_seen_at"], timezone)}
        for row in warehouse.rows("select account_id, first_seen_at from marts.dim_accounts")
    ]
    if features is None:
        features = {
            r["event_name"]
            for r in warehouse.rows("select event_name from staging.tracking_plan where category = 'feature'")
        }
    return build_health(events, memberships, accounts, features)


def health_mismatches(warehouse: Warehouse, expected: dict[tuple[str, date], dict[str, Any]]) -> list[Any]:
    """(key, column, expected, actual) for every value of metrics_account_health_daily that differs."""
    actual = {
        (r["account_id"], as_date(r["date_day"])): r
        for r in warehouse.rows("select * from marts.metrics_account_health_daily")
    }
    assert set(actual) == set(expected), (
        f"keys differ: missing {sorted(set(expected) - set(actual))[:5]}, "
        f"unexpected {sorted(set(actual) - set(expected))[:5]}"
    )
    settings = HealthSettings()
    mismatches = []
    for key, row in expected.items():
        got = actual[key]
        for column in COUNTS:
            if got[column] != row[column]:
                mismatches.append((key, column, row[column], got[column]))
        for column in COMPONENTS:
            if not math.isclose(got[column], row[column], rel_tol=1e-9, abs_tol=1e-12):
                mismatches.append((key, column, row[column], got[column]))
        # Decimal rounding in SQL vs binary rounding here may differ by one unit in the 4th place.
        if not math.isclose(got["health_score"], row["health_score"], abs_tol=1.0001e-4):
            mismatches.append((key, "health_score", row["health_score"], got["health_score"]))
        if got["health_tier"] != tier(got["health_score"], settings):
            mismatches.append((key, "health_tier", tier(got["health_score"], settings), got["health_tier"]))
    return mismatches


def test_health_equals_reference(built_warehouse: Warehouse) -> None:
    expected = expected_health(built_warehouse)
    mismatches = health_mismatches(built_warehouse, expected)
    assert not mismatches, f"{len(mismatches)} values differ, first: {mismatches[:5]}"
    # The generated data exercise every tier and component range.
    assert {row["health_tier"] for row in expected.values()} == {"Healthy", "At Risk", "Critical"}
    assert any(0 < row["momentum"] < 1 for row in expected.values())
    assert any(0 < row["breadth"] < 1 for row in expected.values())


def test_dim_accounts_carries_current_and_earlier_health(built_warehouse: Warehouse) -> None:
    health = {
        (r["account_id"], as_date(r["date_day"])): r
        for r in built_warehouse.rows(
            "select account_id, date_day, health_score, health_tier from marts.metrics_account_health_daily"
        )
    }
    last_day = max(day for _, day in health)
    accounts = built_warehouse.rows(
        "select account_id, health_score, health_tier, health_tier_30_days_ago from marts.dim_accounts"
    )
    assert accounts
    for account in accounts:
        current = health.get((account["account_id"], last_day))
        earlier = health.get((account["account_id"], last_day - timedelta(days=30)))
        assert account["health_score"] == (current["health_score"] if current else None)
        assert account["health_tier"] == (current["health_tier"] if current else None)
        assert account["health_tier_30_days_ago"] == (earlier["health_tier"] if earlier else None)
    assert any(a["health_tier_30_days_ago"] not in (None, a["health_tier"]) for a in accounts)
