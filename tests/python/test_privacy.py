"""The PII salt (docs/reference.md section 8) never reaches the warehouse catalog, dbt's artifacts or its
logs; hashed columns still equal md5(salt || value); hashing without a salt is a warning.

The salt reaches the engine session outside any SQL text: DuckDB through the profile's
plugin (PRODUCT_ANALYTICS_PII_SALT), PostgreSQL through libpq's PGOPTIONS.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import ENGINES, make_warehouse
from harness import Warehouse, create_source_schema

SALT = "SALTZZ9Q7"

SOURCE = """
create table src_a.tracks (
    id varchar, received_at timestamp, event varchar, event_text varchar,
    user_id varchar, anonymous_id varchar, email varchar
);
insert into src_a.tracks values
    ('t1', '2026-05-01 10:00:00', 'signed_up', 'Signed Up', 'u1', 'anon-1', 'ada@example.com'),
    ('t2', '2026-05-02 09:00:00', 'opened_report', 'Opened Report', 'u2', null, 'bob@example.com');
create table src_a.identifies (id varchar, received_at timestamp, user_id varchar, anonymous_id varchar, email varchar);
insert into src_a.identifies values
    ('i1', '2026-05-01 10:00:01', 'u1', 'anon-1', 'ada@example.com'),
    ('i2', '2026-05-02 09:00:01', 'u2', null, 'bob@example.com');
create table src_a.signed_up (id varchar, received_at timestamp, event varchar, event_text varchar, email varchar);
insert into src_a.signed_up values ('t1', '2026-05-01 10:00:00', 'signed_up', 'Signed Up', 'ada@example.com')
"""
LATE_TRACK = (
    "insert into src_a.tracks values "
    "('t3', '2026-05-03 08:00:00', 'opened_report', 'Opened Report', 'u1', null, 'ada@example.com')"
)
VARS = {"segment_schemas": ["src_a"], "pii_hashed_columns": ["email"]}
UNSALTED_WARNING = "product_analytics: the PII columns email (pii_hashed_columns) are hashed WITHOUT a salt"


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def salted_warehouse(engine: str, tmp_path: Path, salt: str) -> Warehouse:
    """A warehouse whose dbt runs give the engine session `salt` the way the README says."""
    warehouse = make_warehouse(engine, "privacy", tmp_path)
    if engine == "duckdb":
        warehouse.env["PRODUCT_ANALYTICS_PII_SALT"] = salt
    else:
        warehouse.env["PRODUCT_ANALYTICS_PII_SALT"] = ""
        warehouse.env["PGOPTIONS"] = f"-c product_analytics.pii_salt={salt}" if salt else ""
    create_source_schema(warehouse, SOURCE)
    return warehouse


def catalog_texts(warehouse: Warehouse) -> list[str]:
    """Every definition and comment text the warehouse catalog shows to its readers."""
    if warehouse.target == "duckdb":
        queries = [
            "select sql from duckdb_views()",
            "select sql from duckdb_tables()",
            "select comment from duckdb_tables() where comment is not null",
            "select comment from duckdb_views() where comment is not null",
            "select comment from duckdb_columns() where comment is not null",
            "select macro_definition from duckdb_functions() where macro_definition is not null",
        ]
    else:
        queries = [
            "select definition from pg_views",
            "select definition from pg_matviews",
            "select description from pg_description",
            "select prosrc from pg_proc",
            "select array_to_string(setconfig, ' ') from pg_db_role_setting",
        ]
    return [str(value) for query in queries for row in warehouse.rows(query) for value in row.values()]


def files_containing(folder: Path, secret: str) -> list[str]:
    return [str(path) for path in folder.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_salt_reaches_no_catalog_artifact_or_log(engine: str, tmp_path: Path) -> None:
    warehouse = salted_warehouse(engine, tmp_path, SALT)
    artifacts = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    output = warehouse.dbt("build", *artifacts, vars=VARS)
    with warehouse.connection() as con:
        con.execute(LATE_TRACK)
    output += warehouse.dbt("build", *artifacts, vars=VARS)  # the incremental path too
    output += warehouse.dbt("docs", "generate", *artifacts, vars=VARS)
    output += warehouse.dbt("debug", "--log-path", str(tmp_path / "logs"))
    assert "WITHOUT a salt" not in output

    assert SALT not in output
    assert files_containing(tmp_path / "target", SALT) == []
    assert files_containing(tmp_path / "logs", SALT) == []
    assert [text for text in catalog_texts(warehouse) if SALT in text] == []
    if engine == "duckdb":
        # Not in the database file at all (nor its write-ahead log).
        assert files_containing(tmp_path, SALT) == []

    # Hashes computed with the salt the engine read, equal to md5(salt || value) computed here.
    salted = {"ada@example.com": md5(SALT + "ada@example.com"), "bob@example.com": md5(SALT + "bob@example.com")}
    tracks = warehouse.rows("select message_id, email from staging.stg_segment__tracks order by message_id")
    assert [(r["message_id"], r["email"]) for r in tracks] == [
        ("t1", salted["ada@example.com"]),
        ("t2", salted["bob@example.com"]),
        ("t3", salted["ada@example.com"]),
    ]
    users = warehouse.rows("select user_id, email from marts.dim_users order by user_id")
    assert [(r["user_id"], r["email"]) for r in users] == [
        ("u1", salted["ada@example.com"]),
        ("u2", salted["bob@example.com"]),
    ]
    # A view read by a session without the salt shows null, never an unsalted (reversible) hash.
    assert {r["email"] for r in warehouse.rows("select email from staging.stg_segment__identifies")} == {None}
    # A per-event table's PII property is hashed too: the tracking plan sees it sent, nobody reads it.
    properties = "select property_value from staging.base_segment__event_properties where property_name = 'email'"
    assert [r["property_value"] for r in warehouse.rows(properties)] == [None]
    carried = warehouse.rows(
        "select event_name, events_with_value from intermediate.int_tracking_plan__event_property_days"
        " where property_name = 'email'"
    )
    assert carried == [{"event_name": "Signed Up", "events_with_value": 1}]


@pytest.mark.parametrize("engine", ENGINES)
def test_hashing_without_a_salt_warns(engine: str, tmp_path: Path) -> None:
    warehouse = salted_warehouse(engine, tmp_path, "")
    output = " ".join(warehouse.dbt("build", vars=VARS).split())
    assert UNSALTED_WARNING in output
    how = "PRODUCT_ANALYTICS_PII_SALT" if engine == "duckdb" else "PGOPTIONS"
    assert how in output.split(UNSALTED_WARNING)[1][:400]
    users = warehouse.rows("select user_id, email from marts.dim_users order by user_id")
    assert [r["email"] for r in users] == [md5("ada@example.com"), md5("bob@example.com")]
    # Nothing hashed, nothing to warn about.
    quiet = warehouse.dbt("run", "--select", "base_segment__identifies", vars={**VARS, "pii_hashed_columns": []})
    assert "WITHOUT a salt" not in quiet


def test_the_retired_salt_variable_fails_without_echoing_it(tmp_path: Path) -> None:
    warehouse = salted_warehouse("duckdb", tmp_path, "")
    output = warehouse.dbt("build", vars={**VARS, "pii_hash_salt": SALT}, check=False)
    assert "variable 'pii_hash_salt' must be unset: the variable is no longer read" in output, output[-3000:]
    assert SALT not in output
    assert "PRODUCT_ANALYTICS_PII_SALT" in output
    assert "Completed successfully" not in output
