"""Running dbt and reading warehouses from the tests."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from product_analytics.schema import DEMO_SCHEMAS
from product_analytics.spark import SparkConnection
from product_analytics.warehouse import Connection, DuckDBConnection, PostgresConnection

ROOT = Path(__file__).resolve().parents[2]
#: The host project that installs the package as a user does (packages.yml `local: ../`) with its
#: own variable overrides and tracking plan; run `dbt deps` in it first (install_host_package).
HOST = ROOT / "integration_tests"
DBT = str(Path(sys.executable).with_name("dbt"))
#: The demo's sources; their loader writes property columns in snake_case, as Segment's does.
DEMO_VARS = {"segment_schemas": list(DEMO_SCHEMAS), "property_naming_convention": "snake_case"}


@dataclass
class Warehouse:
    """One dbt target the tests build into: a DuckDB file, a PostgreSQL database or a Spark home
    (``DBT_SPARK_HOME``: metastore, warehouse directory and raw parquet files)."""

    target: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def duckdb_path(self) -> str:
        return self.env["DBT_DUCKDB_PATH"]

    def connect(self) -> Connection:
        if self.target == "duckdb":
            return DuckDBConnection(self.duckdb_path)
        if self.target == "spark":
            return SparkConnection(Path(self.env["DBT_SPARK_HOME"]))
        return PostgresConnection(dbname=self.env["PGDATABASE"])

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        con = self.connect()
        try:
            yield con
        finally:
            con.close()

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """Query results as dicts; timestamps with a time zone become naive UTC."""
        with self.connection() as con:
            cursor_rows, names = _query_with_names(con, sql)
        return [dict(zip(names, (_naive_utc(v) for v in row), strict=True)) for row in cursor_rows]

    def columns(self, schema: str, table: str) -> list[str]:
        with self.connection() as con:
            found = con.query(
                "select column_name from information_schema.columns "
                f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position"
            )
        return [name for (name,) in found]

    def dbt(self, *args: str, vars: Mapping[str, Any] | None = None, cwd: Path = ROOT, check: bool = True) -> str:
        return run_dbt(*args, env=self.env, target=self.target, vars=vars, cwd=cwd, check=check)


def _query_with_names(con: Connection, sql: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    if isinstance(con, DuckDBConnection):
        result = con._con.execute(sql)
        names = [d[0] for d in result.description]
        return result.fetchall(), names
    assert isinstance(con, PostgresConnection)
    with con._con.cursor() as cursor:
        cursor.execute(sql)
        names = [d[0] for d in cursor.description]
        return list(cursor.fetchall()), names


def snapshot(
    warehouse: Warehouse,
    schemas: tuple[str, ...],
    *,
    skipped_tables: set[str] | frozenset[str] = frozenset(),
    skipped_columns: Mapping[str, tuple[str, ...]] | None = None,
    float_digits: int | None = None,
    by_column_name: bool = False,
) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of ``schemas`` (``schema.table`` -> its rows as tuples, in a canonical order)
    for comparing two builds row for row; views are left out (on Spark, where the tables are
    read through DuckDB views of their parquet files, those views are the tables).

    ``skipped_tables`` are left out and ``skipped_columns`` (table -> column names) dropped
    from the rows. ``float_digits`` rounds floating-point and decimal values to that many
    significant digits (two engines may differ in the last bits of a division or a sum);
    None compares them exactly. ``by_column_name`` puts each row's values in the order of
    their column names rather than the table's column order (which differs where an engine
    moves columns, as Spark moves partition columns last).
    """
    table_type = "VIEW" if warehouse.target == "spark" else "BASE TABLE"
    relations = warehouse.rows(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({', '.join(repr(s) for s in schemas)}) and table_type = '{table_type}' order by 1, 2"
    )
    tables = {}
    for relation in relations:
        name = f"{relation['table_schema']}.{relation['table_name']}"
        if name in skipped_tables:
            continue
        skipped = (skipped_columns or {}).get(name, ())
        rows = [
            tuple(
                _rounded(value, float_digits)
                for column, value in (sorted(r.items()) if by_column_name else r.items())
                if column not in skipped
            )
            for r in warehouse.rows(f"select * from {name}")
        ]
        tables[name] = sorted(rows, key=lambda row: tuple((v is None, str(v)) for v in row))
    return tables


def _rounded(value: Any, digits: int | None) -> Any:
    if digits is None or isinstance(value, bool) or not isinstance(value, (float, Decimal)):
        return value
    return float(f"{float(value):.{digits}g}")


def as_date(value: Any) -> date:
    """A date column's value as a date (some engines and casts return a timestamp)."""
    return value.date() if isinstance(value, datetime) else value


def _naive_utc(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def run_dbt(
    *args: str,
    env: Mapping[str, str],
    target: str,
    vars: Mapping[str, Any] | None = None,
    cwd: Path = ROOT,
    check: bool = True,
) -> str:
    """Run a dbt command; on failure (when ``check``) raise with the end of dbt's output."""
    command = [DBT, *args, "--target", target, "--profiles-dir", str(ROOT)]
    if vars:
        command += ["--vars", json.dumps(dict(vars))]
    full_env = {**os.environ, "DBT_TARGET": target, **env}
    completed = subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True, check=False)
    output = completed.stdout + completed.stderr
    if check and completed.returncode != 0:
        # dbt's summary (stdout) last: an engine's log lines on stderr (Spark) must not push it out.
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{(completed.stderr[-2000:] + completed.stdout)[-6000:]}")
    return output


def install_host_package(warehouse: Warehouse) -> None:
    """`dbt deps` in the host project (HOST): installs this repository as its package.

    Once per checkout, under an exclusive lock: `make test` runs test modules on two workers at
    once, and `dbt deps` replaces the package folder the other worker's dbt may be reading."""
    lock_path = ROOT / "target" / "host_deps.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (HOST / "dbt_packages" / "product_analytics").resolve() != ROOT:
            warehouse.dbt("deps", cwd=HOST)


def target_dir(project: Path = ROOT) -> Path:
    """The folder dbt writes its artifacts to in ``project``: each xdist worker has its own
    (conftest.py sets DBT_TARGET_PATH), so two workers' dbt runs never overwrite each other's."""
    return project / os.environ.get("DBT_TARGET_PATH", "target")


def create_source_schema(warehouse: Warehouse, sql: str, schema: str = "src_a") -> None:
    """(Re)create `schema` and run the `;`-separated statements of ``sql`` (its raw tables)."""
    with warehouse.connection() as con:
        con.execute(f"drop schema if exists {schema} cascade")
        con.execute(f"create schema {schema}")
        for statement in filter(str.strip, sql.split(";")):
            con.execute(statement)
