"""The tracking plan is any relation named by `tracking_plan_relation` (docs/reference.md section 6); a
malformed plan fails naming the row and the column. (The host project's own plan, with
activity and adoption following it, is tested in test_package_mode.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ENGINES, make_warehouse
from harness import Warehouse

HEADER = (
    "event_name varchar, category varchar, counts_as_activity varchar,"
    " required_properties varchar, owner varchar, why varchar"
)
GOOD_ROWS = [
    ("' Signed Up '", "'lifecycle'", "'true'", "'type'", "'growth'", "'acquisition'"),
    ("'Opened Report'", "' Feature '", "'FALSE'", "null", "''", "null"),
]


def _prepare(warehouse: Warehouse, columns: str, rows: list[tuple[str, ...]]) -> None:
    with warehouse.connection() as con:
        for schema in ("plans", "src_a"):
            con.execute(f"drop schema if exists {schema} cascade")
            con.execute(f"create schema {schema}")
        # A Segment source to read (a configuration without any is refused before models run).
        con.execute(
            "create table src_a.tracks"
            " (id varchar, received_at timestamp, event varchar, event_text varchar, user_id varchar)"
        )
        con.execute(f"create table plans.plan ({columns})")
        for row in rows:
            con.execute(f"insert into plans.plan values ({', '.join(row)})")


def _build_plan(warehouse: Warehouse, check: bool = True) -> str:
    variables = {"segment_schemas": ["src_a"], "tracking_plan_relation": "plans.plan"}
    return warehouse.dbt("build", "--select", "stg_tracking_plan__events", vars=variables, check=check)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_warehouse_table_is_the_plan_normalised(engine: str, tmp_path: Path) -> None:
    warehouse = make_warehouse(engine, "plan", tmp_path)
    _prepare(warehouse, HEADER, GOOD_ROWS)
    _build_plan(warehouse)
    rows = warehouse.rows("select * from staging.stg_tracking_plan__events order by event_name")
    assert rows == [
        {
            "event_name": "Opened Report",
            "category": "feature",
            "counts_as_activity": False,
            "required_properties": None,
            "owner": None,
            "why": None,
        },
        {
            "event_name": "Signed Up",
            "category": "lifecycle",
            "counts_as_activity": True,
            "required_properties": "type",
            "owner": "growth",
            "why": "acquisition",
        },
    ]


BAD_ROWS = [
    *GOOD_ROWS,
    ("'Exported Data'", "'features'", "'true'", "null", "null", "null"),
    ("'Signed Up'", "'core'", "'true'", "null", "null", "null"),
    ("' '", "'core'", "'yes'", "null", "'growth'", "null"),
]


@pytest.mark.parametrize(
    ("columns", "rows", "messages"),
    [
        (
            HEADER.replace("category varchar, ", ""),
            [("'Signed Up'", "'true'", "null", "null", "null")],
            ["has no column 'category'; a tracking plan needs the columns event_name, category, counts_as_activity"],
        ),
        (
            HEADER,
            BAD_ROWS,
            [
                "row 'Exported Data': column 'category' is \"features\","
                " expected one of lifecycle, core, feature, error, system",
                "row 'Signed Up': column 'event_name' repeats on 2 rows",
                'a row without event name (category "core", owner "growth"): column \'event_name\' is empty',
                "column 'counts_as_activity' is \"yes\", expected true or false",
            ],
        ),
    ],
    ids=["missing-column", "bad-rows"],
)
def test_a_malformed_plan_fails_naming_row_and_column(
    columns: str, rows: list[tuple[str, ...]], messages: list[str], tmp_path: Path
) -> None:
    warehouse = make_warehouse("duckdb", "badplan", tmp_path)
    _prepare(warehouse, columns, rows)
    output = _build_plan(warehouse, check=False)
    assert "the tracking plan" in output, output[-3000:]
    assert '"plan" (variable tracking_plan_relation: "plans.plan")' in output, output[-3000:]
    for message in messages:
        assert message in output, output[-3000:]
    assert "ERROR=1" in output
