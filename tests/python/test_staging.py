"""Staging (docs/reference.md sections 1-2) equals an independent Python computation, on both engines."""

from __future__ import annotations

from collections import Counter

import pytest
from harness import DEMO_VARS, Warehouse
from reference import CALL_TYPES, Rules, nulled_values, pii_hash, read_raw, stage

RULES = Rules()
SCHEMAS = DEMO_VARS["segment_schemas"]
COMPARED = (
    "source_schema",
    "event_at",
    "is_event_at_adjusted",
    "event_date",
    "received_at",
    "user_id",
    "anonymous_id",
    "context_group_id",
    "group_id",
    "previous_id",
    "event_name",
    "page_name",
    "email",
)


@pytest.mark.parametrize("call_type", CALL_TYPES)
def test_staged_messages_equal_reference(built_warehouse: Warehouse, call_type: str) -> None:
    expected, _ = stage(read_raw(built_warehouse, SCHEMAS, call_type), call_type, RULES)
    actual = {row["message_id"]: row for row in built_warehouse.rows(f"select * from staging.stg_segment__{call_type}")}
    assert set(actual) == set(expected), f"{call_type}: staged message ids differ"
    mismatches = [
        (message_id, column, expected_row[column], actual[message_id].get(column))
        for message_id, expected_row in expected.items()
        for column in COMPARED
        if column in expected_row and actual[message_id].get(column) != expected_row[column]
    ]
    assert not mismatches, f"{call_type}: {len(mismatches)} values differ, first: {mismatches[:5]}"


def test_every_raw_row_is_accounted_for(built_warehouse: Warehouse) -> None:
    expected: Counter[tuple[str, str, str]] = Counter()
    for call_type in CALL_TYPES:
        _, outcomes = stage(read_raw(built_warehouse, SCHEMAS, call_type), call_type, RULES)
        for (schema, outcome), count in outcomes.items():
            expected[(call_type, schema, outcome)] = count
    actual = {
        (row["call_type"], row["source_schema"], row["outcome"]): row["row_count"]
        for row in built_warehouse.rows("select * from marts.dq_segment__message_counts")
    }
    assert actual == dict(expected)
    # The generated data holds every kind of defect, so each outcome is exercised.
    outcomes = {outcome for (_, _, outcome) in actual}
    assert {"kept", "duplicate", "rejected_missing_id", "rejected_empty_event_name"} <= outcomes


def test_every_nulled_value_is_counted(built_warehouse: Warehouse) -> None:
    expected: Counter[tuple[str, ...]] = Counter()
    for call_type in CALL_TYPES:
        for key, count in nulled_values(read_raw(built_warehouse, SCHEMAS, call_type), call_type, RULES).items():
            expected[(call_type, *key)] = count
    actual = {
        (row["call_type"], row["source_schema"], row["column_name"], row["reason"], row["excluded_id"] or ""): row[
            "value_count"
        ]
        for row in built_warehouse.rows("select * from marts.dq_segment__nulled_values")
    }
    assert actual == dict(expected)
    # The generated data plants placeholder ids and text seats that are not integers.
    reasons = {key[3] for key in actual}
    assert {"excluded_id", "unreadable_as_integer"} <= reasons, actual


def test_privacy_rules_apply_in_every_staging_relation(built_warehouse: Warehouse) -> None:
    relations = [f"base_segment__{c}" for c in CALL_TYPES] + [f"stg_segment__{c}" for c in CALL_TYPES]
    for relation in relations:
        columns = set(built_warehouse.columns("staging", relation))
        assert columns, f"staging.{relation} has no columns"
        leaked = columns & set(RULES.dropped)
        assert not leaked, f"staging.{relation} still has dropped PII columns {leaked}"
    raw_emails = {
        row["email"]
        for schema in SCHEMAS
        for row in built_warehouse.rows(f"select email from {schema}.identifies where email is not null")
    }
    staged_emails = {
        row["email"] for row in built_warehouse.rows("select email from staging.stg_segment__identifies")
    } - {None}
    assert staged_emails, "no hashed emails staged"
    assert not staged_emails & raw_emails, "a raw email reached staging"
    assert staged_emails <= {pii_hash(email, RULES) for email in raw_emails}
