"""Typed values and placeholder ids (docs/reference.md sections 2-3), on hand-made sources and both engines.

Two sources type the same columns differently (a backend's BIGINT `seats`, a web source's text
`seats` holding 'unlimited'); text traits and timestamps hold values that are not literals of
their type; SDK placeholders ('undefined', 'null', 'NONE') stand in for unknown ids; and a
server-side alias merges a visitor (its previous_id is the visitor's anonymous id). The build
must succeed, read every literal by the documented rules, count what it nulled per schema,
table and column, and resolve identities as docs/reference.md section 3 says.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import ENGINES, make_warehouse
from harness import Warehouse

SCHEMAS = ["src_backend", "src_web"]
VARS = {
    "segment_schemas": SCHEMAS,
    "account_traits": {
        "name": "string",
        "plan": "string",
        "seats": "integer",
        "score": "float",
        "renewal_at": "timestamp",
    },
}

#: (text as the source wrote it, value expected after staging) per declared kind.
INTEGERS = [
    (" 40 ", 40),
    ("-7", -7),
    ("+3", 3),
    ("\t12\n", 12),
    ("9223372036854775807", 9223372036854775807),
    ("9223372036854775808", None),
    ("12.5", None),
    ("1e2", None),
    ("0x10", None),
    ("1 000", None),
    ("unlimited", None),
    ("", None),
]
FLOATS = [
    ("12.5", 12.5),
    (" -.5 ", -0.5),
    ("1e2", 100.0),
    ("5.", 5.0),
    ("0e5", 0.0),
    ("NaN", None),
    ("inf", None),
    ("0x10", None),
    ("1,5", None),
    ("1e400", None),
    ("1e-400", None),
]
BOOLEANS = [("true", True), (" FALSE ", False), ("yes", None), ("1", None), ("t", None)]
TIMESTAMPS = [
    ("2026-05-01", datetime(2026, 5, 1)),
    ("2026-05-01T10:00:00Z", datetime(2026, 5, 1, 10)),
    (" 2026-05-01 10:00:00.123456 ", datetime(2026, 5, 1, 10, 0, 0, 123456)),
    ("2026-05-01T10:00+02:00", datetime(2026, 5, 1, 8)),
    ("2026-05-01T10:00:00-0530", datetime(2026, 5, 1, 15, 30)),
    ("2026-05-01T10:00:00+01", datetime(2026, 5, 1, 9)),
    ("2024-02-29 23:59:59", datetime(2024, 2, 29, 23, 59, 59)),
    ("2026-02-30", None),
    ("2026-05-01 24:00", None),
    ("2026-13-01", None),
    ("0000-01-01", None),
    ("2026-05-01T10:00:00.1234567", None),
    ("1700000000", None),
    ("yesterday", None),
]
LITERAL_COLUMNS = {"seats": INTEGERS, "score": FLOATS, "analytics_opt_out": BOOLEANS, "renewal_at": TIMESTAMPS}
LITERAL_ROWS = max(len(values) for values in LITERAL_COLUMNS.values())


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    return "'" + str(value).replace("'", "''") + "'"


def _values(rows: list[tuple[Any, ...]]) -> str:
    return ",\n".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)


def _sources() -> str:
    literal_rows = [
        (
            f"lit-{n}",
            "2026-05-03 09:00:00",
            "u1",
            "g-literals",
            *(values[n][0] if n < len(values) else None for values in LITERAL_COLUMNS.values()),
        )
        for n in range(LITERAL_ROWS)
    ]
    web_groups = [
        ("gw1", "2026-05-01 09:00:00", "u2", "g-unlimited", "unlimited", None, None, None),
        ("gw2", "2026-05-01 09:00:00", "u3", "g-ten", "10", None, None, None),
        ("gw3", "2026-05-02 09:00:00", "u3", "g-ten", "unlimited", None, None, None),
        ("gw4", "2026-05-01 09:00:00", "u1", "g-padded", " 40 ", None, "false", None),
        ("gw5", "2026-05-01 09:00:00", "u1", "NONE", "5", None, None, None),
        *literal_rows,
    ]
    return f"""
create schema src_backend;
create schema src_web;
create table src_backend.groups (
    id varchar, received_at timestamp, user_id varchar, group_id varchar, seats bigint, analytics_opt_out boolean
);
insert into src_backend.groups values ('gb1', '2026-05-01 09:00:00', 'u1', 'g-backend', 25, false);
create table src_backend.tracks (id varchar, received_at timestamp, event varchar, event_text varchar, user_id varchar);
insert into src_backend.tracks values ('t1', '2026-05-01 13:00:00', 'opened_report', 'Opened Report', 'u2');
create table src_web.groups (
    id varchar, received_at timestamp, user_id varchar, group_id varchar,
    seats varchar, score varchar, analytics_opt_out varchar, renewal_at varchar
);
insert into src_web.groups values {_values(web_groups)};
create table src_web.identifies (id varchar, received_at timestamp, user_id varchar, anonymous_id varchar);
insert into src_web.identifies values
    ('i1', '2026-05-01 08:00:00', 'u1', 'undefined'),
    ('i2', '2026-05-01 08:30:00', 'u2', ' Undefined '),
    ('i3', '2026-05-01 08:40:00', 'null', 'anon-x');
