"""The benchmark reads per-model times from dbt's results and JSON log (`bench` has no other test:
a full run takes minutes)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness import DEMO_VARS

from product_analytics.bench import _run_dbt, _sql_seconds_by_model
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


def test_a_timed_dbt_run_reports_each_models_sql_within_its_time(tmp_path: Path) -> None:
    path = tmp_path / "bench.duckdb"
    con = DuckDBConnection(path)
    create_tables(con, TABLES.values(), replace=True)
    con.close()
    env = {**os.environ, "DBT_TARGET": "duckdb", "DBT_DUCKDB_PATH": str(path)}
    run = _run_dbt(["run", "--select", "base_segment__tracks", "--vars", json.dumps(DEMO_VARS)], env, tmp_path / "t")
    assert set(run.model_seconds) == {"base_segment__tracks"}
    assert set(run.sql_seconds) == {"base_segment__tracks"}
    assert 0 < run.sql_seconds["base_segment__tracks"] < run.model_seconds["base_segment__tracks"]
    assert run.node_seconds_by_type["model"] == run.model_seconds["base_segment__tracks"]
    # A parse in the same target directory runs no node: no model times (the run's results are
    # not read again), only its wall time.
    parse = _run_dbt(["parse", "--vars", json.dumps(DEMO_VARS)], env, tmp_path / "t")
    assert parse.seconds > 0
    assert parse.model_seconds == {} and parse.sql_seconds == {}
