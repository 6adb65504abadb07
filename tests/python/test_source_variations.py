"""Segment creates tables and columns lazily: missing ones are empty/null, never an error;
a present table without a required column fails at compile time naming both. A listed schema
without Segment tables, or no group call, is a dbt warning; no Segment table at all fails
before any model runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ENGINES, make_warehouse
from harness import Warehouse

MINIMAL_TRACKS = """
create table src_a.tracks (id varchar, received_at timestamp, event varchar, event_text varchar, anonymous_id varchar);
insert into src_a.tracks values
    ('t1', '2026-05-01 10:00:00', 'signed_up', ' Signed Up ', 'anon-1'),
    ('t1', '2026-05-01 10:05:00', 'signed_up', 'Signed Up', 'anon-1'),
    ('t2', '2026-05-02 09:00:00', 'opened_report', 'Opened Report', ' anon-1 ');
create table src_a.identifies (id varchar, received_at timestamp, user_id varchar, anonymous_id varchar, email varchar);
insert into src_a.identifies values ('i1', '2026-05-01 10:00:01', 'u1', 'anon-1', 'a@example.com');
"""


def _prepare(warehouse: Warehouse, sql: str) -> None:
    with warehouse.connection() as con:
        con.execute("drop schema if exists src_a cascade")
        con.execute("drop schema if exists src_missing cascade")
        con.execute("create schema src_a")
        for statement in filter(str.strip, sql.split(";")):
            con.execute(statement)


VARS = {"segment_schemas": ["src_a", "src_missing"]}


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_tables_schemas_and_optional_columns_build(engine: str, tmp_path: Path) -> None:
    warehouse = make_warehouse(engine, "variations", tmp_path)
    _prepare(warehouse, MINIMAL_TRACKS)
    # The tracking-plan tests (tag tracking_plan) are left out: these hand-made sources break the
    # demo plan on purpose, and their warnings are test_governance.py's subject, not this one's.
    output = " ".join(warehouse.dbt("build", "--exclude", "tag:tracking_plan", vars=VARS).split())
    # A configured schema without any Segment table builds, with a warning naming it (a typo, usually)
    # and a dbt warning counted in WARN; so does a source without group calls (account metrics need them).
    assert "segment_schemas lists 'src_missing', but" in output
    assert "src_missing holds none of the Segment tables" in output
    assert "lists 'src_a'" not in output
    assert (
        "no schema of segment_schemas (src_a, src_missing) holds a groups table. Account metrics need group calls"
        in output
    )
    assert "WARN 1 segment_schema_without_segment_tables" in output
    assert "WARN 1 account_metrics_need_group_calls" in output
    assert re.search(r"Done\. PASS=\d+ WARN=2 ERROR=0", output), output[-3000:]

    tracks = warehouse.rows("select * from staging.stg_segment__tracks order by message_id")
    assert [(r["message_id"], r["event_name"], r["anonymous_id"], r["user_id"]) for r in tracks] == [
        ("t1", "Signed Up", "anon-1", None),
        ("t2", "Opened Report", "anon-1", None),
    ]
    # No timestamp, sent_at or original_timestamp column: event time falls back to received_at.
    assert [str(r["event_at"]) for r in tracks] == ["2026-05-01 10:00:00", "2026-05-02 09:00:00"]
    for call_type in ("groups", "pages", "screens", "aliases"):
        assert warehouse.rows(f"select count(*) as n from staging.stg_segment__{call_type}") == [{"n": 0}]
        assert "received_at" in warehouse.columns("staging", f"stg_segment__{call_type}")
    counts = warehouse.rows("select call_type, outcome, row_count from marts.dq_segment__message_counts")
    assert {(r["call_type"], r["outcome"]): r["row_count"] for r in counts} == {
        ("tracks", "kept"): 2,
        ("tracks", "duplicate"): 1,
        ("identifies", "kept"): 1,
    }

    # A configuration that yields no Segment table (a forgotten --vars: schema `segment`; a
    # typo) fails before any model runs, naming the schemas and the variable, and the built
    # tables stay as they were instead of being rebuilt from nothing.
    for variables, schemas in ((None, "segment"), ({"segment_schemas": ["src_b", "segmnet"]}, "src_b, segmnet")):
        output = " ".join(warehouse.dbt("build", vars=variables, check=False).split())
        assert (
            "no Segment table (tracks, identifies, groups, pages, screens, aliases)"
            f" in any schema of segment_schemas ({schemas})" in output
        ), output[-3000:]
        assert "nothing was run, because this run would rebuild every mart from nothing" in output
        assert "Set segment_schemas to the schemas your collector writes to" in output
        assert "Schemas of" in output and "that hold a tracks or identifies table: src_a." in output
        assert not re.search(r"OK created|PASS=", output), output[-3000:]
        assert warehouse.rows("select count(*) as n from staging.stg_segment__tracks") == [{"n": 2}]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            MINIMAL_TRACKS + "create table src_a.groups (id varchar, received_at timestamp, user_id varchar);",
            "table src_a.groups has no column 'group_id'",
        ),
        (
            "create table src_a.tracks (id varchar, received_at timestamp, event varchar, event_text varchar);",
            "table src_a.tracks has none of the columns user_id, anonymous_id",
        ),
        (
            "create table src_a.aliases (id varchar, received_at timestamp, user_id varchar);",
            "table src_a.aliases has no column 'previous_id'",
        ),
    ],
    ids=["groups-without-group_id", "tracks-without-any-user-column", "aliases-without-previous_id"],
)
def test_a_missing_required_column_fails_naming_table_and_column(sql: str, message: str, tmp_path: Path) -> None:
    warehouse = make_warehouse("duckdb", "required", tmp_path)
    _prepare(warehouse, sql)
    output = warehouse.dbt("build", vars=VARS, check=False)
    assert message in output, output[-3000:]
