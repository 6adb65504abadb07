"""Benchmark: full `dbt build` over N events, then one more day of data incrementally.

Steps: generate N events over D days (or reuse a raw warehouse made with the same settings),
with raw tables stored in load order (received_at, as a loader appends them), hold out the
rows received on the last day, time a full build, load the held-out day, time
the incremental build. Reports events/s of the full build, the incremental/full time ratio
(measured in the same run, on the same machine) and the peak memory of each dbt process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil

from product_analytics.generator import Generator, GeneratorConfig
from product_analytics.schema import CALL_TABLES, DEMO_SCHEMAS, TABLES
from product_analytics.warehouse import BulkLoader, DuckDBConnection, create_tables

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DbtRun:
    """One timed dbt invocation."""

    seconds: float
    peak_rss_mib: float
    slowest_models: list[tuple[str, float]]
    model_seconds: dict[str, float]
    #: Summed execution time of the nodes of each resource type (model, test, unit_test, seed);
    #: with several threads the sum exceeds the wall time.
    node_seconds_by_type: dict[str, float]
    #: Per model, the time the warehouse took to answer its statements (dbt's SQLQueryStatus log
    #: events): model_seconds less this is dbt's own work around the queries.
    sql_seconds: dict[str, float]


def _sql_seconds_by_model(log: Path) -> dict[str, float]:
    """Per model, the summed `elapsed` of the SQL statements dbt ran for it (JSON log lines)."""
    seconds: dict[str, float] = {}
    for line in log.read_text().splitlines():
        event = json.loads(line)
        if event["info"]["name"] != "SQLQueryStatus":
            continue
        unique_id = (event["data"].get("node_info") or {}).get("unique_id") or ""
        if unique_id.startswith("model."):
            name = unique_id.split(".")[-1]
            seconds[name] = seconds.get(name, 0.0) + float(event["data"]["elapsed"])
    return seconds


def _run_dbt(args: list[str], env: dict[str, str], target_path: Path) -> DbtRun:
    """Run dbt and time it. Every run parses the whole project: the partial-parse state a
    previous run left in the target directory (this benchmark's or an earlier one's in the same
    work directory) is removed, so every timed build pays the same parse."""
    log_path = target_path / "logs"
    shutil.rmtree(log_path, ignore_errors=True)
    (target_path / "partial_parse.msgpack").unlink(missing_ok=True)
    results_file = target_path / "run_results.json"
    results_file.unlink(missing_ok=True)
    command = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        "--log-format-file",
        "json",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        handle = psutil.Process(process.pid)
        while not done.is_set():
            try:
                rss = handle.memory_info().rss + sum(c.memory_info().rss for c in handle.children(recursive=True))
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{output[-4000:]}")
    # `dbt parse` runs no node and writes no results.
    results = json.loads(results_file.read_text()) if results_file.exists() else {"results": []}
    timings = sorted(
        (
            (r["unique_id"].split(".")[-1], r["execution_time"])
            for r in results["results"]
            if r["unique_id"].startswith("model.")
        ),
        key=lambda item: -item[1],
    )
    by_type: dict[str, float] = {}
    for result in results["results"]:
        resource_type = result["unique_id"].split(".")[0]
        by_type[resource_type] = by_type.get(resource_type, 0.0) + result["execution_time"]
    return DbtRun(
        seconds=seconds,
        peak_rss_mib=peak / 2**20,
        slowest_models=timings[:8],
        model_seconds=dict(timings),
        node_seconds_by_type=by_type,
        sql_seconds=_sql_seconds_by_model(log_path / "dbt.log"),
    )


#: The models of the engagement and retention marts (issue 4), timed as a group.
ENGAGEMENT_MODELS = (
    "int_engagement__",
    "metrics_active_",
    "metrics_retention_",
    "metrics_lifecycle_",
    "metrics_stickiness_",
)

#: The floor the engagement marts are compared with: one query that only counts the
#: distinct (user, activity day) pairs over the same events.
FLOOR_QUERY = (
    "select count(*) from (select distinct user_id, event_date from marts.fct_events where is_activity) as pairs"
)


#: The funnels timed by the benchmark (issue 5): the default `signup_to_subscription` and a 10-step one.
DEFAULT_FUNNEL = ["Signed Up", "Sent Project Data", "Started Subscription"]
TEN_STEP_FUNNEL = [
    "Signed Up",
    "Created Organization",
    "Created Project",
    "Sent Project Data",
    "Opened Report",
    "Created Dashboard",
    "Invited User",
    "Shared Dashboard",
    "Enabled Integration",
    "Started Subscription",
]


def _funnel_floor_query(steps: list[str]) -> str:
    """The floor of a funnel: the first occurrence of each step event per user, nothing more.

    The result is written to a temporary table, as the funnel model writes its rows: under a
    bare count(*) DuckDB drops the min() and never computes the first occurrences.
    """
    names = ", ".join(f"'{step}'" for step in steps)
    return (
        "create or replace temp table funnel_floor as select user_id, event_name, min(event_at) as first_at "
        "from marts.fct_events "
        f"where event_type = 'track' and user_id is not null and event_name in ({names}) "
        "group by user_id, event_name"
    )


#: Shares of the accounts the funnels are also timed on, to show how their cost grows with events.
FUNNEL_SCALES = (0.25, 0.5)


def _time_funnel(
    warehouse: Path, env: dict[str, str], target: Path, steps: list[str], strategy: str, memory_limit: str
) -> dict[str, Any]:
    """Build time of fct_funnel_conversions for one funnel (users and accounts) and its floor query.

    Both are timed warm, like for like: the faster of two dbt runs of the model (the first reads
    the events from disk) against the fastest of three runs of the floor query. Also reported:
    the part of the model's time spent in the warehouse answering its statements (the rest is
    dbt's own work, about the same for any model)."""
    funnels = [{"name": "bench", "steps": steps, "window_days": 30, "entity_types": ["user", "account"]}]
    variables = {"segment_schemas": list(DEMO_SCHEMAS), "funnels": funnels, "funnel_strategy": strategy}
    model = "fct_funnel_conversions"
    runs = [
        _run_dbt(
            ["run", "--select", model, "--vars", json.dumps(variables)],
            {**env, "DBT_DUCKDB_PATH": str(warehouse)},
            target,
        )
        for _ in range(2)
    ]
    fastest = min(runs, key=lambda run: run.model_seconds[model])
    seconds, sql_seconds = fastest.model_seconds[model], fastest.sql_seconds[model]
    floor = _time_query(warehouse, _funnel_floor_query(steps), memory_limit)
    return {
        "steps": len(steps),
        "seconds": seconds,
        "sql_seconds": sql_seconds,
        "floor_seconds": floor,
        "ratio_to_floor": seconds / floor,
        "sql_ratio_to_floor": sql_seconds / floor,
    }


