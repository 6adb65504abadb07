"""A run never silently mixes two configurations (docs/reference.md section 8).

Each incremental model records the settings its stored rows were computed with; the next
incremental run after a change fails naming the setting, the stored and the new value and the
command that rebuilds; a `--full-refresh` that the production guard ignores is a warning.
The test targets (`duckdb`, `postgres`) are production targets: allow_full_refresh is false.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ENGINES, make_warehouse
from harness import Warehouse, as_date, create_source_schema

SOURCE = """
create table src_a.tracks (
    id varchar, received_at timestamp, event varchar, event_text varchar,
    user_id varchar, anonymous_id varchar, email varchar
);
insert into src_a.tracks values
    ('t1', '2026-01-05 20:00:00', 'opened_report', 'Opened Report', 'u1', null, 'ada@example.com');
create table src_a.identifies (id varchar, received_at timestamp, user_id varchar, anonymous_id varchar, email varchar);
insert into src_a.identifies values ('i1', '2026-01-05 19:00:00', 'u1', null, 'ada@example.com');
create table src_a.groups (id varchar, received_at timestamp, user_id varchar, group_id varchar);
insert into src_a.groups values ('g1', '2026-01-05 19:00:01', 'u1', 'acme')
"""
# Received on 01-05 in UTC, on 01-06 in Shanghai (UTC+8), like the first event.
NEW_EVENT = (
    "insert into src_a.tracks values "
    "('t2', '2026-01-05 18:00:00', 'opened_report', 'Opened Report', 'u1', null, 'ada@example.com')"
)
VARS = {"segment_schemas": ["src_a"]}
SHANGHAI = {**VARS, "reporting_timezone": "Asia/Shanghai"}


def prepared(engine: str, tmp_path: Path) -> Warehouse:
    warehouse = make_warehouse(engine, "configstate", tmp_path)
    create_source_schema(warehouse, SOURCE)
    return warehouse


def flat(output: str) -> str:
    """dbt's output without line breaks and repeated spaces (the console wraps long lines)."""
    return " ".join(output.split())


def event_days(warehouse: Warehouse) -> dict[str, str]:
    rows = warehouse.rows("select event_id, event_date from marts.fct_events")
    return {r["event_id"]: str(as_date(r["event_date"])) for r in rows}


def recorded(warehouse: Warehouse, model: str) -> dict[str, Any]:
    rows = warehouse.rows(
        "select setting_name, setting_value from intermediate.product_analytics_configuration_state "
        f"where model_name = '{model}'"
    )
    return {r["setting_name"]: json.loads(r["setting_value"]) for r in rows if r["setting_name"] != "PII salt"}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_time_zone_change_fails_instead_of_mixing_days(engine: str, tmp_path: Path) -> None:
    """The issue's case: build in UTC, load one more event, --full-refresh with another time zone."""
    warehouse = prepared(engine, tmp_path)
    warehouse.dbt("build", vars=VARS)
    assert event_days(warehouse) == {"t1": "2026-01-05"}
    with warehouse.connection() as con:
        con.execute(NEW_EVENT)

    output = warehouse.dbt("build", "--full-refresh", vars=SHANGHAI, check=False)
    text = flat(output)
    command = (
        f"dbt build --full-refresh --target {engine} --vars "
        '\'{"allow_full_refresh": true, "reporting_timezone": "Asia/Shanghai", "segment_schemas": ["src_a"]}\''
    )
    # The ignored --full-refresh is a warning, naming the guarded models and the command.
    assert f"product_analytics: --full-refresh is IGNORED on target '{engine}' for the incremental models" in text
    guarded = text.split("for the incremental models", 1)[1].split(": they run incrementally", 1)[0]
    for model in ("dq_segment__message_counts_daily", "fct_events", "int_engagement__activity_days"):
        assert model in guarded, guarded
    assert f"To rebuild them from scratch run: {command}" in text
    # The run fails naming the model, the variable, both values and the command.
    assert "product_analytics: stg_segment__tracks holds rows computed with a different configuration" in text
    assert 'reporting_timezone: stored "UTC", now "Asia/Shanghai"' in text
    assert f"Rebuild the incremental models from scratch with the new values: {command}" in text
    assert "Completed successfully" not in output
    # Nothing mixed: the stored event keeps its UTC day and the new one is not added on another.
    assert event_days(warehouse) == {"t1": "2026-01-05"}
    assert recorded(warehouse, "fct_events")["reporting_timezone"] == "UTC"

    # The printed command rebuilds (an allowed full refresh) and records the new time zone.
    printed_vars = json.loads(re.search(r"--vars '(\{[^']*\})'", text).group(1))
    warehouse.dbt("build", "--full-refresh", vars=printed_vars)
    assert event_days(warehouse) == {"t1": "2026-01-06", "t2": "2026-01-06"}
    for model in ("stg_segment__tracks", "fct_events", "int_engagement__activity_days", "metrics_account_health_daily"):
        assert recorded(warehouse, model)["reporting_timezone"] == "Asia/Shanghai", model
    # Later incremental runs with the same settings pass.
    warehouse.dbt("run", vars=SHANGHAI)


