"""The benchmark's arithmetic, the per-model times it reads from dbt's results and JSON log,
and the structure of its report on a tiny run (nothing here is timed against a threshold:
a real run takes minutes and its times depend on the machine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from harness import DEMO_VARS, ROOT

from product_analytics.bench import (
    DbtRun,
    _run_dbt,
    _sql_seconds_by_model,
    _threads,
    added_work_ratio,
    history_growth,
    history_ratio,
    none_breakdown,
    run_benchmark,
)
from product_analytics.schema import TABLES
from product_analytics.warehouse import DuckDBConnection, create_tables


def _status(unique_id: str | None, elapsed: float) -> dict:
    data: dict = {"status": "OK", "elapsed": elapsed}
    if unique_id is not None:
        data["node_info"] = {"unique_id": unique_id}
    return {"info": {"name": "SQLQueryStatus"}, "data": data}


def test_sql_seconds_sum_the_statements_of_each_model(tmp_path: Path) -> None:
    events = [
        _status("model.product_analytics.fct_events", 0.25),
        {"info": {"name": "SQLQuery"}, "data": {"node_info": {"unique_id": "model.product_analytics.fct_events"}}},
        _status("model.product_analytics.fct_events", 0.5),
        _status("test.product_analytics.unique_fct_events_event_id", 2.0),
        _status(None, 1.0),
        {"info": {"name": "SQLQueryStatus"}, "data": {"node_info": None, "elapsed": 4.0}},
        _status("model.product_analytics.dim_users", 0.125),
    ]
    log = tmp_path / "dbt.log"
    log.write_text("\n".join(json.dumps(event) for event in events) + "\n")
    # Hand-computed: 0.25 + 0.5 for fct_events; tests and statements of no node are not a model's.
    assert _sql_seconds_by_model(log) == {"fct_events": 0.75, "dim_users": 0.125}


def test_threads_come_from_the_concurrency_line(tmp_path: Path) -> None:
    log = tmp_path / "dbt.log"
    other = {"info": {"name": "MainReportVersion"}, "data": {"version": "1.11"}}
    concurrency = {"info": {"name": "ConcurrencyLine"}, "data": {"num_threads": 3, "target_name": "duckdb"}}
    log.write_text(json.dumps(other) + "\n" + json.dumps(concurrency) + "\n")
    assert _threads(log) == 3
    log.write_text(json.dumps(other) + "\n")
    assert _threads(log) == 1
    assert _threads(tmp_path / "missing.log") == 1


def test_added_work_ratio_is_the_days_work_over_the_full_builds() -> None:
    # Hand-computed: a 30 s full build and a 12 s day over a 10 s no-data run: 2 / 20.
    assert added_work_ratio(30.0, 12.0, 10.0) == pytest.approx(0.1)
    # A day no slower than a run with no data adds nothing (or less: noise).
    assert added_work_ratio(30.0, 10.0, 10.0) == 0.0
    with pytest.raises(ValueError, match="not slower than the run with no new data"):
        added_work_ratio(10.0, 12.0, 10.0)


def test_history_ratio_is_the_longer_historys_day_over_the_shorters() -> None:
    assert history_ratio(20.0, 23.0) == pytest.approx(1.15)
    assert history_ratio(20.0, 18.0) == pytest.approx(0.9)


def test_history_growth_ranks_the_models_by_what_the_longer_history_adds() -> None:
    short = {"fct_events": 1.0, "dim_users": 0.5, "stg_segment__tracks": 0.75}
    long = {"fct_events": 1.25, "dim_users": 1.5, "int_new": 0.5}
    none = {"dim_users": 1.25, "fct_events": 0.5}
    rows = history_growth(short, long, none, top=3)
    # Hand-computed: dim_users +1.0, int_new +0.5 (absent from the short run), fct_events +0.25,
    # stg_segment__tracks -0.75 (absent from the long run) left out by top=3.
    assert [(row["model"], row["growth_seconds"]) for row in rows] == [
        ("dim_users", 1.0),
        ("int_new", 0.5),
        ("fct_events", 0.25),
    ]
    assert rows[0] == {
        "model": "dim_users",
        "short_day_seconds": 0.5,
        "long_day_seconds": 1.5,
        "growth_seconds": 1.0,
        "none_seconds": 1.25,
    }
    assert rows[1]["none_seconds"] == 0.0


def test_none_breakdown_splits_the_wall_time() -> None:
    run = DbtRun(
        seconds=20.0,
        peak_rss_mib=100.0,
        slowest_models=[],
        model_seconds={},
        node_seconds_by_type={"model": 8.0, "test": 6.0, "operation": 0.5},
        sql_seconds={},
        node_counts_by_type={"model": 40, "test": 175, "operation": 1},
        slowest_tests=[("unique_fct_events_event_id", 0.5)],
        threads=2,
    )
    breakdown = none_breakdown(run, parse_seconds=6.0)
    # Hand-computed: 20 - 6 - (8 + 6 + 0.5) / 2 threads = 6.75 s of dbt's own work.
    assert breakdown["other_seconds"] == pytest.approx(6.75)
    assert breakdown["startup_and_parse_seconds"] == 6.0
    assert breakdown["node_counts_by_type"] == {"model": 40, "operation": 1, "test": 175}
    assert breakdown["slowest_tests"] == [("unique_fct_events_event_id", 0.5)]


def test_a_timed_dbt_run_reports_each_models_sql_within_its_time(tmp_path: Path) -> None:
    path = tmp_path / "bench.duckdb"
    con = DuckDBConnection(path)
    create_tables(con, TABLES.values(), replace=True)
    con.close()
    env = {**os.environ, "DBT_TARGET": "duckdb", "DBT_DUCKDB_PATH": str(path)}
    args = ["run", "--select", "base_segment__tracks", "--threads", "1", "--vars", json.dumps(DEMO_VARS)]
    run = _run_dbt(args, env, tmp_path / "t")
    assert set(run.model_seconds) == {"base_segment__tracks"}
    assert set(run.sql_seconds) == {"base_segment__tracks"}
    assert 0 < run.sql_seconds["base_segment__tracks"] < run.model_seconds["base_segment__tracks"]
    assert run.node_seconds_by_type["model"] == run.model_seconds["base_segment__tracks"]
    # Each of the project's on-run-start / on-run-end hooks is a node of its own (an `operation`).
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    hooks = len(project.get("on-run-start", [])) + len(project.get("on-run-end", []))
    assert hooks > 0
    assert run.node_counts_by_type == {"model": 1, "operation": hooks}
    assert run.threads == 1
    # A parse in the same target directory runs no node: no model times (the run's results are
    # not read again), only its wall time.
    parse = _run_dbt(["parse", "--vars", json.dumps(DEMO_VARS)], env, tmp_path / "t")
    assert parse.seconds > 0
    assert parse.model_seconds == {} and parse.sql_seconds == {}


def test_a_tiny_benchmark_reports_every_figure(tmp_path: Path) -> None:
    """The whole benchmark on 3,000 events over 20 days (and their last 15): the structure of
    the report and the arithmetic between its figures, not the times themselves."""
    result = run_benchmark(3_000, (15, 20), seed=5, workdir=tmp_path, max_account_members=5, floors=False)
    assert result["command"][:4] == ["dbt", "build", "--selector", "production"]
    assert result["events_in_new_day"] > 0
    full, day, none = result["full_seconds"], result["day_seconds"], result["none_seconds"]
    assert min(full, day, none) > 0
    if result["added_work_ratio"] is not None:
        assert result["added_work_ratio"] == pytest.approx((day - none) / (full - none))
    history = result["history"]
    assert history["days"] == [15, 20]
    assert history["day_seconds"][1] == day
    assert history["ratio"] == pytest.approx(day / history["day_seconds"][0])
    # What grows with history: the models of both one-day runs, at most 10, from their SQL seconds.
    short_sql, long_sql = history["short_day_build"]["sql_seconds"], result["day_build"]["sql_seconds"]
    growth = history["growth_by_model"]
    assert len(growth) == min(10, len(set(short_sql) | set(long_sql)))
    for row in growth:
        assert row["growth_seconds"] == pytest.approx(
            long_sql.get(row["model"], 0.0) - short_sql.get(row["model"], 0.0)
        )
    # The production selection leaves out the unit tests, and only them.
    production = result["none_breakdown"]["node_counts_by_type"]
    everything = result["none_every_node"]["node_counts_by_type"]
    assert "unit_test" not in production and everything["unit_test"] > 0
    assert {kind: count for kind, count in everything.items() if kind != "unit_test"} == production
    assert production["operation"] >= 1 and production["model"] > 0 and production["test"] > 0
    assert result["none_breakdown"]["startup_and_parse_seconds"] > 0
    # The warehouse holds the new day after the benchmark: nothing was left held out.
    con = DuckDBConnection(tmp_path / "warehouse.duckdb")
    assert con.query("select count(*) from information_schema.schemata where schema_name = 'holdout'")[0][0] == 1
    assert con.query("select count(*) from information_schema.tables where table_schema = 'holdout'")[0][0] == 0
    con.close()


def test_the_command_line_rejects_a_days_pair_out_of_order(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "product_analytics", "bench", "--days", "30", "15", "--workdir", str(tmp_path)]
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 2
    assert "--days D1 D2 needs 0 < D1 < D2, got 30 15" in completed.stderr
