"""The funnel marts equal a brute-force Python computation on generated data, on both engines,
with the default funnel and a second one of 4 steps repeating an event; the DuckDB fast path
(per-entity lists of step times) equals the portable SQL."""

from __future__ import annotations

from typing import Any

import pytest
from harness import DEMO_VARS, Warehouse, as_date
from reference_funnels import funnel_conversions, funnel_steps
from test_engagement import assert_rows_equal

FUNNELS = [
    {
        "name": "signup_to_subscription",
        "steps": ["Signed Up", "Sent Project Data", "Started Subscription"],
        "window_days": 30,
        "entity_types": ["user", "account"],
    },
    {
        "name": "report_habit",
        "steps": ["Created Project", "Opened Report", "Opened Report", "Shared Dashboard"],
        "window_days": 7,
        "entity_types": ["user", "account"],
    },
]
VARS = {**DEMO_VARS, "funnels": FUNNELS}
FUNNEL_MODELS = "fct_funnel_conversions int_funnel_steps__reached metrics_funnel_steps metrics_funnel_steps_weekly"


def funnel_marts(warehouse: Warehouse) -> dict[str, dict[Any, dict[str, Any]]]:
    return {
        "conversions": {
            (r["funnel_name"], r["entity_type"], r["entity_id"]): r
            for r in warehouse.rows("select * from marts.fct_funnel_conversions")
        },
        "steps": {
            (r["funnel_name"], r["entity_type"], r["step_number"]): r
            for r in warehouse.rows("select * from marts.metrics_funnel_steps")
        },
        "weekly": {
            (r["funnel_name"], r["entity_type"], as_date(r["cohort_week"]), r["step_number"]): r
            for r in warehouse.rows("select * from marts.metrics_funnel_steps_weekly")
        },
    }


@pytest.fixture(scope="module")
def funnel_warehouse(built_warehouse: Warehouse) -> Warehouse:
    built_warehouse.dbt("build", "--select", FUNNEL_MODELS, vars=VARS)
    return built_warehouse


def test_funnel_marts_equal_reference(funnel_warehouse: Warehouse) -> None:
    events = funnel_warehouse.rows("select event_type, event_name, event_at, user_id, account_id from marts.fct_events")
    last_event_at = max(e["event_at"] for e in events)
    conversions = funnel_conversions(events, FUNNELS, last_event_at)
    actual = funnel_marts(funnel_warehouse)
    assert_rows_equal("fct_funnel_conversions", conversions, actual["conversions"])
    assert_rows_equal("metrics_funnel_steps", funnel_steps(conversions, FUNNELS, weekly=False), actual["steps"])
    assert_rows_equal("metrics_funnel_steps_weekly", funnel_steps(conversions, FUNNELS, weekly=True), actual["weekly"])
    # The data exercise the semantics.
    rows = conversions.values()
    assert any(r["is_converted"] for r in rows) and any(r["furthest_step"] == 1 for r in rows)
    assert any(r["is_window_open"] for r in rows)
    assert any(k[0] == "report_habit" and r["furthest_step"] >= 3 for k, r in conversions.items())
    assert any(r["signup_type"] for r in actual["conversions"].values())
    assert any(r["plan_at_step_1"] for r in actual["conversions"].values())


def test_duckdb_fast_path_equals_portable_sql(funnel_warehouse: Warehouse) -> None:
    if funnel_warehouse.target != "duckdb":
        pytest.skip("the fast path is DuckDB's")
    fast = funnel_marts(funnel_warehouse)
    funnel_warehouse.dbt("run", "--select", FUNNEL_MODELS, vars={**VARS, "funnel_strategy": "portable"})
    portable = funnel_marts(funnel_warehouse)
    funnel_warehouse.dbt("run", "--select", FUNNEL_MODELS, vars=VARS)
    for name in fast:
        assert portable[name] == fast[name], name
    assert fast["conversions"]


def test_a_step_missing_from_the_plan_warns_and_counts_zero(funnel_warehouse: Warehouse) -> None:
    if funnel_warehouse.target != "duckdb":
        pytest.skip("configuration handling is engine-independent")
    funnels = [{"name": "typo", "steps": ["Signed Up", "Sent Project Dta"], "window_days": 30}]
    output = funnel_warehouse.dbt("run", "--select", FUNNEL_MODELS, vars={**VARS, "funnels": funnels})
    assert "funnel 'typo': step 'Sent Project Dta' is not in the tracking plan" in output
    steps = {r["step_number"]: r["entities"] for r in funnel_warehouse.rows("select * from marts.metrics_funnel_steps")}
    assert steps[1] > 0 and steps[2] == 0
    funnel_warehouse.dbt("run", "--select", FUNNEL_MODELS, vars=VARS)
