"""The published copy of the marts (`python -m product_analytics publish`) is what BI tools open.

Checked with a real DuckDB 1.4 LTS client (the DuckDB inside today's BI tools), installed
by this module into its own virtual environment ``target/duckdb14-venv``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from harness import DEMO_VARS, ROOT, Warehouse

from product_analytics.publish import default_published_path

#: The newest release of the 1.4 LTS line: the oldest client the published copy must serve.
DUCKDB_14 = "1.4.5"
VENV = ROOT / "target" / "duckdb14-venv"

#: Run by the 1.4 client: every table of schema marts with its row count, as JSON.
READ_MARTS = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute(
    "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
).fetchall()
counts = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for (t,) in tables}
print(json.dumps({"version": duckdb.__version__, "counts": counts}))
"""

#: Run by the 1.4 client: open the copy, say so, and hold it open until stdin closes.
HOLD_OPEN = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select count(*) from marts.metrics_active_users_daily").fetchone()[0], flush=True)
sys.stdin.read()
print(con.execute("select count(*) from marts.metrics_active_users_daily").fetchone()[0], flush=True)
"""


@pytest.fixture(scope="session")
def duckdb14_python() -> Path:
    """The Python of a virtual environment holding DuckDB 1.4 (created once, then reused)."""
    python = VENV / "bin" / "python"
    marker = VENV / f".duckdb-{DUCKDB_14}"
    if not marker.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"duckdb=={DUCKDB_14}"],
            check=True,
        )
        marker.touch()
    return python


def _read_with_14(python: Path, path: Path) -> dict[str, object]:
    completed = subprocess.run([str(python), "-c", READ_MARTS, str(path)], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def _publish(warehouse: Warehouse) -> Path:
    subprocess.run(
        [sys.executable, "-m", "product_analytics", "publish", "--path", warehouse.duckdb_path],
        capture_output=True,
        text=True,
        check=True,
    )
    return default_published_path(warehouse.duckdb_path)


def _marts_counts(warehouse: Warehouse) -> dict[str, int]:
    tables = warehouse.rows(
        "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
    )
    return {
        t["table_name"]: warehouse.rows(f'select count(*) as n from marts."{t["table_name"]}"')[0]["n"] for t in tables
    }


@pytest.mark.parametrize("built_warehouse", ["duckdb"], indirect=True)
def test_duckdb_14_reads_every_mart_of_the_published_copy(built_warehouse: Warehouse, duckdb14_python: Path) -> None:
    # The warehouse itself is what DuckDB 2.0 wrote: a 1.4 client refuses it (why the copy exists).
    refused = subprocess.run(
        [str(duckdb14_python), "-c", READ_MARTS, built_warehouse.duckdb_path], capture_output=True, text=True
    )
    assert refused.returncode != 0 and "version number" in refused.stderr

    published = _publish(built_warehouse)
    read = _read_with_14(duckdb14_python, published)
    assert str(read["version"]).startswith("1.4.")
    expected = _marts_counts(built_warehouse)
    assert len(expected) >= 10
    assert read["counts"] == expected
    assert not published.with_name(published.name + ".tmp").exists()


@pytest.mark.parametrize("built_warehouse", ["duckdb"], indirect=True)
def test_a_reader_holding_the_published_copy_does_not_block_the_next_build(
    built_warehouse: Warehouse, duckdb14_python: Path
) -> None:
    published = _publish(built_warehouse)
    reader = subprocess.Popen(
        [str(duckdb14_python), "-c", HOLD_OPEN, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdin is not None
        days_before = int(reader.stdout.readline())
        # The next build writes the warehouse and the next publish replaces the copy, both
        # while the BI reader still has the old copy open.
        built_warehouse.dbt("build", "--select", "metrics_active_users_daily", vars=DEMO_VARS)
        _publish(built_warehouse)
        assert _read_with_14(duckdb14_python, published)["counts"] == _marts_counts(built_warehouse)
        reader.stdin.close()
        # The reader went on reading the copy it had open.
        assert int(reader.stdout.readline()) == days_before
        assert reader.wait(timeout=60) == 0, reader.stderr.read() if reader.stderr else ""
    finally:
        if reader.poll() is None:
            reader.kill()