def _time_funnels(warehouse: Path, env: dict[str, str], workdir: Path, memory_limit: str) -> dict[str, Any]:
    """fct_funnel_conversions for the default funnel and a 10-step one: on all events with the DuckDB
    fast path and with the portable SQL, then on a quarter and a half of the accounts (their
    events only) to show the cost per event does not grow with events."""
    report: dict[str, Any] = {"scales": {}}
    funnels = (("default_funnel", DEFAULT_FUNNEL), ("ten_step_funnel", TEN_STEP_FUNNEL))
    for share in (*FUNNEL_SCALES, 1.0):
        path = warehouse
        if share < 1:
            path = workdir / f"warehouse_{share}.duckdb"
            shutil.copyfile(warehouse, path)
            con = DuckDBConnection(path)
            # Whole accounts (and the events of users without one) are kept or dropped.
            con.execute(
                "delete from marts.fct_events "
                f"where hash(coalesce(account_id, user_id, event_id)) % 1000 >= {int(share * 1000)}"
            )
            con.execute("checkpoint")
            con.close()
        con = DuckDBConnection(path)
        events, track_events, largest = con.query(
            "select count(*), count(*) filter (where event_type = 'track'), "
            "(select max(events) from (select count(*) as events from marts.fct_events "
            "where account_id is not null group by account_id) as accounts) from marts.fct_events"
        )[0]
        con.close()
        scale: dict[str, Any] = {"events": events, "track_events": track_events, "max_events_per_account": largest}
        for label, steps in funnels:
            scale[label] = _time_funnel(path, env, workdir / f"target_{label}_{share}", steps, "auto", memory_limit)
            if share == 1.0:
                scale[f"{label}_portable"] = _time_funnel(
                    path, env, workdir / f"target_{label}_portable", steps, "portable", memory_limit
                )
        report["scales"][str(share)] = scale
        if path != warehouse:
            path.unlink()
    full = report["scales"]["1.0"]
    report.update({label: full[label] for label, _ in funnels})
    report["max_events_per_account"] = full["max_events_per_account"]
    return report


