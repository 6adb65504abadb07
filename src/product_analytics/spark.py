"""Spark (local session mode) as a warehouse for the generator and the tests.

dbt-spark's ``session`` method runs Spark inside the dbt process, with an embedded Derby
metastore that only one process may open at a time. So that loading raw data and reading
built tables never needs a second Spark session next to dbt's, this module keeps Spark out
of the way:

* Raw Segment tables are written, like a collector writing to a data lake, as parquet files
  under ``<spark home>/raw/<schema>/<table>/`` and registered once in the metastore as
  external tables (``create table ... using parquet location ...``). The rows themselves are
  kept in a DuckDB "landing" file, so the tests can insert, delete and alter them with the
  same SQL as on DuckDB; closing the connection rewrites the parquet files of every raw table.
* Tables that dbt built are read back straight from their parquet files under the Spark
  warehouse directory, through DuckDB views named ``<schema>.<table>``; the views dbt built
  (the day-partitioned marts) are re-created in DuckDB with their own select, read from the
  metastore once after each dbt run (``spark_views``).

The Spark home (metastore, warehouse directory, raw files) is the environment variable
``DBT_SPARK_HOME`` (default ``target/spark`` under the current directory), the same one
``profiles.yml`` reads for the ``spark`` target.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from product_analytics.schema import RawTable
from product_analytics.warehouse import DuckDBConnection

SPARK_HOME_ENV = "DBT_SPARK_HOME"

#: Schemas dbt builds into; their tables are read from the Spark warehouse directory.
BUILT_SCHEMAS = ("staging", "intermediate", "marts")
#: Schemas whose Spark views are re-created in DuckDB: the marts (the day-partitioned marts are
#: views there, each a plain select of columns), and in staging only the views over a
#: `<view>__by_day` table of that schema (the staged calls, also plain selects of columns).
#: The other staging views, written in Spark SQL, are not.
VIEW_SCHEMAS = ("marts", "staging")
#: Of VIEW_SCHEMAS, those whose every view is re-created (the others: views over day partitions only).
ALL_VIEWS_SCHEMAS = ("marts",)


def spark_home() -> Path:
    """The folder holding the metastore, the warehouse directory and the raw files."""
    return Path(os.environ.get(SPARK_HOME_ENV, "target/spark")).resolve()


def session_settings(home: Path) -> dict[str, str]:
    """Spark settings of a local session whose metastore and warehouse live in ``home``.

    The same values as the ``spark`` target of ``profiles.yml`` (keep both in step).
    """
    return {
        "spark.sql.warehouse.dir": str(home / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={home / 'derby.log'}",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
    }


class SparkConnection(DuckDBConnection):
    """Raw tables in a DuckDB landing file, published to Spark as parquet; built tables read back.

    ``execute``/``query`` run DuckDB SQL over the landing tables and over views of every table
    dbt built in Spark. ``close``, after any ``execute`` or bulk load (a reader changes
    nothing), publishes every raw table (all rows, as parquet) and registers new or changed
    ones in the Spark metastore (one short Spark session, only when needed). Raises
    ``subprocess.CalledProcessError`` when the registration fails.
    """

    def __init__(self, home: Path | None = None) -> None:
        self.home = (home or spark_home()).resolve()
        self.home.mkdir(parents=True, exist_ok=True)
        super().__init__(self.home / "landing.duckdb")
        self._mount_built_tables()
        self._changed = False

    def execute(self, sql: str) -> None:
        self._changed = True
        super().execute(sql)

    def copy_csv(self, table: RawTable, data: str) -> None:
        self._changed = True
        super().copy_csv(table, data)

    def _mount_built_tables(self) -> None:
        warehouse = self.home / "warehouse"
        empty = []
        for schema in BUILT_SCHEMAS:
            self._con.execute(f"drop schema if exists {schema} cascade")
            folder = warehouse / f"{schema}.db"
            if not folder.is_dir():
                continue
            self._con.execute(f"create schema {schema}")
            for table in sorted(p for p in folder.iterdir() if p.is_dir()):
                files = list(table.rglob("*.parquet"))
                if not files:
                    # A partitioned table without rows has no file to read its columns from.
                    empty.append(f"{schema}.{table.name}")
                    continue
                self._con.execute(
                    f"create view {schema}.{table.name} as select * from "
                    f"read_parquet('{table}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
                )
        for name, text in spark_views(self.home).items():
            # Nor is a view over such a table (e.g. the staged screens where no source has any).
            if any(re.search(rf"\b{re.escape(table)}\b", text) for table in empty):
                continue
            self._con.execute(f"create view {name} as {text}")

    def _raw_tables(self) -> dict[str, list[tuple[str, str]]]:
        rows = self._con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and table_schema not in "
            f"({', '.join(repr(s) for s in (*BUILT_SCHEMAS, 'main', 'information_schema', 'pg_catalog'))}) "
            "and (table_schema, table_name) in (select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE') order by table_schema, table_name, ordinal_position"
        ).fetchall()
        tables: dict[str, list[tuple[str, str]]] = {}
        for schema, table, column, data_type in rows:
            tables.setdefault(f"{schema}.{table}", []).append((column, data_type))
        return tables

    def publish(self) -> None:
        """Write every raw table as parquet and register new or changed ones in Spark."""
        raw = self.home / "raw"
        registry_path = raw / "registered.json"
        registered: dict[str, Any] = json.loads(registry_path.read_text()) if registry_path.exists() else {}
        tables = self._raw_tables()
        to_register: dict[str, str] = {}
        for name, columns in tables.items():
            folder = raw / name.replace(".", "/")
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            self._con.execute(f"copy {name} to '{folder / 'data.parquet'}' (format parquet)")
            if registered.get(name) != columns:
                to_register[name] = str(folder)
        dropped = [name for name in registered if name not in tables]
        if to_register or dropped:
            register_tables(self.home, to_register, dropped)
            registered = {name: columns for name, columns in tables.items()}
            registry_path.write_text(json.dumps(registered))

    def close(self) -> None:
        if self._changed:
            self.publish()
        super().close()


def _warehouse_fingerprint(home: Path) -> list[list[object]]:
    """Each schema folder and table folder of the Spark warehouse directory with its modification
    time: changes whenever dbt (re)builds a table, not when a table or view is only read."""
    warehouse = home / "warehouse"
    schemas = [warehouse / f"{schema}.db" for schema in BUILT_SCHEMAS if (warehouse / f"{schema}.db").is_dir()]
    folders = sorted(p for schema in schemas for p in (schema, *schema.iterdir()) if p.is_dir())
    return [[str(p.relative_to(warehouse)), p.stat().st_mtime_ns] for p in folders]


def spark_views(home: Path) -> dict[str, str]:
    """The views dbt built in the Spark metastore's ``VIEW_SCHEMAS`` (``schema.view`` -> its
    select, read as DuckDB SQL over the mounted tables): the day-partitioned marts, views over
    their ``<mart>__by_day`` tables on Spark (docs/decisions.md, "Spark"), and the staged calls,
    views over ``staging.<model>__by_day``.

    Reading them needs a Spark session of its own (a JVM, about 20 s), so the answer is kept in
    ``<home>/views.json`` and asked again only after the warehouse directory changed (a dbt
    run). Raises ``subprocess.CalledProcessError`` when the Spark session fails.
    """
    cache_path = home / "views.json"
    fingerprint = _warehouse_fingerprint(home)
    if not fingerprint:
        return {}
    cached = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    if cached.get("fingerprint") == fingerprint:
        return cached["views"]
    payload = json.dumps({"home": str(home), "views_to": str(cache_path)})
    subprocess.run([sys.executable, "-m", "product_analytics.spark", payload], check=True)
    views = json.loads(cache_path.read_text())["views"]
    cache_path.write_text(json.dumps({"fingerprint": fingerprint, "views": views}))
    return views


def register_tables(home: Path, tables: dict[str, str], dropped: list[str]) -> None:
    """(Re)create external parquet tables ``schema.table -> folder`` in the Spark metastore.

    Runs in a child process (a JVM of its own, about 20 s) so that no Spark session stays
    open in this one: dbt's session needs the embedded metastore to itself.
    """
    payload = json.dumps({"home": str(home), "tables": tables, "dropped": dropped})
    subprocess.run([sys.executable, "-m", "product_analytics.spark", payload], check=True)


def _register_main(payload: str) -> None:
    from pyspark.sql import SparkSession

    spec = json.loads(payload)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_settings(Path(spec["home"])).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if "views_to" in spec:
        views = {}
        databases = {row[0] for row in spark.sql("show databases").collect()}
        for schema in (s for s in VIEW_SCHEMAS if s in databases):
            tables = {row["tableName"] for row in spark.sql(f"show tables in {schema}").collect()}
            for row in spark.sql(f"show views in {schema}").collect():
                if row["isTemporary"]:
                    continue
                if schema not in ALL_VIEWS_SCHEMAS and f"{row['viewName']}__by_day" not in tables:
                    continue
                name = f"{schema}.{row['viewName']}"
                described = spark.sql(f"describe table extended {name}").collect()
                views[name] = next(r["data_type"] for r in described if r["col_name"] == "View Text")
        Path(spec["views_to"]).write_text(json.dumps({"views": views}))
        spark.stop()
        return
    for name in spec["dropped"]:
        spark.sql(f"drop table if exists {name}")
    for name, folder in spec["tables"].items():
        schema = name.split(".")[0]
        spark.sql(f"create database if not exists {schema}")
        spark.sql(f"drop table if exists {name}")
        spark.sql(f"create table {name} using parquet location '{folder}'")
    spark.stop()


if __name__ == "__main__":
    _register_main(sys.argv[1])
