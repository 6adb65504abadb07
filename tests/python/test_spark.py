"""The package on Spark (local session, parquet tables; README "Running on Spark").

A small generated dataset is loaded into a Spark warehouse and into a DuckDB file; `dbt build`
(every seed, model and data test) must pass on Spark, and every mart must equal, row for row,
the DuckDB build of the same data. Each dbt call on Spark pays a JVM start and every query
costs far more than on DuckDB, so the dataset is small, Spark builds once, and the dbt unit
tests (hand-made rows, engine-independent, run on DuckDB and PostgreSQL by the other tests;
a third of the Spark build's time) are left out here. `DBT_TARGET=spark make demo` runs them.
Needs Java 17 (`java` on the PATH); pyspark and dbt-spark come with `make install`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import load_generated, make_warehouse
from harness import DEMO_VARS, Warehouse, snapshot

from product_analytics.generator import GeneratorConfig

#: Small enough for Spark in CI (a few minutes), big enough that every mart has rows.
SPARK_CONFIG = GeneratorConfig(events=5_000, seed=7, days=20)
#: Significant digits compared in floating-point values (engines differ in the last bits of
#: a division or an average).
FLOAT_DIGITS = 9
#: One account opts out: its newest group call is sent again, later, with the opt-out trait.
#: Removing the account's rows must keep every event without an account (a null account_id
#: tested against the opted-out accounts is null, and must not count as a match).
OPT_OUT_ONE_ACCOUNT = """
insert into segment_backend.groups by name
select * replace (
    'spark-test-opt-out' as id,
    true as analytics_opt_out,
    received_at + interval 1 minute as received_at,
    "timestamp" + interval 1 minute as "timestamp"
)
from segment_backend.groups
order by received_at desc, id
limit 1
"""


@pytest.fixture(scope="module")
def spark_and_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Warehouse]]:
    """The same generated data built on Spark and on DuckDB, each with `dbt build`."""
    if shutil.which("java") is None:
        raise RuntimeError("the Spark tests need Java 17: install it (Debian: apt-get install openjdk-17-jre-headless)")
    tmp = tmp_path_factory.mktemp("spark")
    spark = make_warehouse("spark", "spark_built", tmp)
    duckdb = make_warehouse("duckdb", "spark_reference", tmp)
    for warehouse in (spark, duckdb):
        load_generated(warehouse, SPARK_CONFIG)
        with warehouse.connection() as con:
            con.execute(OPT_OUT_ONE_ACCOUNT)
        warehouse.dbt("build", "--exclude-resource-type", "unit_test", vars=DEMO_VARS)
    yield spark, duckdb


def test_spark_build_keeps_its_state_in_the_spark_home(spark_and_duckdb: tuple[Warehouse, Warehouse]) -> None:
    spark, _ = spark_and_duckdb
    home = Path(spark.env["DBT_SPARK_HOME"])
    assert (home / "metastore_db").is_dir()
    assert (home / "warehouse" / "marts.db" / "fct_events").is_dir()
    assert (home / "derby.log").exists()
    # Nothing of Spark's lands in the directory dbt runs in.
    root = Path(__file__).resolve().parents[2]
    assert not (root / "derby.log").exists()
    assert not (root / "metastore_db").exists()
    assert not (root / "spark-warehouse").exists()


def test_every_mart_on_spark_equals_the_duckdb_build(spark_and_duckdb: tuple[Warehouse, Warehouse]) -> None:
    spark, duckdb = spark_and_duckdb
    expected = snapshot(duckdb, ("marts",), float_digits=FLOAT_DIGITS)
    actual = snapshot(spark, ("marts",), float_digits=FLOAT_DIGITS)
    assert set(actual) == set(expected), (
        f"marts missing on Spark: {sorted(set(expected) - set(actual))}, "
        f"only on Spark: {sorted(set(actual) - set(expected))}"
    )
    for name in expected:
        schema, table = name.split(".")
        assert spark.columns(schema, table) == duckdb.columns(schema, table), name
    differing = {
        name: {
            "rows (DuckDB, Spark)": (len(expected[name]), len(actual[name])),
            "only in DuckDB": sorted(set(expected[name]) - set(actual[name]), key=str)[:3],
            "only in Spark": sorted(set(actual[name]) - set(expected[name]), key=str)[:3],
        }
        for name in expected
        if expected[name] != actual[name]
    }
    assert not differing, f"marts that differ between Spark and DuckDB: {differing}"
    # The comparison is not vacuous: the data fill the marts that matter.
    for name in ("marts.fct_events", "marts.metrics_active_users_daily", "marts.metrics_account_health_daily"):
        assert expected[name], name
    # An account opted out and events without an account remain: a removal that drops rows
    # whose condition is null (not only true) shows as differing marts above.
    assert duckdb.rows("select count(*) as n from marts.fct_events where account_id is null")[0]["n"] > 0
    opted_out = "select count(*) as n from segment_backend.groups where analytics_opt_out"
    assert duckdb.rows(opted_out)[0]["n"] == 1