#: Events of the nearly empty dataset whose builds measure the fixed cost of a run.
FIXED_COST_EVENTS = 5_000


def _time_fixed_cost(config: GeneratorConfig, dbt_args: list[str], env: dict[str, str], workdir: Path) -> DbtRun:
    """A run's fixed cost: the same `dbt build` over a nearly empty warehouse (FIXED_COST_EVENTS
    events over the same days), timed on its second, incremental run with no new data. What
    remains is dbt itself (start-up, parsing, one round of statements per node) and every data
    test and unit test, whatever the data volume."""
    path = workdir / "fixed_cost.duckdb"
    path.unlink(missing_ok=True)
    small = GeneratorConfig(events=FIXED_COST_EVENTS, seed=config.seed, days=config.days)
    _generate(small, path)
    small_env = {**env, "DBT_DUCKDB_PATH": str(path)}
    _run_dbt(dbt_args, small_env, workdir / "target_fixed_cost")
    run = _run_dbt(dbt_args, small_env, workdir / "target_fixed_cost")
    path.unlink()
    return run


def _time_parse(dbt_args: list[str], env: dict[str, str], workdir: Path) -> float:
    """Wall time of `dbt parse` with the build's arguments: dbt's start-up and a full parse of
    the project, part of every timed build."""
    return _run_dbt(["parse", *dbt_args[1:]], env, workdir / "target_parse").seconds


def _time_engagement_alone(env: dict[str, str], workdir: Path) -> tuple[float, float]:
    """The engagement models rebuilt from scratch on their own, one thread, warm (the faster of
    two runs): their own cost, without the other models of a build competing for the cores.
    Returns their dbt time and the part of it the warehouse spent on their statements."""
    variables = {"segment_schemas": list(DEMO_SCHEMAS), "allow_full_refresh": True}
    selection = [f"{prefix}*" for prefix in ENGAGEMENT_MODELS]
    args = ["run", "--full-refresh", "--threads", "1", "--select", *selection, "--vars", json.dumps(variables)]
    runs = [_run_dbt(args, env, workdir / "target_engagement") for _ in range(2)]
    fastest = min(runs, key=lambda run: _group_seconds(run, ENGAGEMENT_MODELS))
    return _group_seconds(fastest, ENGAGEMENT_MODELS), _group_seconds(fastest, ENGAGEMENT_MODELS, sql=True)


def _group_seconds(run: DbtRun, prefixes: tuple[str, ...], sql: bool = False) -> float:
    seconds = run.sql_seconds if sql else run.model_seconds
    return sum(value for name, value in seconds.items() if name.startswith(prefixes))


def _time_query(path: Path, sql: str, memory_limit: str, repeat: int = 3) -> float:
    """The fastest of `repeat` runs of a query (the first one also warms the cache)."""
    con = DuckDBConnection(path)
    con.execute(f"set memory_limit = '{memory_limit}'")
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        con.query(sql)
        best = min(best, time.perf_counter() - started)
    con.close()
    return best


