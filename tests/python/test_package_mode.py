"""The package installed in a host project (integration_tests/, `local:` path) builds with
the host's variable overrides taking effect."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import TEST_CONFIG, load_generated, make_warehouse
from harness import ROOT
from reference import Rules, read_raw, stage

HOST = ROOT / "integration_tests"


def test_host_project_builds_the_package_with_its_overrides(tmp_path: Path) -> None:
    warehouse = make_warehouse("duckdb", "package", tmp_path)
    load_generated(warehouse, TEST_CONFIG)
    warehouse.dbt("deps", cwd=HOST)
    output = warehouse.dbt("build", cwd=HOST)
    assert re.search(r"Done\. PASS=\d+ WARN=0 ERROR=0", output), output[-2000:]

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
