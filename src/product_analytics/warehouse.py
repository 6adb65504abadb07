"""Connections to the warehouses the package runs on, and a chunked bulk loader for raw rows.

Rows are buffered per table and written with the engine's CSV bulk load (DuckDB ``COPY``
from a temporary file, PostgreSQL ``COPY FROM STDIN``) every ``chunk_rows`` rows, so memory
stays bounded whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from product_analytics.schema import RawTable, column_type

NULL = r"\N"
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_HOUR_PREFIX: dict[int, str] = {}


def format_timestamp(microseconds: int) -> str:
    """Epoch microseconds as an ISO timestamp with a UTC offset (fast path for bulk loads)."""
    hour, rest = divmod(microseconds, 3_600_000_000)
    prefix = _HOUR_PREFIX.get(hour)
    if prefix is None:
        day, hour_of_day = divmod(hour, 24)
        prefix = f"{date.fromordinal(_EPOCH_DAY + day).isoformat()} {hour_of_day:02d}:"
        if len(_HOUR_PREFIX) > 100_000:
            _HOUR_PREFIX.clear()
        _HOUR_PREFIX[hour] = prefix
    seconds, micros = divmod(rest, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    return f"{prefix}{minutes:02d}:{seconds:02d}.{micros:06d}+00"


def from_microseconds(microseconds: int) -> datetime:
    """Epoch microseconds as a naive UTC datetime (what the package stages)."""
    return datetime(1970, 1, 1) + timedelta(microseconds=microseconds)


def _cell(value: Any) -> Any:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


class Connection(Protocol):
    """What the loader and the tests need of a database connection."""

    def execute(self, sql: str) -> None: ...
    def query(self, sql: str) -> list[tuple[Any, ...]]: ...
    def query_named(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]: ...
    def copy_csv(self, table: RawTable, data: str) -> None: ...
    def close(self) -> None: ...


class DuckDBConnection:
    """A DuckDB file (only one process may write it at a time)."""

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False) -> None:
        import duckdb

        self.path = str(path)
        if read_only and not Path(self.path).exists():
            raise FileNotFoundError(f"DuckDB warehouse {self.path} does not exist: build it first (make demo)")
        self._con = duckdb.connect(self.path, read_only=read_only)
        self._tmpdir = tempfile.TemporaryDirectory(prefix="product_analytics_")

    def execute(self, sql: str) -> None:
        self._con.execute(sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self._con.execute(sql).fetchall()

    def query_named(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and rows of a query."""
        result = self._con.execute(sql)
        return [d[0] for d in result.description], result.fetchall()

    def copy_csv(self, table: RawTable, data: str) -> None:
        path = Path(self._tmpdir.name) / f"{table.schema}.{table.name}.csv"
        path.write_text(data, encoding="utf-8")
        columns = ", ".join(f'"{c}"' for c in table.columns)
        self._con.execute(
            f"copy {table.schema}.{table.name} ({columns}) from '{path}' "
            f"(format csv, header false, nullstr '{NULL}', allow_quoted_nulls false)"
        )

    def close(self) -> None:
        self._con.close()
        self._tmpdir.cleanup()


class PostgresConnection:
    """A PostgreSQL database, from the PG* environment variables unless given."""

    def __init__(self, **params: Any) -> None:
        import psycopg2

        settings = {
            "host": os.environ.get("PGHOST", "127.0.0.1"),
            "port": int(os.environ.get("PGPORT", "5432")),
            "user": os.environ.get("PGUSER", "dbt"),
            "password": os.environ.get("PGPASSWORD", ""),
            "dbname": os.environ.get("PGDATABASE", "product_analytics"),
        }
        settings.update(params)
        self._con = psycopg2.connect(**settings)
        self._con.autocommit = True

    def execute(self, sql: str) -> None:
        with self._con.cursor() as cursor:
            cursor.execute(sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self._con.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def query_named(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and rows of a query."""
        with self._con.cursor() as cursor:
            cursor.execute(sql)
            return [d[0] for d in cursor.description], list(cursor.fetchall())

    def copy_csv(self, table: RawTable, data: str) -> None:
        columns = ", ".join(f'"{c}"' for c in table.columns)
        with self._con.cursor() as cursor:
            cursor.copy_expert(
                f"copy {table.schema}.{table.name} ({columns}) from stdin with (format csv, null '{NULL}')",
                io.StringIO(data),
            )

    def close(self) -> None:
        self._con.close()


def connect(target: str, duckdb_path: str | None = None, read_only: bool = False) -> Connection:
    """Open the warehouse of a dbt target name (``duckdb``, ``postgres`` or ``spark``).

    ``read_only`` opens a DuckDB file without taking its write lock (readers only); it
    raises FileNotFoundError when the file does not exist. PostgreSQL and Spark ignore it.
    """
    if target == "duckdb":
        path = duckdb_path or os.environ.get("DBT_DUCKDB_PATH", "warehouse.duckdb")
        return DuckDBConnection(path, read_only=read_only)
    if target == "postgres":
        return PostgresConnection()
    if target == "spark":
        from product_analytics.spark import SparkConnection

        return SparkConnection()
    raise ValueError(f"unknown target {target!r}: expected 'duckdb', 'postgres' or 'spark'")


def create_tables(con: Connection, tables: Iterable[RawTable], replace: bool = True) -> None:
    """Create the raw schemas and tables (dropping the schemas first when ``replace``)."""
    tables = list(tables)
    for schema in sorted({t.schema for t in tables}):
        if replace:
            con.execute(f"drop schema if exists {schema} cascade")
        con.execute(f"create schema if not exists {schema}")
    for table in tables:
        columns = ", ".join(f'"{c}" {column_type(c, table)}' for c in table.columns)
        con.execute(f"create table if not exists {table.schema}.{table.name} ({columns})")


class BulkLoader:
    """Buffers rows per table and bulk-loads them every ``chunk_rows`` rows."""

    def __init__(self, con: Connection, chunk_rows: int = 200_000) -> None:
        self.con = con
        self.chunk_rows = chunk_rows
        self._buffers: dict[RawTable, list[Sequence[Any]]] = {}
        self._timestamp_columns: dict[RawTable, tuple[bool, ...]] = {}
        self._buffered = 0

    def add(self, table: RawTable, row: dict[str, Any]) -> None:
        is_timestamp = self._timestamp_columns.get(table)
        if is_timestamp is None:
            is_timestamp = tuple(column_type(c, table) == "timestamptz" for c in table.columns)
            self._timestamp_columns[table] = is_timestamp
        get = row.get
        cells = [
            NULL if (value := get(column)) is None else format_timestamp(value) if timestamp else _cell(value)
            for column, timestamp in zip(table.columns, is_timestamp, strict=True)
        ]
        self._buffers.setdefault(table, []).append(cells)
        self._buffered += 1
        if self._buffered >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        for table, rows in self._buffers.items():
            if not rows:
                continue
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            self.con.copy_csv(table, out.getvalue())
            rows.clear()
        self._buffered = 0