# (change, the model run, the line naming the setting and both values)
HEALTH = "metrics_account_health_daily"
CHANGES = [
    ({"future_event_tolerance_minutes": 5}, "stg_segment__pages", "future_event_tolerance_minutes: stored 60, now 5"),
    (
        {"pii_hashed_columns": ["email", "name"]},
        "stg_segment__screens",
        'pii_hashed_columns: stored ["email"], now ["email", "name"]',
    ),
    ({"pii_dropped_columns": ["context_ip"]}, "stg_segment__tracks", "pii_dropped_columns: stored"),
    (
        {"excluded_ids": ["undefined"]},
        "stg_segment__tracks",
        'excluded_ids: stored ["0", "00000000-0000-0000-0000-000000000000", "anonymous",',
    ),
    (
        {"user_traits": {"email": "string"}},
        "dq_segment__nulled_values_daily",
        'user_traits: stored {"email": "string", "name"',
    ),
    ({"alias_max_chain_length": 3}, "int_identity__anonymous_links", "alias_max_chain_length: stored 10, now 3"),
    ({"opt_out_trait": "gdpr_opt_out"}, "fct_events", 'opt_out_trait: stored "analytics_opt_out", now "gdpr_opt_out"'),
    ({"activity_events": ["Sent Project Data"]}, "fct_events", 'activity_events: stored [], now ["Sent Project Data"]'),
    (
        {"non_activity_events": ["Opened Report"]},
        "int_engagement__activity_days",
        'non_activity_events: stored [], now ["Opened Report"]',
    ),
    ({"health_window_days": 7}, "metrics_account_health_daily", "health_window_days: stored 30, now 7"),
    (
        {"health_weights": {"breadth": 0.25, "frequency": 0.25, "adoption": 0.25, "momentum": 0.25}},
        "metrics_account_health_daily",
        'health_weights: stored {"adoption": 0.25, "breadth": 0.3, "frequency": 0.3, "momentum": 0.15}, now',
    ),
    ({"health_tier_thresholds": {"healthy": 80, "at_risk": 40}}, HEALTH, "health_tier_thresholds: stored"),
    ({"health_frequency_target_days": 10}, HEALTH, "health_frequency_target_days: stored 20, now 10"),
    ({"health_momentum_window_days": 7}, HEALTH, "health_momentum_window_days: stored 14, now 7"),
]


# DuckDB only: the comparison is the same SQL on every engine, and the PostgreSQL run of the
# time zone case above covers recording, comparing and rebuilding there (this one takes ~20 runs).
@pytest.mark.parametrize("engine", ["duckdb"])
def test_every_kind_of_stored_setting_change_fails_naming_it(engine: str, tmp_path: Path) -> None:
    warehouse = prepared(engine, tmp_path)
    warehouse.env["PRODUCT_ANALYTICS_PII_SALT"] = "first-salt"
    warehouse.dbt("build", vars=VARS)

    def fails(variables: dict[str, Any], model: str, line: str) -> None:
        # The models read the plan through stg_tracking_plan__events, rebuilt by every run.
        selected = ("--select", "stg_tracking_plan__events", model)
        output = flat(warehouse.dbt("run", *selected, vars={**VARS, **variables}, check=False))
        expected = f"product_analytics: {model} holds rows computed with a different configuration"
        assert expected in output, output[-3000:]
        assert line in output, output[-3000:]
        assert "Rebuild the incremental models from scratch with the new values: dbt build --full-refresh" in output

    for variables, model, line in CHANGES:
        fails(variables, model, line)

    # The tracking plan is data: its counts_as_activity and feature sets are compared by query.
    with warehouse.connection() as con:
        con.execute("update staging.tracking_plan set counts_as_activity = false where event_name = 'Invited User'")
    fails(
        {},
        "fct_events",
        "tracking plan: events with counts_as_activity = false: "
        'stored ["Sent Project Data"], now ["Invited User", "Sent Project Data"]',
    )
    with warehouse.connection() as con:
        con.execute("update staging.tracking_plan set counts_as_activity = true where event_name = 'Invited User'")
        con.execute("update staging.tracking_plan set category = 'feature' where event_name = 'Invited User'")
    fails({}, "metrics_account_health_daily", "tracking plan: feature events (category = 'feature'): stored [")
    with warehouse.connection() as con:
        con.execute("update staging.tracking_plan set category = 'lifecycle' where event_name = 'Invited User'")

    # The PII salt: compared through a fingerprint the engine computes, never shown.
    if engine == "duckdb":
        warehouse.env["PRODUCT_ANALYTICS_PII_SALT"] = "second-salt"
        output = flat(warehouse.dbt("run", "--select", "stg_segment__tracks", vars=VARS, check=False))
        assert "the PII salt (secret; fingerprints: stored" in output, output[-3000:]
        assert "second-salt" not in output and "first-salt" not in output
        warehouse.env["PRODUCT_ANALYTICS_PII_SALT"] = "first-salt"

    # Unchanged settings (and settings stored rows do not depend on, such as week_start) pass.
    output = warehouse.dbt("run", vars={**VARS, "week_start": "sunday"})
    assert "different configuration" not in output


