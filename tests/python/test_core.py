"""The core marts (docs/reference.md sections 3-5, 7) equal an independent Python computation, on both engines."""

from __future__ import annotations

from typing import Any

import pytest
from harness import DEMO_VARS, Warehouse, target_dir
from reference_core import build_core, normalise

SCHEMAS = DEMO_VARS["segment_schemas"]


def _diff(name: str, expected: dict[Any, dict[str, Any]], actual: dict[Any, dict[str, Any]]) -> None:
    assert set(actual) == set(expected), (
        f"{name}: keys differ; missing {sorted(set(expected) - set(actual))[:5]}, "
        f"unexpected {sorted(set(actual) - set(expected))[:5]}"
    )
    mismatches = [
        (key, column, value, normalise(actual[key].get(column)))
        for key, row in expected.items()
        for column, value in row.items()
        if normalise(actual[key].get(column)) != normalise(value)
    ]
    assert not mismatches, f"{name}: {len(mismatches)} values differ, first: {mismatches[:5]}"


def core_marts(warehouse: Warehouse) -> dict[str, dict[Any, dict[str, Any]]]:
    return {
        "fct_events": {r["event_id"]: r for r in warehouse.rows("select * from marts.fct_events")},
        "dim_users": {r["user_id"]: r for r in warehouse.rows("select * from marts.dim_users")},
        "dim_accounts": {r["account_id"]: r for r in warehouse.rows("select * from marts.dim_accounts")},
        "memberships": {
            (r["account_id"], r["user_id"]): r for r in warehouse.rows("select * from marts.fct_account_memberships")
        },
    }


def test_core_marts_equal_reference(built_warehouse: Warehouse) -> None:
    expected = build_core(built_warehouse, SCHEMAS)
    actual = core_marts(built_warehouse)
    _diff("fct_events", expected.fct_events, actual["fct_events"])
    _diff("dim_users", expected.dim_users, actual["dim_users"])
    _diff("dim_accounts", expected.dim_accounts, actual["dim_accounts"])
    _diff("fct_account_memberships", expected.memberships, actual["memberships"])
    # The data exercise what the marts are about.
    events = expected.fct_events.values()
    assert any(e["user_id"] and not e["anonymous_id"] for e in events)
    assert any(e["user_id"] is None for e in events), "no never-linked anonymous events"
    assert any(not e["is_activity"] and e["user_id"] for e in events), "no non-activity events"
    assert any(u["account_count"] > 1 for u in expected.dim_users.values()), "no user in several accounts"


def test_a_signup_event_missing_from_the_plan_warns(built_warehouse: Warehouse) -> None:
    """A misspelt signup_event leaves dim_users.signed_up_at null for every user: the run warns
    naming it (found by a user trying `signup_event: Signed up`, which ran without a word)."""
    if built_warehouse.target != "duckdb":
        pytest.skip("configuration handling is engine-independent")
    try:
        output = built_warehouse.dbt("run", "--select", "dim_users", vars={**DEMO_VARS, "signup_event": "Signed up"})
        assert "signup_event 'Signed up' is not in the tracking plan" in " ".join(output.split()), output[-3000:]
        assert not built_warehouse.rows("select user_id from marts.dim_users where signed_up_at is not null")
    finally:
        output = built_warehouse.dbt("run", "--select", "dim_users", vars=DEMO_VARS)
    assert "is not in the tracking plan" not in output
    assert built_warehouse.rows("select user_id from marts.dim_users where signed_up_at is not null")


def test_an_activity_override_missing_from_the_plan_warns(built_warehouse: Warehouse) -> None:
    """A misspelt name in activity_events or non_activity_events changes no event's is_activity:
    compiling fct_events warns naming it and its variable; a planned name does not warn."""
    if built_warehouse.target != "duckdb":
        pytest.skip("configuration handling is engine-independent")
    overrides = {"activity_events": ["Sent project data"], "non_activity_events": ["Invited User", "Viewed Page"]}
    output = " ".join(built_warehouse.dbt("compile", "--select", "fct_events", vars={**DEMO_VARS, **overrides}).split())
    assert "'Sent project data' in activity_events is not in the tracking plan" in output, output[-3000:]
    assert "'Viewed Page' in non_activity_events is not in the tracking plan" in output, output[-3000:]
    assert "'Invited User' in non_activity_events" not in output


def test_identity_analysis_answers_from_the_marts(built_warehouse: Warehouse) -> None:
    """analyses/identity_stitching_summary.sql compiles and agrees with the reference."""
    built_warehouse.dbt("compile", "--select", "identity_stitching_summary", vars=DEMO_VARS)
    compiled = next((target_dir() / "compiled").rglob("identity_stitching_summary.sql")).read_text()
    answer = {row["identity_source"]: row["events"] for row in built_warehouse.rows(compiled)}
    expected = build_core(built_warehouse, SCHEMAS).fct_events.values()
    assert answer["anonymous, never linked"] == sum(1 for e in expected if e["user_id"] is None)
    assert sum(answer.values()) == len(expected)
    assert answer["anonymous, stitched to a user"] > 0