def _generate(config: GeneratorConfig, path: Path) -> float:
    con = DuckDBConnection(path)
    create_tables(con, TABLES.values(), replace=True)
    loader = BulkLoader(con)
    started = time.perf_counter()
    next_report = [500_000]

    def progress(rows: int) -> None:
        if rows >= next_report[0]:
            print(f"  generated {rows:,} events", file=sys.stderr, flush=True)
            next_report[0] += 500_000

    Generator(config, loader.add).run(progress)
    loader.flush()
    # A collector's loader appends each batch as it arrives, so raw tables are stored in
    # received_at order; the generator writes account by account instead. Restore load order.
    for table in TABLES.values():
        name = table.qualified_name
        con.execute(f"create or replace table {name} as select * from {name} order by received_at")
    con.close()
    return time.perf_counter() - started


def run_benchmark(
    events: int,
    days: int,
    seed: int,
    workdir: Path,
    reuse_raw: bool = False,
    memory_limit: str = "3GB",
    threads: int | None = None,
    max_account_members: int = 800,
    large_accounts: int = 3,
) -> dict[str, Any]:
    """Run the benchmark in ``workdir`` and return its measurements."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = GeneratorConfig(
        events=events, seed=seed, days=days, max_account_members=max_account_members, large_accounts=large_accounts
    )
    raw = workdir / f"raw_{events}_{days}_{seed}_{max_account_members}x{large_accounts}_load_order.duckdb"
    generation_seconds = None
    if not (reuse_raw and raw.exists()):
        print(f"Generating {events:,} events over {days} days into {raw}", file=sys.stderr)
        generation_seconds = _generate(config, raw)
    warehouse = workdir / "warehouse.duckdb"
    shutil.copyfile(raw, warehouse)

    last_day = config.start + timedelta(days=days - 1)
    con = DuckDBConnection(warehouse)
    con.execute("create schema if not exists holdout")
    for table in TABLES.values():
        holdout = f"holdout.{table.schema}__{table.name}"
        con.execute(f"create table {holdout} as select * from {table.qualified_name} where received_at >= '{last_day}'")
        con.execute(f"delete from {table.qualified_name} where received_at >= '{last_day}'")
    held_out = sum(
        con.query(f"select count(*) from holdout.{t.schema}__{t.name}")[0][0]
        for t in TABLES.values()
        if t.name in CALL_TABLES
    )
    con.close()

    env = {
        **os.environ,
        "DBT_TARGET": "duckdb",
        "DBT_DUCKDB_PATH": str(warehouse),
        "DBT_DUCKDB_MEMORY_LIMIT": memory_limit,
    }
    dbt_args = ["build", "--vars", json.dumps({"segment_schemas": list(DEMO_SCHEMAS)})]
    if threads:
        dbt_args += ["--threads", str(threads)]
    print("Full build...", file=sys.stderr)
    full = _run_dbt(dbt_args, env, workdir / "target_full")

    floor_seconds = _time_query(warehouse, FLOOR_QUERY, memory_limit)
    print("Engagement models alone...", file=sys.stderr)
    engagement_alone, engagement_alone_sql = _time_engagement_alone(env, workdir)
    print("Funnels...", file=sys.stderr)
    funnels = _time_funnels(warehouse, env, workdir, memory_limit)

    con = DuckDBConnection(warehouse)
    for table in TABLES.values():
        holdout = f"holdout.{table.schema}__{table.name}"
        con.execute(f"insert into {table.qualified_name} select * from {holdout}")
        con.execute(f"drop table {holdout}")
    con.close()
    print("Incremental build of the last day...", file=sys.stderr)
    incremental = _run_dbt(dbt_args, env, workdir / "target_incremental")
    print(f"Fixed cost: the same builds over {FIXED_COST_EVENTS:,} events...", file=sys.stderr)
    fixed_cost = _time_fixed_cost(config, dbt_args, env, workdir)
    parse_seconds = _time_parse(dbt_args, env, workdir)

    full_events = events - held_out
    return {
        "events_total": events,
        "days": days,
        "events_in_full_build": full_events,
        "events_in_new_day": held_out,
        "generation_seconds": generation_seconds,
        "full_build": asdict(full),
        "incremental_build": asdict(incremental),
        "full_build_events_per_second": full_events / full.seconds,
        "incremental_to_full_ratio": incremental.seconds / full.seconds,
        "fixed_cost_build": asdict(fixed_cost),
        "fixed_cost_to_full_ratio": fixed_cost.seconds / full.seconds,
        "parse_seconds": parse_seconds,
        "engagement_marts": {
            "full_build_seconds": _group_seconds(full, ENGAGEMENT_MODELS),
            "incremental_build_seconds": _group_seconds(incremental, ENGAGEMENT_MODELS),
            "floor_query": FLOOR_QUERY,
            "floor_seconds": floor_seconds,
            "full_build_to_floor_ratio": _group_seconds(full, ENGAGEMENT_MODELS) / floor_seconds,
            "alone_seconds": engagement_alone,
            "alone_to_floor_ratio": engagement_alone / floor_seconds,
            "alone_sql_seconds": engagement_alone_sql,
            "alone_sql_to_floor_ratio": engagement_alone_sql / floor_seconds,
        },
        "funnels": funnels,
        "max_account_members": max_account_members,
        "large_accounts": large_accounts,
        "duckdb_memory_limit": memory_limit,
        "dbt_threads": threads,
    }


def print_report(result: dict[str, Any]) -> None:
    full, incremental = result["full_build"], result["incremental_build"]
    print(
        f"events: {result['events_in_full_build']:,} in the full build, {result['events_in_new_day']:,} in the new day"
    )
    print(
        f"full build:        {full['seconds']:8.1f} s  {result['full_build_events_per_second']:>10,.0f} events/s  "
        f"peak {full['peak_rss_mib']:,.0f} MiB"
    )
    print(f"incremental build: {incremental['seconds']:8.1f} s  peak {incremental['peak_rss_mib']:,.0f} MiB")
    print(f"incremental / full: {result['incremental_to_full_ratio']:.1%}")
    fixed = result["fixed_cost_build"]
    print(
        f"fixed cost:        {fixed['seconds']:8.1f} s = {result['fixed_cost_to_full_ratio']:.1%} of the full build "
        f"(an incremental build with no new data over {FIXED_COST_EVENTS:,} events); "
        f"of which dbt start-up and a full parse {result['parse_seconds']:.1f} s"
    )
    for label, run in (("full", full), ("incremental", incremental), ("fixed cost", fixed)):
        parts = ", ".join(f"{kind} {seconds:.1f}s" for kind, seconds in sorted(run["node_seconds_by_type"].items()))
        print(f"node seconds summed over threads ({label}): {parts}")
    engagement = result["engagement_marts"]
    print(
        f"engagement marts:  {engagement['full_build_seconds']:8.1f} s of the full build, "
        f"{engagement['incremental_build_seconds']:.1f} s of the incremental build; "
        f"floor query {engagement['floor_seconds']:.2f} s; "
        f"full / floor = {engagement['full_build_to_floor_ratio']:.1f}x"
    )
    print(
        f"engagement marts rebuilt alone (one thread, warm): {engagement['alone_seconds']:.1f} s; "
        f"alone / floor = {engagement['alone_to_floor_ratio']:.1f}x; of which their SQL in the warehouse "
        f"{engagement['alone_sql_seconds']:.1f} s = {engagement['alone_sql_to_floor_ratio']:.1f}x"
    )
    funnels = result["funnels"]
    print(f"funnels (largest account: {funnels['max_events_per_account']:,} events):")
    for share, scale in funnels["scales"].items():
        for label in ("default_funnel", "ten_step_funnel", "default_funnel_portable", "ten_step_funnel_portable"):
            if label not in scale:
                continue
            funnel = scale[label]
            print(
                f"  {float(share):4.0%} of accounts ({scale['track_events']:>10,} track events) {label:26s} "
                f"{funnel['seconds']:6.2f} s = {funnel['seconds'] / scale['track_events'] * 1e6:.3f} s per million; "
                f"floor {funnel['floor_seconds']:.2f} s; ratio {funnel['ratio_to_floor']:.1f}x; "
                f"SQL in the warehouse {funnel['sql_seconds']:.2f} s = {funnel['sql_ratio_to_floor']:.1f}x"
            )
    for label, run in (("full", full), ("incremental", incremental)):
        slowest = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in run["slowest_models"][:5])
        print(f"slowest models ({label}): {slowest}")
