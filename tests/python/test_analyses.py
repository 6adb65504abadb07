"""The shipped analyses (analyses/*.sql) compile, run, and answer their question correctly.

Each analysis is compiled by dbt, run against the built test warehouse on both engines, and
compared with an independent Python computation from the rows of the core marts.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from harness import DEMO_VARS, ROOT, Warehouse, as_date

PAYING = {"team", "business"}
ANALYSES = sorted(p.stem for p in (ROOT / "analyses").glob("*.sql"))


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture(scope="module")
def analysis_results(built_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    target = tmp_path_factory.mktemp("analyses_target")
    built_warehouse.dbt("compile", "--select", "resource_type:analysis", "--target-path", str(target), vars=DEMO_VARS)
    compiled = target / "compiled" / "product_analytics" / "analyses"
    return {path.stem: built_warehouse.rows(path.read_text()) for path in sorted(compiled.glob("*.sql"))}


def _events(warehouse: Warehouse) -> list[dict[str, Any]]:
    return warehouse.rows(
        "select event_at, event_date, event_type, event_name, user_id, account_id, is_activity from marts.fct_events"
    )


def test_every_analysis_is_checked(analysis_results: dict[str, list[dict]]) -> None:
    assert set(analysis_results) == set(ANALYSES)
    checked = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(ANALYSES) - {"identity_stitching_summary"} <= checked


def test_companies_over_mau_limit(built_warehouse: Warehouse, analysis_results: dict[str, list[dict]]) -> None:
    accounts = built_warehouse.rows("select account_id, monthly_tracked_users from marts.dim_accounts")
    expected = sorted(
        (a for a in accounts if a["monthly_tracked_users"] is not None and a["monthly_tracked_users"] > 1000),
        key=lambda a: (-a["monthly_tracked_users"], a["account_id"]),
    )
    actual = analysis_results["companies_over_mau_limit"]
    assert [(r["account_id"], r["over_limit_by"]) for r in actual] == [
        (a["account_id"], a["monthly_tracked_users"] - 1000) for a in expected
    ]
    assert 0 < len(expected) < len(accounts)


def test_paying_companies_with_few_reports(built_warehouse: Warehouse, analysis_results: dict[str, list[dict]]) -> None:
    events = _events(built_warehouse)
    last_day = max(as_date(e["event_date"]) for e in events)
    reports: dict[str, int] = defaultdict(int)
    for e in events:
        if (
            e["event_type"] == "track"
            and e["event_name"] == "Opened Report"
            and e["user_id"] is not None
            and as_date(e["event_date"]) > last_day - timedelta(days=30)
        ):
            reports[e["account_id"]] += 1
    accounts = built_warehouse.rows("select account_id, plan from marts.dim_accounts")
    expected = {a["account_id"]: reports[a["account_id"]] for a in accounts if a["plan"] in PAYING}
    expected = {k: v for k, v in expected.items() if v < 20}
    actual = {
        r["account_id"]: r["reports_opened_last_30d"] for r in analysis_results["paying_companies_with_few_reports"]
    }
    assert actual == expected
    assert expected and any(v > 0 for v in expected.values())


def test_retention_groups_vs_no_groups(built_warehouse: Warehouse, analysis_results: dict[str, list[dict]]) -> None:
    events = _events(built_warehouse)
    last_day = max(as_date(e["event_date"]) for e in events)
    active_weeks: dict[str, set[date]] = defaultdict(set)
    group_users = set()
    for e in events:
        if e["account_id"] is None or e["user_id"] is None:
            continue
        if e["is_activity"]:
            active_weeks[e["account_id"]].add(_week(as_date(e["event_date"])))
        if e["event_type"] == "track" and e["event_name"] == "Created Group":
            group_users.add(e["account_id"])
    counts: dict[tuple[bool, int], list[int]] = defaultdict(lambda: [0, 0])
    for account, weeks in active_weeks.items():
        week = cohort = min(weeks)
        while week + timedelta(days=6) <= last_day:
            cell = counts[(account in group_users, (week - cohort).days // 7)]
            cell[0] += 1
            cell[1] += week in weeks
            week += timedelta(days=7)
    actual = {
        (r["uses_groups"], r["period_number"]): (r["cohort_accounts"], r["retained_accounts"], r["retention_rate"])
        for r in analysis_results["retention_groups_vs_no_groups"]
    }
    assert set(actual) == set(counts)
    for key, (accounts, retained) in counts.items():
        assert actual[key][:2] == (accounts, retained), key
        assert math.isclose(actual[key][2], retained / accounts)
    assert {uses for uses, _ in counts} == {True, False}


def test_feature_usage_paying_vs_free(built_warehouse: Warehouse, analysis_results: dict[str, list[dict]]) -> None:
    events = _events(built_warehouse)
    last_day = max(as_date(e["event_date"]) for e in events)
    features = {
        r["event_name"]
        for r in built_warehouse.rows("select event_name from staging.tracking_plan where category = 'feature'")
    }
    segment = {
        a["account_id"]: "paying" if a["plan"] in PAYING else "free"
        for a in built_warehouse.rows("select account_id, plan from marts.dim_accounts")
    }
    sizes = {s: sum(1 for v in segment.values() if v == s) for s in ("paying", "free")}
    using: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for e in events:
        if (
            e["event_type"] == "track"
            and e["user_id"] is not None
            and e["account_id"] in segment
            and e["event_name"] in features
            and as_date(e["event_date"]) > last_day - timedelta(days=30)
        ):
            key = (segment[e["account_id"]], e["event_name"])
            using[key].add(e["account_id"])
            counts[key] += 1
    expected = []
    for seg in sorted({s for s, _ in using}):
        ranked = sorted((k for k in using if k[0] == seg), key=lambda k: (-len(using[k]), -counts[k], k[1]))
        expected += [(seg, rank, k[1], len(using[k]), sizes[seg], counts[k]) for rank, k in enumerate(ranked, 1)]
    actual = [
        (r["segment"], r["usage_rank"], r["feature"], r["companies_using"], r["companies_in_segment"], r["events"])
        for r in analysis_results["feature_usage_paying_vs_free"]
    ]
    assert actual == expected
    assert {row[0] for row in expected} == {"paying", "free"}


def test_accounts_dropped_healthy_to_at_risk(
    built_warehouse: Warehouse, analysis_results: dict[str, list[dict]]
) -> None:
    tiers = {
        (r["account_id"], as_date(r["date_day"])): r["health_tier"]
        for r in built_warehouse.rows(
            "select account_id, date_day, health_tier from marts.metrics_account_health_daily"
        )
    }
    last_day = max(day for _, day in tiers)
    drops: dict[str, date] = {}
    for (account, day), tier in tiers.items():
        if (
            tier == "At Risk"
            and tiers.get((account, day - timedelta(days=1))) == "Healthy"
            and day > last_day - timedelta(days=30)
        ):
            drops[account] = max(day, drops.get(account, day))
    actual = {
        r["account_id"]: as_date(r["dropped_on"]) for r in analysis_results["accounts_dropped_healthy_to_at_risk"]
    }
    assert actual == drops
    assert drops


def test_time_to_first_value_by_signup_week(
    built_warehouse: Warehouse, analysis_results: dict[str, list[dict]]
) -> None:
    events = _events(built_warehouse)
    signed_up: dict[str, datetime] = {}
    for e in events:
        if e["event_type"] == "track" and e["event_name"] == "Signed Up" and e["user_id"] is not None:
            if e["user_id"] not in signed_up or e["event_at"] < signed_up[e["user_id"]]:
                signed_up[e["user_id"]] = e["event_at"]
    first_value: dict[str, datetime] = {}
    for e in events:
        user = e["user_id"]
        if (
            e["event_type"] == "track"
            and e["event_name"] == "Sent Project Data"
            and user in signed_up
            and e["event_at"] >= signed_up[user]
            and (user not in first_value or e["event_at"] < first_value[user])
        ):
            first_value[user] = e["event_at"]
    weeks: dict[date, list[float | None]] = defaultdict(list)
    for user, at in signed_up.items():
        seconds = (first_value[user] - at).total_seconds() if user in first_value else None
        weeks[_week(at.date())].append(seconds)
    actual = {as_date(r["signup_week"]): r for r in analysis_results["time_to_first_value_by_signup_week"]}
    assert set(actual) == set(weeks)
    for week, values in weeks.items():
        reached = [v for v in values if v is not None]
        row = actual[week]
        assert (row["signups"], row["reached_value"]) == (len(values), len(reached))
        if reached:
            assert math.isclose(row["median_hours_to_value"], statistics.median(reached) / 3600, rel_tol=1e-9)
        else:
            assert row["median_hours_to_value"] is None
    assert sum(len([v for v in values if v is not None]) for values in weeks.values()) > 10
