"""The package on Spark (local session, parquet tables; README "Running on Spark").

Every dbt command runs in the host project integration_tests/, which installs the package as a
user does (packages.yml `local: ../`, the `dispatch` line README asks of a host on Spark) with
its own overrides: reporting time zone Europe/Berlin, `name` hashed too, its own tracking plan
(a seed with an apostrophe, which dbt-spark's own seed loader cannot insert). The DuckDB builds
compared with Spark's run in the same host project, so the comparison is of the same
configuration.

A small generated dataset, with test_incremental's changes to the past injected and its batch 2
held out, is loaded into a Spark warehouse and into a DuckDB file; `dbt build` (every seed,
model and data test) must pass on Spark, and every mart must equal, row for row, the DuckDB
build of the same data. Batch 2 (late events, a late identify, a late alias, an opt-out, a
deletion, ...) is then loaded and dbt runs incrementally on Spark: every mart must equal a
DuckDB build of both batches at once, every day whose rows batch 2 changes must have been
rewritten (in each table partitioned by day there, SPARK_DAY_PARTITIONED), and a user deleted
before batch 2 must keep the deletion stamp of batch 1 (it is not deleted anew). Batch 3, one
late event on an old day, then runs: the day-partitioned tables must equal DuckDB's, and only
that day and the days received within the lookback may be rewritten (batch 2 reaches nearly
every day: its opt-outs and deletion change all of an account's or user's days); the delivery
aggregates, keyed by the day received, must rewrite exactly the received days from their
incremental cutoff on (taken from the DuckDB build) and their rows without a received day.
Each dbt call on Spark pays a JVM start and every query costs far more than on DuckDB, so the
dataset is small, Spark builds once and runs twice more, and of the dbt unit tests (hand-made
rows, run on DuckDB and PostgreSQL by the other tests; a third of the Spark build's time) only
those of the models whose select differs on Spark run here (SPARK_UNIT_TESTED). `DBT_TARGET=spark
make demo` runs them all. Needs Java 17 (`java` on the PATH); pyspark and dbt-spark come with `make
install`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import load_generated, make_warehouse
from harness import HOST, Warehouse, as_date, install_host_package, snapshot
from test_incremental import VARS, _hold_out_batch_2, _load_batch_2, inject_changes_to_the_past

from product_analytics.generator import GeneratorConfig

#: Small enough for Spark in CI (its time goes to the number of queries, not to the rows), big
#: enough that every mart has rows and that inject_changes_to_the_past finds a user of every
#: kind it changes (smaller datasets or other seeds lack some).
SPARK_CONFIG = GeneratorConfig(events=15_000, seed=25, days=45)
#: Significant digits compared in floating-point values (engines differ in the last bits of
#: a division or an average).
FLOAT_DIGITS = 9
#: One account opts out: its newest group call is sent again, later, with the opt-out trait.
#: Removing the account's rows must keep every event without an account (a null account_id
#: tested against the opted-out accounts is null, and must not count as a match).
#: The call copied is the newest received before batch 2's split (`{split}`), so batch 1 holds
#: the opt-out in the Spark warehouse and both batches hold it in the DuckDB full build.
OPT_OUT_ONE_ACCOUNT = """
insert into segment_backend.groups by name
select * replace (
    'spark-test-opt-out' as id,
    true as analytics_opt_out,
    least(received_at + interval 1 minute, cast('{split}' as timestamptz)) as received_at,
    "timestamp" + interval 1 minute as "timestamp"
)
from segment_backend.groups
where received_at <= '{split}'
order by received_at desc, id
limit 1
"""


def _opt_out_one_account(warehouse: Warehouse, split: datetime) -> None:
    with warehouse.connection() as con:
        con.execute(OPT_OUT_ONE_ACCOUNT.format(split=split))


@pytest.fixture(scope="module")
def spark_and_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Warehouse, str]]:
    """Batch 1 of the same generated data built on Spark and on DuckDB, each with `dbt build`;
    and the user whom batch 2 puts on the deletion list."""
    if shutil.which("java") is None:
        raise RuntimeError("the Spark tests need Java 17: install it (Debian: apt-get install openjdk-17-jre-headless)")
    tmp = tmp_path_factory.mktemp("spark")
    spark = make_warehouse("spark", "spark_built", tmp)
    duckdb = make_warehouse("duckdb", "spark_reference", tmp)
    install_host_package(duckdb)
    for warehouse, name in ((spark, "spark_built"), (duckdb, "spark_reference")):
        load_generated(warehouse, SPARK_CONFIG)
        split, deleted_user, *_ = inject_changes_to_the_past(warehouse)
        _opt_out_one_account(warehouse, split)
        _hold_out_batch_2(warehouse, split)
        warehouse.dbt(
            "build",
            "--exclude-resource-type",
            "unit_test",
            "--target-path",
            str(tmp / f"{name}.target"),
            vars=VARS,
            cwd=HOST,
        )
    yield spark, duckdb, deleted_user


def test_spark_build_keeps_its_state_in_the_spark_home(spark_and_duckdb: tuple[Warehouse, Warehouse]) -> None:
    spark, _, _ = spark_and_duckdb
    home = Path(spark.env["DBT_SPARK_HOME"])
    assert (home / "metastore_db").is_dir()
    # fct_events is a view on Spark over its day-partitioned table (docs/decisions.md, "Spark").
    assert (home / "warehouse" / "marts.db" / "dim_users").is_dir()
    assert (home / "warehouse" / "intermediate.db" / "fct_events__by_day").is_dir()
    assert (home / "derby.log").exists()
    # Nothing of Spark's lands in the directory dbt runs in (the host project) nor in the package's.
    for folder in (HOST, Path(__file__).resolve().parents[2]):
        assert not (folder / "derby.log").exists()
        assert not (folder / "metastore_db").exists()
        assert not (folder / "spark-warehouse").exists()


def test_every_mart_on_spark_equals_the_duckdb_build(spark_and_duckdb: tuple[Warehouse, Warehouse, str]) -> None:
    spark, duckdb, _ = spark_and_duckdb
    expected = snapshot(duckdb, ("marts",), float_digits=FLOAT_DIGITS)
    actual = snapshot(spark, ("marts",), float_digits=FLOAT_DIGITS)
    assert set(actual) == set(expected), (
        f"marts missing on Spark: {sorted(set(expected) - set(actual))}, "
        f"only on Spark: {sorted(set(actual) - set(expected))}"
    )
    for name in expected:
        schema, table = name.split(".")
        assert spark.columns(schema, table) == duckdb.columns(schema, table), name
    _assert_equal(expected, actual)
    # The comparison is not vacuous: the data fill the marts that matter.
    for name in ("marts.fct_events", "marts.metrics_active_users_daily", "marts.metrics_account_health_daily"):
        assert expected[name], name
    # An account opted out and events without an account remain: a removal that drops rows
    # whose condition is null (not only true) shows as differing marts above.
    assert duckdb.rows("select count(*) as n from marts.fct_events where account_id is null")[0]["n"] > 0
    opted_out = "select count(*) as n from segment_backend.groups where analytics_opt_out and id = 'spark-test-opt-out'"
    assert duckdb.rows(opted_out)[0]["n"] == 1
    # Both builds took the host's overrides: its plan makes `Exported Data` no activity (the
    # package's demo plan makes it activity), and reporting days are Berlin's.
    exported_sql = "select distinct is_activity from marts.fct_events where event_name = 'Exported Data'"
    for warehouse in (spark, duckdb):
        exported = warehouse.rows(exported_sql)
        assert exported == [{"is_activity": False}], exported
    events = duckdb.rows("select event_at, event_date from marts.fct_events")
    berlin = ZoneInfo("Europe/Berlin")
    assert all(e["event_date"] == e["event_at"].replace(tzinfo=UTC).astimezone(berlin).date() for e in events)
    assert any(e["event_date"] != e["event_at"].date() for e in events)


#: Models whose select differs on Spark outside incremental runs too (the rows of deleted users
#: and opted-out accounts are left out by the select there, by a post-hook elsewhere): their dbt
#: unit tests run on Spark as well. The other unit tests run on DuckDB and PostgreSQL only.
SPARK_UNIT_TESTED = ("fct_events", "metrics_account_health_daily")


def test_the_unit_tests_of_models_whose_select_differs_on_spark_pass_there(
    spark_and_duckdb: tuple[Warehouse, Warehouse, str], tmp_path: Path
) -> None:
    """Before this test a Spark-only branch of fct_events refed the deletion list, which its unit
    tests give no rows for, and failed to compile there (found by `DBT_TARGET=spark make demo`)."""
    spark, _, _ = spark_and_duckdb
    selected = [f"{model},resource_type:unit_test" for model in SPARK_UNIT_TESTED]
    spark.dbt("test", "--select", *selected, "--target-path", str(tmp_path / "target"), vars=VARS, cwd=HOST)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    # unique_id: unit_test.<package>.<model>.<test name> (the run's hooks are results too)
    unit_tests = [result for result in results if result["unique_id"].startswith("unit_test.")]
    assert {result["unique_id"].split(".")[2] for result in unit_tests} == set(SPARK_UNIT_TESTED), unit_tests
    assert all(result["status"] == "pass" for result in unit_tests), [(r["unique_id"], r["status"]) for r in unit_tests]


def test_a_schema_that_does_not_exist_is_named_on_spark_too(
    spark_and_duckdb: tuple[Warehouse, Warehouse, str], tmp_path: Path
) -> None:
    """segment_schemas naming a schema that does not exist (a typo): the run warns naming it and
    reads the others, and with no configured schema holding Segment tables it stops before any
    model, naming the schemas that hold them. Found by a user following the README on Spark:
    `show tables` fails on a missing schema (the other engines list nothing) and Spark has no
    information_schema, so both runs failed with a raw Spark error instead."""
    spark, _, _ = spark_and_duckdb
    schemas = VARS["segment_schemas"]
    target = ("--target-path", str(tmp_path / "target"))
    selected = ("--select", "base_segment__event_properties")
    with_typo = {**VARS, "segment_schemas": [*schemas, "segment_mobile"]}
    output = spark.dbt("run", *selected, *target, vars=with_typo, cwd=HOST)
    assert "segment_schemas lists 'segment_mobile', but segment_mobile holds none" in " ".join(output.split())
    only_typo = {**VARS, "segment_schemas": ["segment_mobile"]}
    failed = " ".join(spark.dbt("run", *selected, *target, vars=only_typo, cwd=HOST, check=False).split())
    assert "in any schema of segment_schemas (segment_mobile); nothing was run" in failed, failed[-3000:]
    assert f"Schemas that hold a tracks or identifies table: {', '.join(sorted(schemas))}." in failed, failed[-3000:]


def _assert_equal(expected: dict[str, list[tuple]], actual: dict[str, list[tuple]]) -> None:
    differing = {
        name: {
            "rows (DuckDB, Spark)": (len(expected[name]), len(actual[name])),
            "only in DuckDB": sorted(set(expected[name]) - set(actual[name]), key=str)[:3],
            "only in Spark": sorted(set(actual[name]) - set(expected[name]), key=str)[:3],
        }
        for name in expected
        if expected[name] != actual[name]
    }
    assert not differing, f"tables that differ between Spark and DuckDB: {differing}"


#: The tables partitioned by day on Spark, where a run rewrites the day partitions it recomputes
#: (insert_overwrite) -> their day column, the partition column. Each is compared with DuckDB's
#: after every incremental run, by column name outside the marts (on Spark the partition column
#: comes last), and the partitions each run rewrote are checked against the days it must change.
SPARK_DAY_PARTITIONED = {
    "intermediate.int_engagement__activity_days": "date_day",
    "intermediate.int_tracking_plan__event_days": "event_date",
    "intermediate.int_tracking_plan__event_property_days": "event_date",
    "marts.fct_events": "event_date",
    "marts.metrics_account_health_daily": "date_day",
    "marts.dq_segment__message_counts_daily": "received_date",
    "marts.dq_segment__nulled_values_daily": "received_date",
    "marts.dq_segment__arrival_daily": "received_date",
    "staging.stg_segment__tracks": "received_date",
    "staging.stg_segment__pages": "received_date",
}
#: The marts among them, and the staged calls, are views on Spark over a partitioned table of
#: another name (docs/decisions.md, "Spark"), whose partition files are checked.
SPARK_PARTITIONED_TABLES = {
    "marts.fct_events": "intermediate.fct_events__by_day",
    "marts.metrics_account_health_daily": "intermediate.metrics_account_health_daily__by_day",
    "marts.dq_segment__message_counts_daily": "intermediate.dq_segment__message_counts_daily__by_day",
    "marts.dq_segment__nulled_values_daily": "intermediate.dq_segment__nulled_values_daily__by_day",
    "marts.dq_segment__arrival_daily": "intermediate.dq_segment__arrival_daily__by_day",
    "staging.stg_segment__tracks": "staging.stg_segment__tracks__by_day",
    "staging.stg_segment__pages": "staging.stg_segment__pages__by_day",
}
#: Tables partitioned by a day that is no column of theirs elsewhere (the view hides it on
#: Spark): the UTC day of this timestamp column. Their batch-3 scope is the received days of
#: the rows received within the lookback (all a run re-reads), whatever day the events are on.
#: (stg_segment__screens is built the same way, by the same macros, but no generated source has
#: a screens table: it is empty here, and a check of its changed days could not fail.)
PARTITIONED_BY_RECEIVED_DAY = {
    "staging.stg_segment__tracks": "received_at",
    "staging.stg_segment__pages": "received_at",
}
#: Models whose run recomputes each changed account from the first day a change reaches to the
#: last day: their batch-3 scope is every day from the late event's on.
RECOMPUTED_TO_THE_LAST_DAY = {"marts.metrics_account_health_daily"}
#: Models keyed by the day received: a run recomputes every received day from the incremental
#: cutoff on (the newest day the table holds, less the lookback), and the rows without a
#: received day (received_date null, Spark's partition `__HIVE_DEFAULT_PARTITION__`).
RECOMPUTED_BY_DAY_RECEIVED = {
    table
    for table, day in SPARK_DAY_PARTITIONED.items()
    if day == "received_date" and table not in PARTITIONED_BY_RECEIVED_DAY
}
#: Spark's name of the partition of a null day.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def _partition_files(spark: Warehouse, table: str) -> dict[str, list[str]]:
    """Partition folder (`<day column>=...`) -> its parquet file names, of a built Spark table
    (a mart: of the partitioned table the mart's view reads)."""
    table = SPARK_PARTITIONED_TABLES.get(table, table)
    folder = Path(spark.env["DBT_SPARK_HOME"]) / "warehouse" / table.replace(".", ".db/", 1)
    return {p.name: sorted(f.name for f in p.glob("*.parquet")) for p in folder.iterdir() if p.is_dir()}


def _compared(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """The marts, and the day-partitioned tables outside them (by column name)."""
    marts = snapshot(warehouse, ("marts",), float_digits=FLOAT_DIGITS)
    schemas = tuple(sorted({name.split(".")[0] for name in SPARK_DAY_PARTITIONED} - {"marts"}))
    others = snapshot(warehouse, schemas, float_digits=FLOAT_DIGITS, by_column_name=True)
    return {**marts, **{name: rows for name, rows in others.items() if name in SPARK_DAY_PARTITIONED}}


#: int_identity__anonymous_links is keyed by anonymous id; on Spark its rows live in a table
#: partitioned by `linked_date` (the UTC day of linked_at), and a view at the model's name selects
#: the yml's columns. A run rewrites the days of the links it recomputes (the anonymous ids of the
#: linking calls received since its cutoff), before and now.
ANONYMOUS_LINKS = "intermediate.int_identity__anonymous_links"
ANONYMOUS_LINKS_TABLE = "intermediate.int_identity__anonymous_links__by_day"


def _anonymous_links(warehouse: Warehouse) -> list[tuple]:
    """The model's rows with their values in column-name order (anonymous_id,
    latest_link_received_at, linked_at, ...); on Spark read from its partitioned table, without
    the partition column."""
    name = ANONYMOUS_LINKS_TABLE if warehouse.target == "spark" else ANONYMOUS_LINKS
    tables = snapshot(
        warehouse, ("intermediate",), by_column_name=True, skipped_columns={ANONYMOUS_LINKS_TABLE: ("linked_date",)}
    )
    return tables[name]


def _link_days(links: list[tuple], anonymous_ids: set[str] | None = None) -> set[str]:
    """The partitions (`linked_date=YYYY-MM-DD`) of the links (as _anonymous_links returns them)
    of `anonymous_ids` (all when None)."""
    return {f"linked_date={row[2].date()}" for row in links if anonymous_ids is None or row[0] in anonymous_ids}


#: Batch 3: one track call received after batch 2, a copy (new message id) of the earliest
#: activity track of a user still in the tables: it lands on a day long before the lookback.
LATE_TRACK_ID = "spark-test-late-track"
LATE_TRACK = """
insert into segment_web.tracks by name
select * replace (
    '{late_id}' as id,
    (select max(received_at) from segment_web.tracks) + interval 1 hour as received_at,
    (select max(received_at) from segment_web.tracks) + interval 61 minute as uuid_ts
)
from segment_web.tracks
where id = '{copied_id}'
"""
#: dbt_project.yml's incremental_lookback_hours (the tests' VARS keep it).
LOOKBACK_HOURS = 48


def _deletion_stamps(warehouse: Warehouse) -> dict[str, object]:
    stamps = warehouse.rows(
        "select user_id, newest_received_at_when_listed from intermediate.int_identity__deleted_users"
    )
    return {row["user_id"]: row["newest_received_at_when_listed"] for row in stamps}


def _days_whose_rows_differ(before: list[tuple], after: list[tuple], day_position: int, day_column: str) -> set[str]:
    """Days (`<day_column>=YYYY-MM-DD`, as Spark names a partition) whose rows differ between two
    snapshots of a table (rows as tuples, the day at `day_position`: a date, or a UTC timestamp
    whose day it is; a null day is Spark's null partition)."""
    return {
        f"{day_column}={NULL_PARTITION if row[day_position] is None else as_date(row[day_position])}"
        for row in set(before) ^ set(after)
    }


def test_an_incremental_run_on_spark_equals_a_full_build(
    spark_and_duckdb: tuple[Warehouse, Warehouse, str], tmp_path: Path
) -> None:
    """Runs after the batch-1 tests above (it adds batch 2, then batch 3, to the Spark warehouse)."""
    spark, batch_1, deleted_user = spark_and_duckdb
    full = make_warehouse("duckdb", "spark_full_reference", tmp_path)
    load_generated(full, SPARK_CONFIG)
    split, *_ = inject_changes_to_the_past(full)
    _opt_out_one_account(full, split)
    with full.connection() as con:
        con.execute(f"insert into privacy.deleted_users values ('{deleted_user}')")
    full.dbt("build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test", vars=VARS, cwd=HOST)

    partitions_before = {table: _partition_files(spark, table) for table in SPARK_DAY_PARTITIONED}
    links_files_before = _partition_files(spark, ANONYMOUS_LINKS_TABLE)
    before = _compared(spark)
    stamps_before = _deletion_stamps(spark)
    _load_batch_2(spark, deleted_user)
    spark.dbt("run", "--target-path", str(tmp_path / "target"), vars=VARS, cwd=HOST)

    expected, actual = _compared(full), _compared(spark)
    assert set(actual) == set(expected)
    _assert_equal(expected, actual)
    # Batch 2 changed batch-1 days (the comparison is not of unchanged tables).
    for table in SPARK_DAY_PARTITIONED:
        assert before[table] != actual[table], table
    assert before["marts.fct_events"] != actual["marts.fct_events"]
    # The run was incremental: activity_days read back the kept rows of the days it rewrote.
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    compiled = {r["unique_id"].split(".")[-1]: r.get("compiled_code") or "" for r in results}
    assert "kept_rows" in compiled["int_engagement__activity_days"]
    # Every day whose rows batch 2 changes (DuckDB: batch 1 alone against both batches) was
    # rewritten, in each day-partitioned table. Batch 2's changes to the past (opt-outs, a
    # withdrawn opt-out, a deletion, each reaching all of an account's or a user's days) put
    # almost every day in the activity days' scope.
    partitions_after = {table: _partition_files(spark, table) for table in SPARK_DAY_PARTITIONED}
    batch_1_tables = _compared(batch_1)
    for table, day_column in SPARK_DAY_PARTITIONED.items():
        columns = batch_1.columns(*table.split("."))
        # The marts are compared in their column order, the other tables by column name.
        day_position = (columns if table.startswith("marts.") else sorted(columns)).index(
            PARTITIONED_BY_RECEIVED_DAY.get(table, day_column)
        )
        changed = _days_whose_rows_differ(batch_1_tables[table], expected[table], day_position, day_column)
        before_files, after_files = partitions_before[table], partitions_after[table]
        days = set(before_files) | set(after_files)
        rewritten = {day for day in days if before_files.get(day) != after_files.get(day)}
        assert changed and changed <= rewritten, (table, sorted(changed - rewritten))
    # A user deleted before batch 2 is not deleted anew: the user keeps the watermark stamped
    # when first listed (a run that re-stamped it would recompute the user's events each time).
    stamps_after = _deletion_stamps(spark)
    assert stamps_before and {user: stamps_after.get(user) for user in stamps_before} == stamps_before
    assert deleted_user in stamps_after
    # The anonymous links equal DuckDB's, and the days of every link batch 2 changes were rewritten.
    links_batch_1, links_expected = _anonymous_links(batch_1), _anonymous_links(full)
    assert _anonymous_links(spark) == links_expected
    links_changed = _link_days(list(set(links_batch_1) ^ set(links_expected)))
    links_files = _partition_files(spark, ANONYMOUS_LINKS_TABLE)
    links_rewritten = {
        day for day in set(links_files_before) | set(links_files) if links_files_before.get(day) != links_files.get(day)
    }
    assert links_changed and links_changed <= links_rewritten, sorted(links_changed - links_rewritten)

    # Batch 3, one late event on an old day: the run rewrites that day and the days of the
    # events received within the lookback, and leaves the files of every other day as they were
    # (a table build rewrites every file).
    copied = full.rows(
        "select event_id, event_date from marts.fct_events "
        "where is_activity and event_type = 'track' and source_schema = 'segment_web' and user_id is not null "
        "order by event_at, event_id limit 1"
    )[0]
    scope = {
        row["event_date"]
        for row in full.rows(
            "select distinct event_date from marts.fct_events where received_at >= "
            f"(select max(received_at) from marts.fct_events) - interval {LOOKBACK_HOURS} hour"
        )
    } | {copied["event_date"]}
    # The tables keyed by the day received: the days from the cutoff each will read on DuckDB
    # (the newest day it holds before batch 3, less the lookback) and the late event's (after).
    first_received_day = {
        table: (
            datetime.combine(full.rows(f"select max(received_date) as newest from {table}")[0]["newest"], time())
            - timedelta(hours=LOOKBACK_HOURS)
        ).date()
        for table in RECOMPUTED_BY_DAY_RECEIVED
    }
    # A table partitioned by received day re-reads the copies received within its lookback
    # (from its newest row before batch 3), the late track's among them: only their days change.
    received_since = {
        table: full.rows(f"select max({column}) - interval {LOOKBACK_HOURS} hour as cutoff from {table}")[0]["cutoff"]
        for table, column in PARTITIONED_BY_RECEIVED_DAY.items()
    }
    for warehouse in (full, spark):
        with warehouse.connection() as con:
            con.execute(LATE_TRACK.format(late_id=LATE_TRACK_ID, copied_id=copied["event_id"]))
    links_before_batch_3 = _anonymous_links(full)
    full.dbt("run", "--target-path", str(tmp_path / "full_target_batch_3"), vars=VARS, cwd=HOST)
    partitions_before = partitions_after
    spark.dbt("run", "--target-path", str(tmp_path / "target_batch_3"), vars=VARS, cwd=HOST)

    expected, actual = _compared(full), _compared(spark)
    for table, day_column in SPARK_DAY_PARTITIONED.items():
        _assert_equal({table: expected[table]}, {table: actual[table]})
        before_files, after_files = partitions_before[table], _partition_files(spark, table)
        kept = {day for day, files in before_files.items() if after_files.get(day) == files}
        rewritten = set(after_files) - kept
        late_day = f"{day_column}={copied['event_date']}"
        if table in PARTITIONED_BY_RECEIVED_DAY:
            column = PARTITIONED_BY_RECEIVED_DAY[table]
            table_scope = {
                f"{day_column}={as_date(row['day'])}"
                for row in full.rows(
                    f"select distinct cast({column} as date) as day from {table} "
                    f"where {column} >= '{received_since[table]}'"
                )
            }
            assert kept, (table, sorted(rewritten))
            if table == "staging.stg_segment__tracks":
                # The late track (a new message) is staged on its received day.
                late_sql = f"select cast({column} as date) as day from {table} where message_id = '{LATE_TRACK_ID}'"
                late = full.rows(late_sql)
                assert f"{day_column}={as_date(late[0]['day'])}" in rewritten, (late, sorted(rewritten))
        elif table in RECOMPUTED_TO_THE_LAST_DAY:
            # The events re-read within the lookback are recomputed too, so something is rewritten.
            table_scope = {day for day in set(before_files) | set(after_files) if day >= late_day}
            assert rewritten, table
        elif table in RECOMPUTED_BY_DAY_RECEIVED:
            # Every received day from the cutoff on that holds rows on DuckDB is rewritten (the
            # late event's among them), the rows without a received day too; nothing before.
            day_position = full.columns(*table.split(".")).index(day_column)
            table_scope = {
                f"{day_column}={NULL_PARTITION if row[day_position] is None else row[day_position]}"
                for row in expected[table]
                if row[day_position] is None or row[day_position] >= first_received_day[table]
            }
            assert kept and table_scope <= rewritten, (table, sorted(table_scope - rewritten))
        else:
            table_scope = {f"{day_column}={day}" for day in scope}
            assert kept and late_day in rewritten, (table, sorted(kept), sorted(rewritten))
        assert rewritten <= table_scope, (table, sorted(rewritten - table_scope))
    # The batch-3 run rewrote the days of the links of the linking calls received since its
    # cutoff (those whose newest linking call is that recent), before and now, and no other.
    links_after_batch_3 = _anonymous_links(full)
    assert _anonymous_links(spark) == links_after_batch_3
    links_cutoff = max(row[1] for row in links_before_batch_3) - timedelta(hours=LOOKBACK_HOURS)
    re_read = {row[0] for row in links_after_batch_3 if row[1] >= links_cutoff}
    links_scope = _link_days(links_before_batch_3, re_read) | _link_days(links_after_batch_3, re_read)
    links_files_after = _partition_files(spark, ANONYMOUS_LINKS_TABLE)
    links_kept = {day for day, files in links_files.items() if links_files_after.get(day) == files}
    links_rewritten = set(links_files_after) - links_kept
    assert re_read and links_kept and links_rewritten <= links_scope, sorted(links_rewritten - links_scope)
    # Every mart equals DuckDB's after batch 3 too, and keeps DuckDB's column order.
    _assert_equal(expected, actual)
    for table in SPARK_PARTITIONED_TABLES:
        assert spark.columns(*table.split(".")) == full.columns(*table.split(".")), table
    assert _deletion_stamps(spark) == stamps_after


def test_a_previous_build_read_without_its_pre_hook_fails_naming_it(tmp_path: Path) -> None:
    """On Spark, previous_build_with_column(this, column) reads `<model>__previous_build`, the copy
    the model's pre-hook keep_previous_build makes before dbt drops the table. A model without
    that pre-hook must fail naming it and what to add, rather than read a missing or stale copy.
    Spark's version of the read is compiled on DuckDB here (the check needs the graph, no JVM)."""
    warehouse = make_warehouse("duckdb", "previous_build", tmp_path)
    read = (
        "select '{{{{ product_analytics.spark__previous_build_read("
        "api.Relation.create(schema='intermediate', identifier='{model}'), '{column}') }}}}' as copy"
    )
    target = ("--target-path", str(tmp_path / "target"))
    kept = warehouse.dbt(
        "compile", *target, "--inline", read.format(model="int_identity__deleted_users", column="user_id")
    )
    # The deletion list has the pre-hook: its copy is read.
    assert '"intermediate"."int_identity__deleted_users__previous_build"' in kept, kept[-2000:]
    failed = warehouse.dbt(
        "compile",
        *target,
        "--inline",
        read.format(model="int_engagement__activity_days", column="date_day"),
        check=False,
    )
    assert "the model int_engagement__activity_days has no such pre-hook" in failed, failed[-2000:]
    assert "pre_hook=\"{{ product_analytics.keep_previous_build(this, 'date_day') }}\"" in failed, failed[-2000:]
