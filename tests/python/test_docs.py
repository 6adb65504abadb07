"""The documentation stands alone: every mart column is described in `dbt docs generate`, count
columns have types BI drivers read, and no file of the repository points outside it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from harness import DEMO_VARS, ROOT, Warehouse, target_dir

#: Built from pieces so that this file does not match itself.
OUTSIDE_POINTERS = re.compile("|".join([r"\.\./" + "shared", r"\bS" + r"PEC\b", "/work/" + "shared"]))
#: A merge conflict left in a file (built from pieces, as above).
CONFLICT_MARKER = re.compile("^(" + "<" * 7 + " |" + "=" * 7 + "$|" + ">" * 7 + " )")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")

#: Column types BI drivers (ODBC/JDBC, Arrow) cannot read as numbers: DuckDB's 128-bit
#: integer, which a plain sum of counts gives, and PostgreSQL's numeric, which its sum gives.
UNREADABLE_COUNT_TYPES = {"duckdb": {"HUGEINT", "UHUGEINT"}, "postgres": {"numeric"}}


def _repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


def test_no_file_points_outside_the_repository() -> None:
    found = []
    files = _repository_files()
    assert len(files) > 50
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE_POINTERS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
            if path.suffix == ".md":
                for target in MARKDOWN_LINK.findall(line):
                    if "://" in target or target.startswith("mailto:"):
                        continue
                    resolved = (path.parent / target).resolve()
                    if not resolved.is_relative_to(ROOT) or not resolved.exists():
                        found.append(f"{path.relative_to(ROOT)}:{number}: link to {target} (missing or outside)")
    assert not found, "pointers outside the repository (write the content in docs/ instead):\n" + "\n".join(found)


def test_no_file_keeps_merge_conflict_markers() -> None:
    found = []
    for path in _repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [
            f"{path.relative_to(ROOT)}:{n}"
            for n, line in enumerate(text.splitlines(), 1)
            if CONFLICT_MARKER.match(line)
        ]
    assert not found, "merge conflict markers left in: " + ", ".join(found)


def _docs_generate(warehouse: Warehouse, vars: dict[str, Any], project_dir: Path = ROOT) -> dict[str, Any]:
    """Run `dbt docs generate`; every column of schema marts with its type and description."""
    warehouse.dbt("docs", "generate", vars=vars, cwd=project_dir)
    catalog = json.loads((target_dir(project_dir) / "catalog.json").read_text())
    manifest = json.loads((target_dir(project_dir) / "manifest.json").read_text())
    columns = {}
    for unique_id, node in catalog["nodes"].items():
        if node["metadata"]["schema"] != "marts":
            continue
        documented = {name.lower(): c["description"] for name, c in manifest["nodes"][unique_id]["columns"].items()}
        for name, column in node["columns"].items():
            description = (documented.get(name.lower()) or column.get("comment") or "").strip()
            columns[(node["metadata"]["name"], name.lower())] = {"type": column["type"], "description": description}
    return columns


def _undescribed(columns: dict[tuple[str, str], dict[str, str]]) -> list[str]:
    return sorted(f"{table}.{column}" for (table, column), c in columns.items() if not c["description"])


def test_every_mart_column_has_a_description_and_a_readable_type(built_warehouse: Warehouse) -> None:
    columns = _docs_generate(built_warehouse, DEMO_VARS)
    tables = {table for table, _ in columns}
    assert {"fct_events", "dim_account_traits_history", "fct_funnel_conversions", "dq_segment__message_counts"} <= (
        tables
    )
    assert ("fct_funnel_conversions", "step_3_at") in columns
    assert ("dim_account_traits_history", "plan") in columns
    assert not _undescribed(columns), f"mart columns without a description: {_undescribed(columns)}"
    unreadable = UNREADABLE_COUNT_TYPES[built_warehouse.target]
    wrong = sorted(f"{t}.{c}: {v['type']}" for (t, c), v in columns.items() if v["type"].split("(")[0] in unreadable)
    assert not wrong, f"columns typed as BI drivers cannot read (cast counts to bigint): {wrong}"
    assert columns[("dq_segment__message_counts", "row_count")]["type"].lower() in {"bigint", "int8"}


@pytest.mark.parametrize("built_warehouse", ["duckdb"], indirect=True)
def test_generated_columns_of_other_configurations_are_described(built_warehouse: Warehouse, tmp_path: Path) -> None:
    """A 5-step funnel and an extra trait add columns no yml lists: the post-hooks describe them."""
    warehouse = Warehouse("duckdb", {"DBT_DUCKDB_PATH": str(tmp_path / "other_config.duckdb")})
    shutil.copyfile(built_warehouse.duckdb_path, warehouse.duckdb_path)
    vars = {
        **DEMO_VARS,
        "funnels": [
            {
                "name": "long_funnel",
                "steps": ["Signed Up", "Created Project", "Opened Report", "Opened Report", "Shared Dashboard"],
                "window_days": 30,
                "entity_types": ["user"],
            }
        ],
        "account_traits": {"name": "string", "plan": "string", "industry": "string"},
        "user_traits": {"email": "string", "title": "string"},
    }
    models = [
        "int_accounts__group_calls",
        "int_accounts__live_group_calls",
        "dim_users",
        "dim_accounts",
        "dim_account_traits_history",
        "fct_funnel_conversions",
    ]
    warehouse.dbt("run", "--select", *models, vars=vars)
    columns = _docs_generate(warehouse, vars)
    for generated in [
        ("fct_funnel_conversions", "step_4_at"),
        ("fct_funnel_conversions", "step_5_at"),
        ("dim_accounts", "industry"),
        ("dim_account_traits_history", "industry"),
        ("dim_users", "title"),
    ]:
        assert generated in columns, generated
    assert "step 5" in columns[("fct_funnel_conversions", "step_5_at")]["description"]
    assert "industry" in columns[("dim_account_traits_history", "industry")]["description"]
    assert not _undescribed(columns), f"mart columns without a description: {_undescribed(columns)}"
