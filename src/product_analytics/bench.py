"""Benchmark: what a full build, a one-day run and a run with no new data cost, in one run.

Steps: generate N events over D days (or reuse a raw warehouse made with the same settings),
with raw tables stored in load order (received_at, as a loader appends them), and hold out the
rows received on the last day. Then, with the production command (`dbt build --selector
production`, see selectors.yml), time
- T_full: a build of the warehouse from nothing;
- T_day: the incremental build after loading the held-out day;
- T_none: the same build again, with no new data;
and report (T_day - T_none) / (T_full - T_none), the work a day adds over the fixed cost of a
run, as a share of the work a full build adds over it. T_none is broken down into dbt's
start-up and parse (a `dbt parse`) and the nodes of each resource type; the same no-data run
with every node (`dbt build`, unit tests included) shows what the production selection saves.

With `--days D1 D2` (D1 < D2), the one-day run is also timed on a warehouse holding only the
last D1 days of the same data: the new day is the same rows, so the ratio T_day(D2) / T_day(D1)
is the cost of the longer history alone. Every figure is measured in the same run, on the same
machine (the ratios are meaningful; absolute times vary between runs).
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
from datetime import date, timedelta
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
    #: Nodes run, per resource type (model, test, unit_test, seed, operation: the hooks).
    node_counts_by_type: dict[str, int]
    #: The data tests that took longest, slowest first: (name, seconds).
    slowest_tests: list[tuple[str, float]]
    #: dbt's threads in this run (from its JSON log; 1 for a run of no node).
    threads: int


def _threads(log: Path) -> int:
    """dbt's threads in a run, from the ConcurrencyLine event of its JSON log (1 when the run
    ran no node, as `dbt parse`)."""
    if not log.exists():
        return 1
    for line in log.read_text().splitlines():
        event = json.loads(line)
        if event["info"]["name"] == "ConcurrencyLine":
            return int(event["data"]["num_threads"])
    return 1


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
    counts: dict[str, int] = {}
    for result in results["results"]:
        resource_type = result["unique_id"].split(".")[0]
        by_type[resource_type] = by_type.get(resource_type, 0.0) + result["execution_time"]
        counts[resource_type] = counts.get(resource_type, 0) + 1
    tests = sorted(
        (
            (result["unique_id"].split(".")[2], result["execution_time"])
            for result in results["results"]
            if result["unique_id"].startswith("test.")
        ),
        key=lambda item: -item[1],
    )
    return DbtRun(
        seconds=seconds,
        peak_rss_mib=peak / 2**20,
        slowest_models=timings[:8],
        model_seconds=dict(timings),
        node_seconds_by_type=by_type,
        sql_seconds=_sql_seconds_by_model(log_path / "dbt.log"),
        node_counts_by_type=counts,
        slowest_tests=tests[:8],
        threads=_threads(log_path / "dbt.log"),
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


def added_work_ratio(full_seconds: float, day_seconds: float, none_seconds: float) -> float:
    """(T_day - T_none) / (T_full - T_none): the time a one-day run adds to a run with no new
    data, as a share of the time a full build adds to it (issue 17's goal: at most 0.10).

    Raises ValueError when the full build is not slower than the no-data run (the ratio would
    be meaningless: the data are too small to measure anything but dbt's fixed cost)."""
    if full_seconds <= none_seconds:
        raise ValueError(
            f"the full build ({full_seconds:.2f} s) is not slower than the run with no new data "
            f"({none_seconds:.2f} s): use more events"
        )
    return (day_seconds - none_seconds) / (full_seconds - none_seconds)


def history_ratio(short_day_seconds: float, long_day_seconds: float) -> float:
    """T_day on the longer history over T_day on the shorter one, the new day being the same
    rows (issue 17's goal for a doubled history: at most 1.15)."""
    return long_day_seconds / short_day_seconds


def history_growth(
    short_day_sql: dict[str, float], long_day_sql: dict[str, float], none_sql: dict[str, float], top: int = 10
) -> list[dict[str, Any]]:
    """The models whose SQL grows most with the history in the one-day run: per model, the
    seconds the warehouse spent on its statements (`DbtRun.sql_seconds`) in the one-day run on
    the shorter and on the longer history, their difference, and the same model in the run
    with no new data (on the longer history: what it costs whatever the day brings). Sorted by
    the difference, largest first, `top` rows; a model missing from a run counts 0 s there."""
    names = set(short_day_sql) | set(long_day_sql)
    rows = [
        {
            "model": name,
            "short_day_seconds": short_day_sql.get(name, 0.0),
            "long_day_seconds": long_day_sql.get(name, 0.0),
            "growth_seconds": long_day_sql.get(name, 0.0) - short_day_sql.get(name, 0.0),
            "none_seconds": none_sql.get(name, 0.0),
        }
        for name in names
    ]
    return sorted(rows, key=lambda row: (-row["growth_seconds"], row["model"]))[:top]


def none_breakdown(none: DbtRun, parse_seconds: float) -> dict[str, Any]:
    """What a run with no new data is made of: dbt's start-up and full parse (wall seconds of a
    `dbt parse`), then per resource type the nodes run and their summed execution seconds
    (summed over dbt's threads, so they can exceed the wall time they share). `other_seconds`
    is the wall time left after the parse and the nodes' summed time divided by `threads`, an
    estimate of dbt's own work between nodes (compiling, the graph, writing artifacts)."""
    threads = max(none.threads, 1)
    nodes = sum(none.node_seconds_by_type.values())
    return {
        "seconds": none.seconds,
        "startup_and_parse_seconds": parse_seconds,
        "node_seconds_by_type": dict(sorted(none.node_seconds_by_type.items())),
        "node_counts_by_type": dict(sorted(none.node_counts_by_type.items())),
        "threads": threads,
        "other_seconds": none.seconds - parse_seconds - nodes / threads,
        "slowest_tests": none.slowest_tests,
    }


def _hold_out_last_day(path: Path, last_day: date, first_received: date | None = None) -> int:
    """Move the raw rows received on `last_day` (or later) to schema `holdout`, and delete those
    received before `first_received` (a shorter history of the same data). Returns the call
    rows held out."""
    con = DuckDBConnection(path)
    con.execute("create schema if not exists holdout")
    for table in TABLES.values():
        holdout = f"holdout.{table.schema}__{table.name}"
        con.execute(f"create table {holdout} as select * from {table.qualified_name} where received_at >= '{last_day}'")
        con.execute(f"delete from {table.qualified_name} where received_at >= '{last_day}'")
        if first_received is not None:
            con.execute(f"delete from {table.qualified_name} where received_at < '{first_received}'")
    held_out = sum(
        con.query(f"select count(*) from holdout.{t.schema}__{t.name}")[0][0]
        for t in TABLES.values()
        if t.name in CALL_TABLES
    )
    con.execute("checkpoint")
    con.close()
    return held_out


def _load_held_out_day(path: Path) -> None:
    """Append the held-out rows to the raw tables, as a loader would."""
    con = DuckDBConnection(path)
    for table in TABLES.values():
        holdout = f"holdout.{table.schema}__{table.name}"
        con.execute(f"insert into {table.qualified_name} select * from {holdout}")
        con.execute(f"drop table {holdout}")
    con.execute("checkpoint")
    con.close()


def _time_day(path: Path, dbt_args: list[str], env: dict[str, str], target: Path, repeat: int) -> DbtRun:
    """The one-day run: load the held-out day and build, `repeat` times from the same state
    (a copy of the warehouse before the day); the fastest run is kept."""
    before = path.with_suffix(".before_day")
    if repeat > 1:
        shutil.copyfile(path, before)
    runs = []
    for attempt in range(repeat):
        if attempt:
            shutil.copyfile(before, path)
        _load_held_out_day(path)
        runs.append(_run_dbt(dbt_args, env, target))
    before.unlink(missing_ok=True)
    return min(runs, key=lambda run: run.seconds)


def run_benchmark(
    events: int,
    days: int | tuple[int, int],
    seed: int,
    workdir: Path,
    reuse_raw: bool = False,
    memory_limit: str = "3GB",
    threads: int | None = None,
    max_account_members: int = 800,
    large_accounts: int = 3,
    selector: str | None = "production",
    repeat: int = 1,
    floors: bool = True,
) -> dict[str, Any]:
    """Run the benchmark in ``workdir`` and return its measurements (a JSON-able dict).

    ``days`` is the history in days, or a pair (D1, D2), D1 < D2: the data cover D2 days, and
    the one-day run is also timed on their last D1 days. ``selector`` is the dbt selector of
    every timed build (None: every node). ``repeat`` times the one-day and no-data runs that
    many times (the fastest is kept). ``floors`` also times the engagement and funnel marts
    against their floor queries. Raises ValueError for a pair that is not D1 < D2."""
    short_days, long_days = (None, days) if isinstance(days, int) else days
    if short_days is not None and not 0 < short_days < long_days:
        raise ValueError(f"--days D1 D2 needs 0 < D1 < D2, got {short_days} {long_days}")
    workdir.mkdir(parents=True, exist_ok=True)
    config = GeneratorConfig(
        events=events,
        seed=seed,
        days=long_days,
        max_account_members=max_account_members,
        large_accounts=large_accounts,
    )
    raw = workdir / f"raw_{events}_{long_days}_{seed}_{max_account_members}x{large_accounts}_load_order.duckdb"
    generation_seconds = None
    if not (reuse_raw and raw.exists()):
        print(f"Generating {events:,} events over {long_days} days into {raw}", file=sys.stderr)
        generation_seconds = _generate(config, raw)
    warehouse = workdir / "warehouse.duckdb"
    shutil.copyfile(raw, warehouse)
    last_day = config.start + timedelta(days=long_days - 1)
    held_out = _hold_out_last_day(warehouse, last_day)

    env = {
        **os.environ,
        "DBT_TARGET": "duckdb",
        "DBT_DUCKDB_PATH": str(warehouse),
        "DBT_DUCKDB_MEMORY_LIMIT": memory_limit,
    }
    variables = ["--vars", json.dumps({"segment_schemas": list(DEMO_SCHEMAS)})]
    thread_args = ["--threads", str(threads)] if threads else []
    every_node = ["build", *variables, *thread_args]
    dbt_args = ["build", "--selector", selector, *variables, *thread_args] if selector else every_node

    print("Full build...", file=sys.stderr)
    full = _run_dbt(dbt_args, env, workdir / "target_full")
    marts: dict[str, Any] = {}
    if floors:
        floor_seconds = _time_query(warehouse, FLOOR_QUERY, memory_limit)
        print("Engagement models alone...", file=sys.stderr)
        engagement_alone, engagement_alone_sql = _time_engagement_alone(env, workdir)
        print("Funnels...", file=sys.stderr)
        marts["funnels"] = _time_funnels(warehouse, env, workdir, memory_limit)
        marts["engagement_marts"] = {
            "full_build_seconds": _group_seconds(full, ENGAGEMENT_MODELS),
            "floor_query": FLOOR_QUERY,
            "floor_seconds": floor_seconds,
            "full_build_to_floor_ratio": _group_seconds(full, ENGAGEMENT_MODELS) / floor_seconds,
            "alone_seconds": engagement_alone,
            "alone_to_floor_ratio": engagement_alone / floor_seconds,
            "alone_sql_seconds": engagement_alone_sql,
            "alone_sql_to_floor_ratio": engagement_alone_sql / floor_seconds,
        }
        # The marts' runs above rebuilt some tables with other settings: put them back.
        _run_dbt(dbt_args, env, workdir / "target_restore")
    print("One-day incremental build...", file=sys.stderr)
    day = _time_day(warehouse, dbt_args, env, workdir / "target_day", repeat)
    print("Build with no new data...", file=sys.stderr)
    none = min((_run_dbt(dbt_args, env, workdir / "target_none") for _ in range(repeat)), key=lambda run: run.seconds)
    none_every_node = _run_dbt(every_node, env, workdir / "target_none_every_node")
    parse_seconds = _run_dbt(["parse", *variables], env, workdir / "target_parse").seconds

    history: dict[str, Any] | None = None
    if short_days is not None:
        print(f"One-day build on the last {short_days} days only...", file=sys.stderr)
        short = workdir / "warehouse_short_history.duckdb"
        shutil.copyfile(raw, short)
        first_received = last_day - timedelta(days=short_days - 1)
        _hold_out_last_day(short, last_day, first_received)
        short_env = {**env, "DBT_DUCKDB_PATH": str(short)}
        short_full = _run_dbt(dbt_args, short_env, workdir / "target_short_full")
        short_day = _time_day(short, dbt_args, short_env, workdir / "target_short_day", repeat)
        short.unlink()
        history = {
            "days": [short_days, long_days],
            "full_build_seconds": [short_full.seconds, full.seconds],
            "day_seconds": [short_day.seconds, day.seconds],
            "ratio": history_ratio(short_day.seconds, day.seconds),
            "short_day_build": asdict(short_day),
            "growth_by_model": history_growth(short_day.sql_seconds, day.sql_seconds, none.sql_seconds),
        }

    full_events = events - held_out
    return {
        "events_total": events,
        "days": long_days,
        "events_in_full_build": full_events,
        "events_in_new_day": held_out,
        "generation_seconds": generation_seconds,
        "command": ["dbt", *dbt_args],
        "full_build": asdict(full),
        "day_build": asdict(day),
        "none_build": asdict(none),
        "full_seconds": full.seconds,
        "day_seconds": day.seconds,
        "none_seconds": none.seconds,
        # None when the data are too small for the full build to outlast a run with no new data.
        "added_work_ratio": (
            added_work_ratio(full.seconds, day.seconds, none.seconds) if full.seconds > none.seconds else None
        ),
        "full_build_events_per_second": full_events / full.seconds,
        "none_breakdown": none_breakdown(none, parse_seconds),
        "none_every_node": asdict(none_every_node),
        "history": history,
        **marts,
        "max_account_members": max_account_members,
        "large_accounts": large_accounts,
        "duckdb_memory_limit": memory_limit,
        "dbt_threads": threads,
        "repeat": repeat,
    }


def _by_type(seconds: dict[str, float], counts: dict[str, int]) -> str:
    return ", ".join(f"{kind} {counts.get(kind, 0)} nodes {value:.1f} s" for kind, value in sorted(seconds.items()))


def print_report(result: dict[str, Any]) -> None:
    """Print the benchmark's figures (the dict run_benchmark returns) as plain lines."""
    full, day, none = result["full_build"], result["day_build"], result["none_build"]
    print(f"command: {' '.join(result['command'])}")
    print(
        f"events: {result['events_in_full_build']:,} in the full build ({result['days']} days), "
        f"{result['events_in_new_day']:,} in the new day"
    )
    print(
        f"T_full {full['seconds']:7.1f} s  ({result['full_build_events_per_second']:,.0f} events/s, "
        f"peak {full['peak_rss_mib']:,.0f} MiB)"
    )
    print(f"T_day  {day['seconds']:7.1f} s  (peak {day['peak_rss_mib']:,.0f} MiB)")
    print(f"T_none {none['seconds']:7.1f} s")
    ratio = result["added_work_ratio"]
    if ratio is None:
        print("(T_day - T_none) / (T_full - T_none): not measurable, the full build is not slower than T_none")
    else:
        print(f"(T_day - T_none) / (T_full - T_none) = {ratio:.3f}  (goal <= 0.10)")
    history = result["history"]
    if history:
        short_days, long_days = history["days"]
        short_seconds, long_seconds = history["day_seconds"]
        print(
            f"history: T_day {short_seconds:.1f} s with {short_days} days, {long_seconds:.1f} s with {long_days} days "
            f"(same new day): ratio {history['ratio']:.3f}  (goal <= 1.15 for a doubled history)"
        )
        print(
            f"SQL seconds of the one-day run that grow with history ({short_days} -> {long_days} days; "
            "in brackets: the same model in T_none):"
        )
        for row in history.get("growth_by_model", []):
            print(
                f"  {row['model']:48s} {row['short_day_seconds']:6.2f} -> {row['long_day_seconds']:6.2f} s "
                f"({row['growth_seconds']:+.2f}) [{row['none_seconds']:.2f}]"
            )
    breakdown = result["none_breakdown"]
    print(
        f"T_none is made of: dbt start-up and full parse {breakdown['startup_and_parse_seconds']:.1f} s; nodes "
        f"(execution seconds summed over {breakdown['threads']} threads): "
        f"{_by_type(breakdown['node_seconds_by_type'], breakdown['node_counts_by_type'])}; "
        f"other dbt work about {breakdown['other_seconds']:.1f} s"
    )
    slowest = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in breakdown["slowest_tests"][:5])
    print(f"slowest data tests of T_none: {slowest}")
    every = result["none_every_node"]
    print(
        f"the same no-data run with every node (dbt build, no selector): {every['seconds']:.1f} s; "
        f"{_by_type(every['node_seconds_by_type'], every['node_counts_by_type'])}"
    )
    for label, run in (("full", full), ("day", day), ("none", none)):
        print(f"node seconds ({label}): {_by_type(run['node_seconds_by_type'], run['node_counts_by_type'])}")
        slowest_models = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in run["slowest_models"][:5])
        print(f"slowest models ({label}): {slowest_models}")
    if "engagement_marts" in result:
        _print_marts(result)


def _print_marts(result: dict[str, Any]) -> None:
    engagement = result["engagement_marts"]
    print(
        f"engagement marts:  {engagement['full_build_seconds']:8.1f} s of the full build; "
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
