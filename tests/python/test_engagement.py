"""The engagement and retention marts equal a brute-force Python computation, on both engines."""

from __future__ import annotations

import math
from typing import Any

from harness import Warehouse, as_date
from reference_engagement import build_engagement


def assert_rows_equal(name: str, expected: dict[Any, dict[str, Any]], actual: dict[Any, dict[str, Any]]) -> None:
    assert set(actual) == set(expected), (
        f"{name}: keys differ; missing {sorted(set(expected) - set(actual))[:5]}, "
        f"unexpected {sorted(set(actual) - set(expected))[:5]}"
    )
    mismatches = []
    for key, row in expected.items():
        for column, value in row.items():
            got = actual[key][column]
            same = (
                math.isclose(got, value, rel_tol=1e-9) if isinstance(value, float) and got is not None else got == value
            )
            if not same:
                mismatches.append((key, column, value, got))
    assert not mismatches, f"{name}: {len(mismatches)} values differ, first: {mismatches[:5]}"


def engagement_marts(warehouse: Warehouse) -> dict[str, dict[Any, dict[str, Any]]]:
    return {
        "users_daily": {
            as_date(r["date_day"]): r for r in warehouse.rows("select * from marts.metrics_active_users_daily")
        },
        "accounts_daily": {
            as_date(r["date_day"]): r for r in warehouse.rows("select * from marts.metrics_active_accounts_daily")
        },
        "retention": {
            (r["entity_type"], r["period_grain"], as_date(r["cohort_start"]), r["period_number"]): r
            for r in warehouse.rows("select * from marts.metrics_retention_cohorts")
        },
        "lifecycle": {
            (as_date(r["week_start"]), r["entity_type"]): r
            for r in warehouse.rows("select * from marts.metrics_lifecycle_weekly")
        },
        "stickiness": {
            (as_date(r["month_start"]), r["entity_type"], r["active_days"]): r
            for r in warehouse.rows("select * from marts.metrics_stickiness_monthly")
        },
    }


def test_engagement_marts_equal_reference(built_warehouse: Warehouse) -> None:
    events = built_warehouse.rows("select event_date, user_id, account_id, is_activity from marts.fct_events")
    accounts = built_warehouse.rows("select account_id, first_seen_at from marts.dim_accounts")
    expected = build_engagement(events, accounts)
    actual = engagement_marts(built_warehouse)
    for name in ("users_daily", "accounts_daily", "retention", "lifecycle", "stickiness"):
        assert_rows_equal(name, getattr(expected, name), actual[name])
    # The data exercise what the marts are about.
    assert any(r["power_users"] > 0 for r in expected.users_daily.values())
    assert any(r["multi_user_active_accounts"] > 0 for r in expected.accounts_daily.values())
    assert any(not r["is_complete"] for r in expected.retention.values())
    assert any(r["resurrecting_entities"] > 0 for r in expected.lifecycle.values())
