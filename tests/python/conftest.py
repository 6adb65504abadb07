"""Shared fixtures: a generated dataset built with dbt on DuckDB and on PostgreSQL.

PostgreSQL is started by `make test` (scripts/postgres.sh); the tests read the PG*
variables it exports and create their own databases on that server.

`make test` runs the suite on two pytest-xdist workers (`-n 2 --dist loadgroup`): the tests of
one module run on one worker, so each module fixture is built once, and so do all the tests of
the built warehouses (built_warehouse, built once per engine). Each worker's dbt writes its own
target and log folders, and its PostgreSQL databases carry the worker's name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from harness import DEMO_VARS, Warehouse

from product_analytics.generator import Generator, GeneratorConfig
from product_analytics.schema import TABLES
from product_analytics.warehouse import BulkLoader, create_tables

#: The dataset every comparison test builds: small enough for CI, big enough to hold every
#: delivery defect the generator makes (checked in test_generator.py).
TEST_CONFIG = GeneratorConfig(events=60_000, seed=7, days=60)
ENGINES = ("duckdb", "postgres")
#: The pytest-xdist worker running this process ("gw0", "gw1", ...); "" when not under xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
#: Test modules that run longest, started first so that neither worker is left with a long one at
#: the end (measured on `make test`: the Spark builds take about a third of the suite).
LONGEST_FIRST = ("test_spark", "built_warehouse", "test_incremental", "test_configuration")

if WORKER:
    # Two dbt processes in one project would overwrite each other's partial parse, manifest,
    # compiled SQL and run results. Tests read them through harness.target_dir().
    os.environ["DBT_TARGET_PATH"] = f"target/pytest-{WORKER}"
    os.environ["DBT_LOG_PATH"] = f"logs/pytest-{WORKER}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test's xdist group: its module's, or "built_warehouse" for the tests of the built
    warehouses (before xdist reads the groups)."""
    for item in items:
        group = "built_warehouse" if "built_warehouse" in getattr(item, "fixturenames", ()) else item.module.__name__
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Puts the groups of LONGEST_FIRST first, keeping pytest's order within each group (before
    an xdist worker reports its collection to the controller)."""

    def rank(item: pytest.Item) -> int:
        group = item.get_closest_marker("xdist_group").args[0]
        return LONGEST_FIRST.index(group) if group in LONGEST_FIRST else len(LONGEST_FIRST)

    session.items.sort(key=rank)


def postgres_database(name: str) -> dict[str, str]:
    """A fresh, empty database on the test server; returns the PG* environment for it."""
    params = {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "54329"),
        "user": os.environ.get("PGUSER", "dbt"),
    }
    try:
        admin = psycopg2.connect(dbname="postgres", **params)
    except psycopg2.OperationalError as error:
        raise RuntimeError(
            "PostgreSQL is not reachable: run the tests with `make test`, which starts it "
            f"(scripts/postgres.sh start), or export PGHOST/PGPORT of a server ({error})"
        ) from error
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"drop database if exists {name} with (force)")
        cursor.execute(f"create database {name}")
    admin.close()
    return {"PGHOST": params["host"], "PGPORT": str(params["port"]), "PGUSER": params["user"], "PGDATABASE": name}


def make_warehouse(engine: str, name: str, tmp: Path) -> Warehouse:
    """An empty warehouse of the engine, named for one test module or scenario."""
    if engine == "duckdb":
        return Warehouse("duckdb", {"DBT_DUCKDB_PATH": str(tmp / f"{name}.duckdb")})
    if engine == "spark":
        return Warehouse("spark", {"DBT_SPARK_HOME": str(tmp / f"{name}.spark")})
    return Warehouse("postgres", postgres_database(f"pa_test_{name}{'_' + WORKER if WORKER else ''}"))


def load_generated(warehouse: Warehouse, config: GeneratorConfig) -> Generator:
    with warehouse.connection() as con:
        create_tables(con, TABLES.values(), replace=True)
        loader = BulkLoader(con)
        generator = Generator(config, loader.add)
        generator.run()
        loader.flush()
    return generator


@pytest.fixture(scope="session", params=ENGINES)
def built_warehouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The test dataset, generated and built with `dbt build` (all unit and data tests)."""
    warehouse = make_warehouse(request.param, "built", tmp_path_factory.mktemp(request.param))
    load_generated(warehouse, TEST_CONFIG)
    warehouse.dbt("build", vars=DEMO_VARS)
    yield warehouse
