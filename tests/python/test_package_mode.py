"""The package installed in a host project (integration_tests/, `local:` path) builds with
the host's variable overrides taking effect, its own tracking plan included."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from conftest import TEST_CONFIG, load_generated, make_warehouse
from harness import HOST, install_host_package
from reference import Rules, read_raw, stage
from test_health import expected_health, health_mismatches

#: The host's own tracking plan (a seed of the host named `tracking_plan`, as the package's
#: demo seed is): other feature events, `Exported Data` and `Error Displayed` not activity,
#: `Sent Project Data` (not activity in the demo plan) absent, so counted as activity.
HOST_PLAN = HOST / "seeds" / "tracking_plan.csv"


def test_host_project_builds_the_package_with_its_overrides(tmp_path: Path) -> None:
    warehouse = make_warehouse("duckdb", "package", tmp_path)
    load_generated(warehouse, TEST_CONFIG)
    install_host_package(warehouse)
    # Everything but the tracking-plan tests builds without a warning; those warn, by design:
    # the generated data sends events the host's plan does not list (checked below).
    output = warehouse.dbt("build", "--exclude", "tag:tracking_plan", cwd=HOST)
    assert re.search(r"Done\. PASS=\d+ WARN=0 ERROR=0", output), output[-2000:]
    governance = warehouse.dbt("test", "--select", "tag:tracking_plan", cwd=HOST)
    assert re.search(r"Done\. PASS=\d+ WARN=[1-9]\d* ERROR=0", governance), governance[-2000:]
    assert "Warning in test tracking_plan_no_unplanned_events_last_day" in governance, governance[-2000:]

    # Marts land in schemas named exactly as in standalone mode.
    assert warehouse.columns("marts", "dq_segment__message_counts")
    # Overridden privacy rules: one more column dropped, `name` hashed too.
    identifies = set(warehouse.columns("staging", "stg_segment__identifies"))
    assert "context_library_version" not in identifies
    names = {row["name"] for row in warehouse.rows("select name from staging.stg_segment__identifies")} - {None}
    assert names and all(re.fullmatch("[0-9a-f]{32}", name) for name in names)

    # Overridden time zone: reporting days in Europe/Berlin.
    rules = Rules(timezone="Europe/Berlin", hashed=("email", "name"))
    expected, _ = stage(read_raw(warehouse, ["segment_web", "segment_backend"], "tracks"), "tracks", rules)
    actual = {
        row["message_id"]: row["event_date"]
        for row in warehouse.rows("select message_id, event_date from staging.stg_segment__tracks")
    }
    assert actual == {message_id: row["event_date"] for message_id, row in expected.items()}
    shifted = sum(1 for row in expected.values() if row["event_date"] != row["event_at"].date())
    assert shifted > 0, "no event near midnight: the time-zone override is not exercised"

    # The host's tracking plan decides activity and adoption, read here from the CSV itself.
    with HOST_PLAN.open(newline="") as plan_file:
        plan = list(csv.DictReader(plan_file))
    counts_as_activity = {row["event_name"]: row["counts_as_activity"] == "true" for row in plan}
    features = {row["event_name"] for row in plan if row["category"] == "feature"}
    events = warehouse.rows("select event_type, event_name, user_id, is_activity from marts.fct_events")
    wrong = [
        e
        for e in events
        if e["is_activity"]
        != (e["user_id"] is not None and (e["event_type"] != "track" or counts_as_activity.get(e["event_name"], True)))
    ]
    assert not wrong, f"{len(wrong)} events with is_activity not per the host plan, first: {wrong[:3]}"
    # The plan is exercised both ways: events it makes activity and events it excludes.
    names = {(e["event_name"], e["is_activity"]) for e in events if e["user_id"] is not None}
    assert {("Sent Project Data", True), ("Exported Data", False), ("Error Displayed", False)} <= names
    expected = expected_health(warehouse, features, timezone="Europe/Berlin")
    mismatches = health_mismatches(warehouse, expected)
    assert not mismatches, f"{len(mismatches)} health values differ, first: {mismatches[:5]}"
    # Adoption is over the host's 3 feature events (one never sent), not the demo plan's 6.
    adoptions = {row["adoption"] for row in expected.values()}
    assert {0.0, 1 / 3, 2 / 3} <= adoptions and 1.0 not in adoptions
