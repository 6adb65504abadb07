"""Tracking-plan governance (docs/reference.md section 6): the marts equal an independent Python computation
on the generated data, on both engines, and the plan's tests fail a build only when their
severity says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import load_generated, make_warehouse
from harness import DEMO_VARS, ROOT, Warehouse
from reference_core import build_core, normalise
from reference_tracking_plan import build_tracking_plan, event_properties, follows_convention, read_plan

from product_analytics.generator import GeneratorConfig

SCHEMAS = DEMO_VARS["segment_schemas"]


def test_governance_marts_equal_reference(built_warehouse: Warehouse) -> None:
    events = list(build_core(built_warehouse, SCHEMAS).fct_events.values())
    expected_events, expected_violations = build_tracking_plan(
        events,
        read_plan(ROOT / "seeds" / "tracking_plan.csv"),
        event_properties(built_warehouse, SCHEMAS),
        property_convention=DEMO_VARS["property_naming_convention"],
    )
    actual_events = {r["event_name"]: r for r in built_warehouse.rows("select * from marts.dq_tracking_plan__events")}
    assert set(actual_events) == set(expected_events)
    mismatches = [
        (name, column, value, normalise(actual_events[name][column]))
        for name, row in expected_events.items()
        for column, value in row.items()
        if normalise(actual_events[name][column]) != value
    ]
    assert not mismatches, mismatches[:5]
    actual_violations = {
        (r["event_date"], r["event_name"], r["source_schema"], r["violation"]): {
            k: r[k] for k in ("violating_events", "total_events", "example_message_id")
        }
        for r in built_warehouse.rows("select * from marts.dq_tracking_plan__violations_daily")
    }
    assert set(actual_violations) == set(expected_violations), (
        sorted(set(expected_violations) - set(actual_violations))[:5],
        sorted(set(actual_violations) - set(expected_violations))[:5],
    )
    assert actual_violations == expected_violations
    # The demo's defects are all reported (see GOVERNANCE_DEFECTS in the generator).
    statuses = {name: row["status"] for name, row in expected_events.items()}
    assert statuses["Viewed Onboarding Tip"] == statuses["Shared dashboard"] == "unplanned"
    assert statuses["Exported Data"] == "planned_not_seen_last_30d"
    assert statuses["Cancelled Subscription"] == "planned_never_seen"
    kinds = {key[3] for key in expected_violations}
    assert {
        "unplanned_event",
        "naming_convention",
        "missing_required_property:report_type",
        "missing_required_property:error_code",
        "missing_required_property:billing_interval",
        "property_naming_convention:tipId",
    } <= kinds


@pytest.mark.parametrize(
    ("name", "convention", "follows"),
    [
        ("Signed Up", "object_action", True),
        ("Signed up", "object_action", False),
        ("Signed  Up", "object_action", False),
        ("SSO Enabled", "object_action", True),
        ("SIGNED UP", "object_action", False),
        ("Viewed Step 2", "object_action", True),
        ("signed_up", "snake_case", True),
        ("signed__up", "snake_case", False),
        ("userLogin", "camelCase", True),
        ("user_login", "camelCase", False),
    ],
)
def test_reference_naming_rules(name: str, convention: str, follows: bool) -> None:
    """The reference's rules agree with the decisions' examples (the SQL's are unit-tested)."""
    assert follows_convention(name, convention) is follows


def test_severity_decides_whether_violations_fail_the_build(tmp_path: Path) -> None:
    """The demo data never send the planned Cancelled Subscription: a warning by default, a
    failed build with tracking_plan_test_severity error."""
    warehouse = make_warehouse("duckdb", "severity", tmp_path)
    load_generated(warehouse, GeneratorConfig(events=3_000, seed=3, days=40))
    failing = "tracking_plan_no_planned_event_unseen_30_days"
    output = warehouse.dbt("build", vars=DEMO_VARS)
    assert any(failing in line and "WARN" in line for line in output.splitlines()), output[-3000:]
    with pytest.raises(AssertionError, match=f"Failure in test {failing}"):
        warehouse.dbt(
            "test", "--select", "tag:tracking_plan", vars={**DEMO_VARS, "tracking_plan_test_severity": "error"}
        )
    output = warehouse.dbt(
        "test", "--select", "tag:tracking_plan", vars={**DEMO_VARS, "tracking_plan_test_severity": "warn"}
    )
    assert "ERROR=0" in output
