"""Command line: ``python -m product_analytics <command>``.

Commands:
  generate   write a deterministic demo dataset of raw Segment tables into a warehouse
  summary    print row counts per layer of a built warehouse and how to open it
  bench      time a full build, a one-day incremental build and a build with no new data
  report     write one self-contained HTML report (KPIs and charts) from a built warehouse
  publish    copy the marts of a DuckDB warehouse into a file BI tools (DuckDB 1.4+) open
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

from product_analytics.generator import Generator, GeneratorConfig
from product_analytics.publish import BI_STORAGE_VERSION, default_published_path
from product_analytics.schema import DEMO_SCHEMAS, TABLES
from product_analytics.warehouse import BulkLoader, Connection, connect, create_tables


def _peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(args: argparse.Namespace) -> int:
    """Generate the demo dataset and print throughput and peak memory."""
    config = GeneratorConfig(
        events=args.events,
        seed=args.seed,
        start=date.fromisoformat(args.start),
        days=args.days,
        max_account_members=args.max_account_members,
        large_accounts=args.large_accounts,
        noise=args.noise,
    )
    con = connect(args.target, args.path)
    started = time.perf_counter()
    create_tables(con, TABLES.values(), replace=True)
    loader = BulkLoader(con, chunk_rows=args.chunk_rows)
    generator = Generator(config, loader.add)
    next_report = [max(config.events // 10, 1)]

    def progress(rows: int) -> None:
        if rows >= next_report[0]:
            elapsed = time.perf_counter() - started
            print(
                f"  {rows:>12,} / {config.events:,} events  ({rows / elapsed:,.0f} events/s)",
                file=sys.stderr,
                flush=True,
            )
            next_report[0] += max(config.events // 10, 1)

    print(
        f"Generating ~{config.events:,} events (seed {config.seed}, {config.days} days from "
        f"{config.start}) into {args.target}" + (f" {args.path}" if args.target == "duckdb" else ""),
        file=sys.stderr,
    )
    generator.run(progress)
    loader.flush()
    con.close()
    elapsed = time.perf_counter() - started
    for name, count in sorted(generator.rows_by_table.items()):
        print(f"  {name:<28} {count:>12,} rows")
    print(
        f"Generated {generator.call_rows:,} events in {elapsed:.1f} s "
        f"({generator.call_rows / elapsed:,.0f} events/s), peak memory {_peak_rss_mib():,.0f} MiB; "
        f"schemas: {', '.join(DEMO_SCHEMAS)}"
    )
    return 0


def summary(args: argparse.Namespace) -> int:
    """Row counts of every relation in the package's schemas, and how to open the file."""
    con = connect(args.target, args.path)
    rows = con.query(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_schema in ('staging', 'intermediate', 'marts')
        order by case table_schema when 'staging' then 1 when 'intermediate' then 2 else 3 end, table_name
        """
    )
    current = None
    for schema, table in rows:
        if schema != current:
            print(f"\n{schema}:")
            current = schema
        count = con.query(f'select count(*) from "{schema}"."{table}"')[0][0]
        print(f"  {table:<40} {count:>12,} rows")
    if {("marts", "metrics_active_users_daily"), ("marts", "metrics_account_health_daily")} <= set(rows):
        _print_headlines(con)
    if {("marts", "dq_tracking_plan__events"), ("marts", "dq_tracking_plan__violations_daily")} <= set(rows):
        _print_tracking_plan(con)
    con.close()
    if args.target == "duckdb":
        print(
            f"\nThe warehouse is the DuckDB file {args.path}. Open it with\n"
            f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{args.path}', read_only=True)"
            ".sql('select * from marts.metrics_active_users_daily order by date_day desc limit 7'))\"\n"
            f"BI tools (DBeaver, Metabase, Rill, Evidence) should open the published copy of the marts,\n"
            f"  {default_published_path(args.path)}  (python -m product_analytics publish --path {args.path}):\n"
            "its storage format is one their DuckDB 1.4/1.5 reads, and a tool holding it open never blocks dbt build."
        )
    return 0


def _print_headlines(con: Connection) -> None:
    """The latest day's engagement, account health and funnel conversion, read from the marts."""
    day, dau, wau, mau = con.query(
        "select date_day, dau, wau, mau from marts.metrics_active_users_daily order by date_day desc limit 1"
    )[0]
    daa, total = con.query(
        "select daa, total_accounts from marts.metrics_active_accounts_daily order by date_day desc limit 1"
    )[0]
    print(f"\nOn the last day of data, {day}:")
    print(f"  users active: {dau:,} that day, {wau:,} in 7 days, {mau:,} in 30 days")
    print(f"  accounts active: {daa:,} of {total:,}")
    tiers = con.query(
        "select health_tier, count(*) from marts.metrics_account_health_daily "
        "where date_day = (select max(date_day) from marts.metrics_account_health_daily) "
        "group by health_tier order by health_tier"
    )
    print("  account health: " + ", ".join(f"{tier} {count:,}" for tier, count in tiers))
    steps = con.query(
        "select funnel_name, entity_type, step_name, entities, conversion_from_start from marts.metrics_funnel_steps "
        "order by funnel_name, entity_type desc, step_number"
    )
    funnels: dict[tuple[str, str], list[str]] = {}
    for funnel, entity, step, entities, rate in steps:
        share = "" if rate is None else f" ({rate:.0%})"
        funnels.setdefault((funnel, entity), []).append(f"{step} {entities:,}{share}")
    for (funnel, entity), parts in funnels.items():
        print(f"  funnel {funnel}, {entity}s: " + " -> ".join(parts))


def _print_tracking_plan(con: Connection) -> None:
    """The tracking plan's status (dq_tracking_plan__events) and its violations over the last 30
    days of data (dq_tracking_plan__violations_daily), in a few lines."""
    events = con.query(
        "select event_name, is_planned, status, follows_naming_convention, last_seen_at "
        "from marts.dq_tracking_plan__events order by event_name"
    )
    by_status: dict[str, list[str]] = {}
    for name, _, status, _, last_seen in events:
        label = f"{name} (last seen {last_seen:%Y-%m-%d})" if status == "planned_not_seen_last_30d" else name
        by_status.setdefault(status, []).append(label)
    planned = sum(1 for row in events if row[1])
    print(f"\nTracking plan: {planned} planned events, {len(by_status.get('ok', []))} ok")
    for status, label in (
        ("unplanned", "sent but not planned"),
        ("planned_not_seen_last_30d", "planned, not sent in the last 30 days"),
        ("planned_never_seen", "planned, never sent"),
    ):
        if by_status.get(status):
            print(f"  {label}: " + ", ".join(by_status[status]))
    misnamed = [row[0] for row in events if not row[3]]
    if misnamed:
        print("  names breaking the naming convention: " + ", ".join(misnamed))
    violations = con.query(
        "select event_name, violation, sum(violating_events), sum(total_events) "
        "from marts.dq_tracking_plan__violations_daily "
        "where (violation like 'missing_required_property:%' or violation like 'property_naming_convention:%') "
        "and event_date > (select max(event_date) - 30 from marts.fct_events) "
        "group by event_name, violation order by event_name, violation"
    )
    properties = [
        f"{name} {violation.split(':', 1)[1]} ({'missing' if violation.startswith('missing') else 'misnamed'}"
        f" in {violating:,} of {total:,})"
        for name, violation, violating, total in violations
    ]
    if properties:
        print("  properties, last 30 days of data: " + "; ".join(properties))
    delivery = con.query(
        "select sum(messages), sum(duplicate_rows), max(arrival_seconds_p95), max(load_seconds_max), "
        "sum(messages_written_after_lookback) from marts.dq_segment__arrival_daily "
        "where received_date > (select max(received_date) - 7 from marts.dq_segment__arrival_daily)"
    )
    messages, duplicates, arrival_p95, load_max, after_lookback = delivery[0]
    if messages:
        print(
            f"  delivery, last 7 days received: {messages:,} messages, {duplicates:,} duplicate copies, "
            f"worst daily p95 arrival delay {(arrival_p95 or 0) / 3600:,.1f} h, longest loader delay "
            f"{(load_max or 0) / 60:,.1f} min, {after_lookback:,} written after the incremental lookback"
        )


def report(args: argparse.Namespace) -> int:
    """Write the HTML report of a built warehouse and print where it is."""
    from product_analytics.report import ReportError, stderr_progress, write_report

    started = time.perf_counter()
    try:
        con = connect(args.target, args.path, read_only=True)
    except FileNotFoundError as error:
        print(f"report: {error}", file=sys.stderr)
        return 1
    if args.target == "spark":
        from product_analytics.spark import spark_home

        source = f"Spark warehouse {spark_home()}"
    else:
        source = {"duckdb": f"DuckDB file {args.path}", "postgres": "PostgreSQL (PG* environment)"}[args.target]
    try:
        out = write_report(con, Path(args.out), source, stderr_progress)
    except ReportError as error:
        print(f"report: {error}", file=sys.stderr)
        return 1
    finally:
        con.close()
    size = out.stat().st_size / 1_048_576
    print(
        f"Wrote the report to {out.resolve()} ({size:.1f} MiB, {time.perf_counter() - started:.1f} s); "
        "open it in any browser (it needs no network)."
    )
    return 0


def bench(args: argparse.Namespace) -> int:
    """Run the benchmark and print (and save) its report."""
    from product_analytics.bench import print_report, run_benchmark

    if len(args.days) > 2:
        raise ValueError(f"--days takes one or two values, got {len(args.days)}")
    days = args.days[0] if len(args.days) == 1 else (args.days[0], args.days[1])
    result = run_benchmark(
        args.events,
        days,
        args.seed,
        Path(args.workdir),
        args.reuse_raw,
        args.memory_limit,
        args.threads,
        args.max_account_members,
        args.large_accounts,
        args.selector or None,
        args.repeat,
        not args.skip_floors,
    )
    print_report(result)
    out = Path(args.workdir) / f"bench_{args.events}_{int(time.time())}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"saved {out}")
    return 0


def publish(args: argparse.Namespace) -> int:
    """Write the published copy of the marts and say where it is."""
    from product_analytics.publish import publish as publish_marts

    result = publish_marts(args.path, args.out, storage_version=args.storage_version)
    rows = sum(result.row_counts.values())
    print(
        f"Published {len(result.row_counts)} tables of schema marts ({rows:,} rows) from {args.path} to "
        f"{result.path} in {result.seconds:.1f} s (DuckDB storage {args.storage_version}: DuckDB 1.4 and later "
        "read it). Point BI tools at that file: the next dbt build never waits for a tool that holds it open."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m product_analytics", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a demo dataset of raw Segment tables")
    gen.add_argument("--events", type=int, default=200_000, help="number of call rows to write (default 200,000)")
    gen.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same data")
    gen.add_argument("--start", default="2026-07-01", help="first simulated day, YYYY-MM-DD")
    gen.add_argument("--days", type=int, default=120, help="number of simulated days (default 120)")
    gen.add_argument("--max-account-members", type=int, default=60, help="members of the largest accounts")
    gen.add_argument(
        "--large-accounts", type=int, default=0, help="accounts of max-account-members members over all the days"
    )
    gen.add_argument("--noise", type=float, default=1.0, help="scale of delivery defects; 0 for clean data")
    gen.add_argument("--chunk-rows", type=int, default=200_000, help="rows buffered before each bulk load")
    rep = commands.add_parser("report", help="write a self-contained HTML report of the marts")
    rep.add_argument("--out", default="report.html", help="HTML file to write (default report.html)")
    for sub in (gen, commands.add_parser("summary", help="row counts per layer of a built warehouse"), rep):
        sub.add_argument("--target", choices=("duckdb", "postgres", "spark"), default="duckdb")
        sub.add_argument("--path", default="warehouse.duckdb", help="DuckDB file (duckdb target)")

    ben = commands.add_parser("bench", help="time a full build and a one-day incremental build")
    ben.add_argument("--events", type=int, default=10_000_000, help="events to generate (default 10,000,000)")
    ben.add_argument(
        "--days",
        type=int,
        nargs="+",
        default=[92],
        metavar="D",
        help="days of history, the last one loaded incrementally (default 92); two values D1 D2: the data "
        "cover D2 days and the one-day run is also timed on their last D1 days (e.g. --days 46 92)",
    )
    ben.add_argument(
        "--selector",
        default="production",
        help="dbt selector of the timed builds (default production, selectors.yml); '' for every node",
    )
    ben.add_argument(
        "--repeat", type=int, default=1, help="time the one-day and no-data runs this many times, keep the fastest"
    )
    ben.add_argument(
        "--skip-floors",
        action="store_true",
        help="do not time the engagement and funnel marts against their floor queries",
    )
    ben.add_argument("--seed", type=int, default=42)
    ben.add_argument("--workdir", default="bench_results", help="where the warehouses and reports go")
    ben.add_argument("--reuse-raw", action="store_true", help="reuse a generated raw warehouse of the same settings")
    ben.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit during the builds")
    ben.add_argument("--threads", type=int, default=None, help="dbt threads (default: the profile's)")
    ben.add_argument(
        "--max-account-members",
        type=int,
        default=800,
        help="members of the largest accounts (default 800)",
    )
    ben.add_argument(
        "--large-accounts",
        type=int,
        default=3,
        help="accounts with the largest membership from the first day to the last (default 3: over 100k events each)",
    )

    pub = commands.add_parser("publish", help="copy the marts into a file BI tools (DuckDB 1.4 and later) open")
    pub.add_argument("--path", default="warehouse.duckdb", help="the DuckDB warehouse dbt builds")
    pub.add_argument("--out", default=None, help="the published copy (default: <path stem>.bi.duckdb beside it)")
    pub.add_argument("--storage-version", default=BI_STORAGE_VERSION, help="DuckDB storage format of the copy")

    args = parser.parse_args(argv)
    try:
        commands_by_name = {
            "generate": generate,
            "summary": summary,
            "bench": bench,
            "report": report,
            "publish": publish,
        }
        return commands_by_name[args.command](args)
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
        return 2


if __name__ == "__main__":
    sys.exit(main())
