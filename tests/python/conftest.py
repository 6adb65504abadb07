"""Shared fixtures: a generated dataset built with dbt on DuckDB and on PostgreSQL.

PostgreSQL is started by `make test` (scripts/postgres.sh); the tests read the PG*
variables it exports and create their own databases on that server.

`make test` runs the suite on two pytest-xdist workers (`-n 2`, scheduled by
pytest_xdist_make_scheduler below): the tests of one module run on one worker, so each module
fixture is built once, and so do all the tests of the built warehouses (built_warehouse, built
once per engine). Each worker's dbt writes its own
target and log folders, and its PostgreSQL databases carry the worker's name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
#: The modules with tests of the built warehouses (the built_warehouse fixture): under xdist they
#: all run on one worker, so each engine's warehouse is built once (checked at collection).
BUILT_WAREHOUSE_MODULES = frozenset(
    {
        "test_analyses",
        "test_core",
        "test_docs",
        "test_engagement",
        "test_funnels",
        "test_governance",
        "test_health",
        "test_publish",
        "test_report",
        "test_semantic_layer",
        "test_staging",
        "test_summary",
    }
)
#: Work units (a module, or all of BUILT_WAREHOUSE_MODULES) that run longest, handed out first so
#: that no worker is left alone with a long one at the end (`make test` on the 2-core machine:
#: the Spark module takes about 15 minutes, the built warehouses' tests about 13).
LONGEST_FIRST = ("test_spark", "built_warehouse", "test_incremental", "test_configuration_state")

if WORKER:
    # Two dbt processes in one project would overwrite each other's partial parse, manifest,
    # compiled SQL and run results. Tests read them through harness.target_dir().
    os.environ["DBT_TARGET_PATH"] = f"target/pytest-{WORKER}"
    os.environ["DBT_LOG_PATH"] = f"logs/pytest-{WORKER}"


def work_unit(nodeid: str) -> str:
    """The xdist work unit of a test: "built_warehouse" for BUILT_WAREHOUSE_MODULES, else its
    module's name (so each module fixture is built on one worker, once)."""
    module = Path(nodeid.split("::", 1)[0]).stem
    return "built_warehouse" if module in BUILT_WAREHOUSE_MODULES else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Hands whole work units (work_unit) to the workers, in collection order. (xdist's own
    `--dist loadgroup` cannot be used: it renames test ids, which pytest 9 no longer lets it.)"""
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnitScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Fails when a test of the built warehouses is outside BUILT_WAREHOUSE_MODULES (it would
    build them again on the other worker); puts the work units of LONGEST_FIRST first, keeping
    pytest's order within each (before an xdist worker reports its collection)."""
    strays = sorted(
        {
            item.module.__name__
            for item in session.items
            if "built_warehouse" in getattr(item, "fixturenames", ()) and work_unit(item.nodeid) != "built_warehouse"
        }
    )
    if strays:
        raise pytest.UsageError(f"add {', '.join(strays)} to BUILT_WAREHOUSE_MODULES in tests/python/conftest.py")

    def rank(item: pytest.Item) -> int:
        unit = work_unit(item.nodeid)
        return LONGEST_FIRST.index(unit) if unit in LONGEST_FIRST else len(LONGEST_FIRST)

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
