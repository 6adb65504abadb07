"""`python -m product_analytics summary` (the end of `make demo`) reports the marts' numbers."""

from __future__ import annotations

import subprocess
import sys

import pytest
from harness import Warehouse


def test_summary_prints_latest_headlines(built_warehouse: Warehouse) -> None:
    if built_warehouse.target != "duckdb":
        pytest.skip("the demo summary reads the DuckDB file")
    output = subprocess.run(
        [sys.executable, "-m", "product_analytics", "summary", "--path", built_warehouse.duckdb_path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    users = built_warehouse.rows("select * from marts.metrics_active_users_daily order by date_day desc limit 1")[0]
    accounts = built_warehouse.rows("select * from marts.metrics_active_accounts_daily order by date_day desc limit 1")[
        0
    ]
    assert f"On the last day of data, {users['date_day']}:" in output
    assert f"users active: {users['dau']:,} that day, {users['wau']:,} in 7 days, {users['mau']:,} in 30 days" in output
    assert f"accounts active: {accounts['daa']:,} of {accounts['total_accounts']:,}" in output
    assert "funnel signup_to_subscription, users: Signed Up" in output
    tiers = built_warehouse.rows(
        "select health_tier, count(*) as accounts from marts.metrics_account_health_daily "
        "where date_day = (select max(date_day) from marts.metrics_account_health_daily) "
        "group by health_tier order by health_tier"
    )
    assert "account health: " + ", ".join(f"{t['health_tier']} {t['accounts']:,}" for t in tiers) in output
    plan = built_warehouse.rows("select event_name, is_planned, status from marts.dq_tracking_plan__events")
    planned = sum(1 for row in plan if row["is_planned"])
    ok = sum(1 for row in plan if row["status"] == "ok")
    assert f"Tracking plan: {planned} planned events, {ok} ok" in output
    unplanned = sorted(row["event_name"] for row in plan if row["status"] == "unplanned")
    assert "  sent but not planned: " + ", ".join(unplanned) in output
    assert "planned, never sent: Cancelled Subscription" in output