SOURCE_B = """
create table src_b.tracks (id varchar, received_at timestamp, event varchar, event_text varchar, user_id varchar);
insert into src_b.tracks values ('tb', '2026-01-05 21:00:00', 'opened_report', 'Opened Report', 'u1')
"""


# DuckDB only, like the test above: the comparison is the same SQL on every engine.
@pytest.mark.parametrize("engine", ["duckdb"])
def test_removing_a_source_schema_fails_but_adding_one_needs_no_rebuild(engine: str, tmp_path: Path) -> None:
    """A schema taken out of segment_schemas would leave its stored events in the incremental
    tables (a full refresh drops them): the run fails naming it. Adding one is processed."""
    warehouse = prepared(engine, tmp_path)
    create_source_schema(warehouse, SOURCE_B, schema="src_b")
    both = {"segment_schemas": ["src_a", "src_b"]}
    warehouse.dbt("build", vars=both)
    assert set(event_days(warehouse)) == {"t1", "tb"}

    output = flat(warehouse.dbt("run", vars=VARS, check=False))
    assert "product_analytics: stg_segment__tracks holds rows computed with a different configuration" in output
    assert 'segment_schemas: stored ["src_a", "src_b"], now ["src_a"]; removed src_b' in output, output[-3000:]
    assert set(event_days(warehouse)) == {"t1", "tb"}, "the refused run changed the marts"

    # The printed command rebuilds without the schema.
    printed_vars = json.loads(re.search(r"--vars '(\{[^']*\})'", output).group(1))
    warehouse.dbt("build", "--full-refresh", vars=printed_vars)
    assert set(event_days(warehouse)) == {"t1"}

    # Adding it back is an ordinary incremental run that processes its rows.
    output = warehouse.dbt("run", vars=both)
    assert "different configuration" not in output
    assert set(event_days(warehouse)) == {"t1", "tb"}


@pytest.mark.parametrize("engine", ["duckdb"])
def test_a_listed_schema_without_segment_tables_is_not_recorded_as_a_source(engine: str, tmp_path: Path) -> None:
    """A schema in segment_schemas that holds no Segment table (a typo, a source not loaded yet)
    is warned about and adds no rows, so taking it out of the list again needs no rebuild. Found
    by a user on Spark: the recorded list held the typo, and every run after fixing it failed
    asking for a full refresh."""
    warehouse = prepared(engine, tmp_path)
    with_typo = {"segment_schemas": ["src_a", "src_typo"]}
    output = flat(warehouse.dbt("build", vars=with_typo))
    assert "segment_schemas lists 'src_typo'" in output, output[-3000:]
    assert recorded(warehouse, "stg_segment__tracks")["segment_schemas"] == ["src_a"]

    output = flat(warehouse.dbt("run", vars=VARS))
    assert "different configuration" not in output
    assert set(event_days(warehouse)) == {"t1"}


def test_a_log_without_its_previous_facts_fails_instead_of_missing_changes(tmp_path: Path) -> None:
    """With fct_events' table gone (dropped by hand, or moved by an upgrade: on Spark it became
    intermediate.fct_events__by_day) the change log can list nothing, and the incremental
    models reading it would silently miss the run's changes: the run fails naming the table,
    the models and the rebuild command, and changes nothing. DuckDB only: the check is Jinja."""
    warehouse = prepared("duckdb", tmp_path)
    warehouse.dbt("build", vars=VARS)
    activity_before = warehouse.rows("select * from intermediate.int_engagement__activity_days order by all")
    with warehouse.connection() as con:
        con.execute("drop table marts.fct_events")
        con.execute(NEW_EVENT)

    output = flat(warehouse.dbt("run", vars=VARS, check=False))
    assert "is built but fct_events' table (marts.fct_events) is not, while" in output, output[-3000:]
    assert "int_engagement__activity_days" in output and "metrics_account_health_daily" in output, output[-3000:]
    assert warehouse.rows("select * from intermediate.int_engagement__activity_days order by all") == activity_before

    # The printed command rebuilds everything, the new event included.
    command = re.search(r"Rebuild everything: (dbt build [^\n]*?--target \S+(?: --vars '\{[^']*\}')?)", output)
    assert command, output[-3000:]
    printed_vars = re.search(r"--vars '(\{[^']*\})'", command.group(1))
    warehouse.dbt("build", "--full-refresh", vars=json.loads(printed_vars.group(1)) if printed_vars else VARS)
    assert set(event_days(warehouse)) == {"t1", "t2"}
