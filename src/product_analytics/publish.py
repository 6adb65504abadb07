"""Publish the marts of a DuckDB warehouse as a separate file BI tools can open.

Why a copy: DuckDB 2.0 (what dbt writes the warehouse with) stores files in a format that
DuckDB 1.4 and 1.5 (the DuckDB inside today's BI tools: DBeaver, Metabase, Rill, Evidence)
refuse to read; and a BI tool holding the warehouse open would hold DuckDB's file lock, so
the next ``dbt build`` could not write it. The published copy is written in the DuckDB 1.4
storage format and replaces the previous copy with one atomic rename, so a tool that has the
old copy open keeps reading it undisturbed and the next build never waits for it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

#: Storage format of the published copy: the oldest DuckDB release line still supported
#: (1.4 LTS) reads it, and so does every later one.
BI_STORAGE_VERSION = "v1.4.0"


@dataclass(frozen=True)
class PublishResult:
    """What ``publish`` wrote: the file, the tables copied with their row counts, seconds taken."""

    path: Path
    row_counts: dict[str, int]
    seconds: float


def default_published_path(warehouse: str | os.PathLike[str]) -> Path:
    """``warehouse.duckdb`` -> ``warehouse.bi.duckdb`` (beside it, so the rename stays atomic)."""
    path = Path(warehouse)
    return path.with_name(f"{path.stem}.bi{path.suffix or '.duckdb'}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(
    warehouse: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    schema: str = "marts",
    storage_version: str = BI_STORAGE_VERSION,
) -> PublishResult:
    """Copy every table and view of ``schema`` into ``out`` (DuckDB ``storage_version``), atomically.

    The warehouse is attached read-only; the copy is written to ``<out>.tmp`` beside ``out``,
    its row counts are checked against the warehouse, then it is renamed over ``out``. Views
    become tables (a BI tool then needs nothing but the copy). Table and column comments (the
    model and column descriptions dbt persists) are copied too.

    Raises ``FileNotFoundError`` when the warehouse file does not exist, ``ValueError`` when
    it has no such schema (not built yet) or when a copied table's row count differs.
    """
    import duckdb

    started = time.perf_counter()
    source = Path(warehouse)
    if not source.exists():
        raise FileNotFoundError(f"no DuckDB warehouse at {source}: build it first (dbt build, or make demo)")
    target = Path(out) if out is not None else default_published_path(source)
    if target.resolve() == source.resolve():
        raise ValueError(f"the published copy cannot be the warehouse itself ({source}): choose another --out")
    tmp = target.with_name(target.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)

    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach {_literal(str(source))} as warehouse (read_only)")
        relations = con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_catalog = 'warehouse' and table_schema = ? order by table_name",
            [schema],
        ).fetchall()
        if not relations:
            raise ValueError(f"{source} has no schema {schema!r} with tables: run dbt build on it before publishing")
        con.execute(f"attach {_literal(str(tmp))} as published (storage_version {_literal(storage_version)})")
        con.execute(f"create schema published.{_quote(schema)}")
        counts: dict[str, int] = {}
        for name, _kind in relations:
            qualified = f"{_quote(schema)}.{_quote(name)}"
            con.execute(f"create table published.{qualified} as select * from warehouse.{qualified}")
            copied = con.execute(f"select count(*) from published.{qualified}").fetchone()[0]
            expected = con.execute(f"select count(*) from warehouse.{qualified}").fetchone()[0]
            if copied != expected:
                raise ValueError(f"{schema}.{name}: {copied} rows copied but the warehouse holds {expected}")
            counts[name] = int(copied)
        _copy_comments(con, schema)
        con.execute("detach published")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    # One rename: readers see either the whole old copy or the whole new one. A reader that
    # holds the old file open keeps its (now unlinked) file until it closes it.
    os.replace(tmp, target)
    return PublishResult(target, counts, time.perf_counter() - started)


def _copy_comments(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Table and column comments of the warehouse's ``schema`` onto the published tables."""
    tables = con.execute(
        "select table_name, comment from duckdb_tables() "
        "where database_name = 'warehouse' and schema_name = ? and comment is not null "
        "union all select view_name, comment from duckdb_views() "
        "where database_name = 'warehouse' and schema_name = ? and comment is not null",
        [schema, schema],
    ).fetchall()
    for table, comment in tables:
        con.execute(f"comment on table published.{_quote(schema)}.{_quote(table)} is {_literal(comment)}")
    columns = con.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where database_name = 'warehouse' and schema_name = ? and comment is not null",
        [schema],
    ).fetchall()
    for table, column, comment in columns:
        con.execute(
            f"comment on column published.{_quote(schema)}.{_quote(table)}.{_quote(column)} is {_literal(comment)}"
        )