create table src_web.aliases (id varchar, received_at timestamp, previous_id varchar, user_id varchar);
insert into src_web.aliases values ('a1', '2026-05-01 08:50:00', 'anon-visitor', 'u3');
create table src_web.pages (
    id varchar, received_at timestamp, user_id varchar, anonymous_id varchar, "timestamp" varchar
);
insert into src_web.pages values
    ('p1', '2026-05-01 10:00:00', null, 'undefined', 'garbage'),
    ('p2', '2026-05-01 11:00:00', null, 'anon-visitor', '2026-05-01T10:30:00+01:00'),
    ('p3', '2026-05-01 12:00:00', null, 'anon-x', '2026-05-01 11:59:00'),
    ('p4', '2026-05-01 12:30:00', 'u1', null, null);
"""


def _build(engine: str, tmp_path: Path) -> Warehouse:
    warehouse = make_warehouse(engine, "typed", tmp_path)
    with warehouse.connection() as con:
        for schema in SCHEMAS:
            con.execute(f"drop schema if exists {schema} cascade")
        for statement in filter(str.strip, _sources().split(";\n")):
            con.execute(statement)
    # The unit tests are the package's own (they run with the default variables elsewhere).
    warehouse.dbt("build", "--exclude-resource-type", "unit_test", vars=VARS)
    return warehouse


@pytest.fixture(scope="module", params=ENGINES)
def typed_warehouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return _build(request.param, tmp_path_factory.mktemp(f"typed_{request.param}"))


def test_each_literal_is_read_by_the_documented_rule(typed_warehouse: Warehouse) -> None:
    staged = {
        row["message_id"]: row
        for row in typed_warehouse.rows("select * from staging.stg_segment__groups where group_id = 'g-literals'")
    }
    wrong = []
    for column, values in LITERAL_COLUMNS.items():
        for n, (text, expected) in enumerate(values):
            actual = staged[f"lit-{n}"][column]
            if isinstance(actual, float) and expected is not None:
                same = abs(actual - expected) < 1e-9
            else:
                same = actual == expected and type(actual) is type(expected)
            if not same:
                wrong.append((column, text, expected, actual))
    assert not wrong, f"(column, text, expected, read): {wrong}"


def test_conflicting_types_build_and_keep_every_readable_value(typed_warehouse: Warehouse) -> None:
    seats = {
        row["account_id"]: row["seats"]
        for row in typed_warehouse.rows(
            "select account_id, seats from marts.dim_accounts where account_id <> 'g-literals'"
        )
    }
    # 25 from the backend's BIGINT; 'unlimited' is null; the latest readable value of g-ten is 10.
    assert seats == {"g-backend": 25, "g-unlimited": None, "g-ten": 10, "g-padded": 40}


def test_placeholder_ids_are_null_and_an_alias_links_its_previous_id(typed_warehouse: Warehouse) -> None:
    events = {
        row["event_id"]: (row["user_id"], row["anonymous_id"], row["event_at"])
        for row in typed_warehouse.rows("select event_id, user_id, anonymous_id, event_at from marts.fct_events")
    }
    assert events == {
        # 'undefined' is no id: the page is not given to u1 or u2, who identified with it.
        "p1": (None, None, datetime(2026, 5, 1, 10)),
        # The server-side alias made the visitor's anonymous id u3's.
        "p2": ("u3", "anon-visitor", datetime(2026, 5, 1, 9, 30)),
        # Its only link came with the user id 'null', which is no user.
        "p3": (None, "anon-x", datetime(2026, 5, 1, 11, 59)),
        "p4": ("u1", None, datetime(2026, 5, 1, 12, 30)),
        "t1": ("u2", None, datetime(2026, 5, 1, 13)),
    }
    rejected = typed_warehouse.rows(
        "select source_schema, row_count from marts.dq_segment__message_counts "
        "where call_type = 'groups' and outcome = 'rejected_missing_group_id'"
    )
    assert rejected == [{"source_schema": "src_web", "row_count": 1}]


def test_every_nulled_value_is_counted_per_schema_table_and_column(typed_warehouse: Warehouse) -> None:
    expected: dict[tuple[str, ...], int] = {
        ("groups", "src_web", "seats", "unreadable_as_integer", ""): 2,  # gw1, gw3: 'unlimited'
        ("groups", "src_web", "group_id", "excluded_id", "none"): 1,
        ("identifies", "src_web", "anonymous_id", "excluded_id", "undefined"): 2,
        ("identifies", "src_web", "user_id", "excluded_id", "null"): 1,
        ("pages", "src_web", "anonymous_id", "excluded_id", "undefined"): 1,
        ("pages", "src_web", "timestamp", "unreadable_as_timestamp", ""): 1,
    }
    kinds = {"seats": "integer", "score": "float", "analytics_opt_out": "boolean", "renewal_at": "timestamp"}
    for column, values in LITERAL_COLUMNS.items():
        key = ("groups", "src_web", column, f"unreadable_as_{kinds[column]}", "")
        expected[key] = expected.get(key, 0) + sum(1 for _, value in values if value is None)
    actual = {
        (r["call_type"], r["source_schema"], r["column_name"], r["reason"], r["excluded_id"] or ""): r["value_count"]
        for r in typed_warehouse.rows("select * from marts.dq_segment__nulled_values")
    }
    assert actual == expected
    examples = {
        (r["column_name"], r["reason"]): r["example_value"]
        for r in typed_warehouse.rows(
            "select column_name, reason, example_value from marts.dq_segment__nulled_values "
            "where call_type in ('groups', 'pages') and source_schema = 'src_web'"
        )
    }
    assert examples[("group_id", "excluded_id")] == "NONE"
    assert examples[("timestamp", "unreadable_as_timestamp")] == "garbage"
    daily = typed_warehouse.rows(
        "select sum(value_count) as n from marts.dq_segment__nulled_values_daily "
        "where received_date = cast('2026-05-02' as date)"
    )
    assert daily == [{"n": 1}]  # gw3
