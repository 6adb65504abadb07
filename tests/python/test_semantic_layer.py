"""The dbt semantic layer (models/semantic/) answers `mf query` with the marts' numbers.

Every metric is queried with MetricFlow's own CLI (`mf query`, dbt-metricflow) against the
built DuckDB test warehouse, from the project root with its profiles.yml, exactly as a user
runs it; the answers are compared with the mart columns they must equal, on every day
(retention: every cell; funnels: every week and overall; health: every account and day).
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from harness import DEMO_VARS, ROOT, Warehouse, as_date, target_dir

MF = str(Path(sys.executable).with_name("mf"))

pytestmark = pytest.mark.parametrize("built_warehouse", ["duckdb"], indirect=True)


@pytest.fixture(scope="module")
def semantic_warehouse(built_warehouse: Warehouse) -> Iterator[Warehouse]:
    """The built warehouse, with target/semantic_manifest.json parsed from the current project
    (`mf` reads it from there, whatever DBT_TARGET_PATH says: copied from this worker's target)."""
    built_warehouse.dbt("parse", vars=DEMO_VARS)
    parsed = target_dir() / "semantic_manifest.json"
    if parsed != ROOT / "target" / "semantic_manifest.json":
        shutil.copyfile(parsed, ROOT / "target" / "semantic_manifest.json")
    yield built_warehouse


def mf_query(warehouse: Warehouse, metrics: list[str], group_by: list[str], tmp_path: Path) -> list[dict[str, str]]:
    """`mf query` run from the project root; its CSV answer as dicts of strings."""
    out = tmp_path / f"{'_'.join(metrics)}__{'_'.join(group_by)}.csv"
    env = {**os.environ, "DBT_TARGET": "duckdb", **warehouse.env}
    completed = subprocess.run(
        [MF, "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by), "--csv", str(out), "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0 and out.exists(), completed.stdout + completed.stderr
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _day(text: str) -> date:
    return datetime.fromisoformat(text).date()


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def _assert_same(answer: float | None, expected: Any, what: str) -> None:
    if expected is None:
        assert answer is None, what
    else:
        assert answer is not None and math.isclose(answer, float(expected), rel_tol=1e-9, abs_tol=1e-9), (
            f"{what}: mf {answer}, mart {expected}"
        )


def _compare_daily(warehouse: Warehouse, tmp_path: Path, mart: str, metrics: list[str]) -> None:
    """Each metric by metric_time__day equals the mart's column of the same name, every day."""
    rows = mf_query(warehouse, metrics, ["metric_time__day"], tmp_path)
    answer = {_day(row["metric_time__day"]): row for row in rows}
    expected = {as_date(row["date_day"]): row for row in warehouse.rows(f"select * from marts.{mart}")}
    assert len(expected) >= 50
    assert answer.keys() == expected.keys(), "mf must answer every day of the mart, zero-filled, and no other"
    for day, row in expected.items():
        for metric in metrics:
            _assert_same(_number(answer[day][metric]), row[metric], f"{metric} on {day}")


def test_user_metrics_equal_metrics_active_users_daily_every_day(semantic_warehouse: Warehouse, tmp_path: Path) -> None:
    _compare_daily(
        semantic_warehouse, tmp_path, "metrics_active_users_daily", ["dau", "wau", "mau", "dau_over_mau", "new_users"]
    )


def test_account_metrics_equal_metrics_active_accounts_daily_every_day(
    semantic_warehouse: Warehouse, tmp_path: Path
) -> None:
    _compare_daily(semantic_warehouse, tmp_path, "metrics_active_accounts_daily", ["daa", "waa", "maa"])


def test_cumulative_metrics_at_month_grain_are_the_value_on_the_months_last_day(
    semantic_warehouse: Warehouse, tmp_path: Path
) -> None:
    # docs/semantic_layer.md: grouped by month (or week), wau/mau are the rolling values on the
    # last day of the period within the reporting range; new_users (a simple metric) sums.
    answer = {
        _day(row["metric_time__month"]): row
        for row in mf_query(semantic_warehouse, ["wau", "mau", "new_users"], ["metric_time__month"], tmp_path)
    }
    expected = semantic_warehouse.rows(
        """
        with months as (
            select date_trunc('month', date_day) as month_start, max(date_day) as last_day, sum(new_users) as new_users
            from marts.metrics_active_users_daily group by 1
        )
        select months.month_start, daily.wau, daily.mau, months.new_users
        from months inner join marts.metrics_active_users_daily as daily on daily.date_day = months.last_day
        """
    )
    assert len(expected) >= 3
    assert answer.keys() == {as_date(row["month_start"]) for row in expected}
    for row in expected:
        month = as_date(row["month_start"])
        for metric in ("wau", "mau", "new_users"):
            _assert_same(_number(answer[month][metric]), row[metric], f"{metric} in month {month}")


def test_retention_rate_equals_every_cell_of_metrics_retention_cohorts(
    semantic_warehouse: Warehouse, tmp_path: Path
) -> None:
    dims = ["retention_cell__entity_type", "retention_cell__period_grain", "retention_cell__period_number"]
    answer = {
        (_day(row["metric_time__day"]), *(row[d] for d in dims)): _number(row["retention_rate"])
        for row in mf_query(semantic_warehouse, ["retention_rate"], ["metric_time__day", *dims], tmp_path)
    }
    expected = semantic_warehouse.rows("select * from marts.metrics_retention_cohorts")
    assert len(expected) >= 50
    assert len(answer) == len(expected)
    for row in expected:
        key = (as_date(row["cohort_start"]), row["entity_type"], row["period_grain"], str(row["period_number"]))
        _assert_same(answer[key], row["retention_rate"], f"retention_rate of {key}")


def test_funnel_conversion_rate_equals_the_funnel_marts(semantic_warehouse: Warehouse, tmp_path: Path) -> None:
    dims = ["funnel_entity__funnel_name", "funnel_entity__entity_type"]
    last_step = """
        select steps.* from marts.{mart} as steps
        where steps.step_number = (
            select max(last.step_number) from marts.{mart} as last
            where last.funnel_name = steps.funnel_name
        )
    """
    overall = {
        tuple(row[d] for d in dims): _number(row["funnel_conversion_rate"])
        for row in mf_query(semantic_warehouse, ["funnel_conversion_rate"], dims, tmp_path)
    }
    expected = semantic_warehouse.rows(last_step.format(mart="metrics_funnel_steps"))
    assert {(r["funnel_name"], r["entity_type"]) for r in expected} == overall.keys()
    for row in expected:
        _assert_same(overall[(row["funnel_name"], row["entity_type"])], row["conversion_from_start"], str(row))

    weekly = {
        (_day(row["metric_time__week"]), *(row[d] for d in dims)): _number(row["funnel_conversion_rate"])
        for row in mf_query(semantic_warehouse, ["funnel_conversion_rate"], ["metric_time__week", *dims], tmp_path)
    }
    expected = semantic_warehouse.rows(last_step.format(mart="metrics_funnel_steps_weekly"))
    assert len(expected) >= 10
    assert len(weekly) == len(expected)
    for row in expected:
        key = (as_date(row["cohort_week"]), row["funnel_name"], row["entity_type"])
        _assert_same(weekly[key], row["conversion_from_start"], f"funnel_conversion_rate of {key}")


def test_health_score_equals_metrics_account_health_daily_for_every_account_and_day(
    semantic_warehouse: Warehouse, tmp_path: Path
) -> None:
    answer = {
        (_day(row["metric_time__day"]), row["account"]): _number(row["health_score"])
        for row in mf_query(semantic_warehouse, ["health_score"], ["metric_time__day", "account"], tmp_path)
    }
    expected = semantic_warehouse.rows(
        "select account_id, date_day, health_score from marts.metrics_account_health_daily"
    )
    assert len(expected) >= 1000
    assert len(answer) == len(expected)
    for row in expected:
        key = (as_date(row["date_day"]), row["account_id"])
        _assert_same(answer[key], row["health_score"], f"health_score of {key}")
