"""Every variable of dbt_project.yml is validated before any model runs, and every bad one is
reported at once naming the variable, the value and what is expected (docs/variables.md)."""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import make_warehouse
from harness import ROOT

# Each case: (run, variable, value, fragments of the message). One dbt invocation per run
# reports every bad variable of that run. "parse" and "second" fail while dbt parses the
# project; "hook" holds values only the on-run-start check can judge (relations that must
# exist), so its run fails in the hook, before any model.
CASES: list[tuple[str, str, Any, list[str]]] = [
    ("parse", "segment_schemas", [], ["variable 'segment_schemas' must be a non-empty list of schema names, got []"]),
    ("second", "segment_schemas", "web, web", ["variable 'segment_schemas' must be a list without repeated schemas"]),
    (
        "parse",
        "segment_database",
        "my db",
        ["variable 'segment_database' must be null (the target's database) or a database name, got \"my db\""],
    ),
    (
        "parse",
        "reporting_timezone",
        "America/NewYork",
        ["variable 'reporting_timezone' must be an IANA time zone name", 'got "America/NewYork"'],
    ),
    ("parse", "week_start", "friday", ["variable 'week_start' must be 'monday' or 'sunday', got \"friday\""]),
    (
        "parse",
        "future_event_tolerance_minutes",
        "soon",
        ["variable 'future_event_tolerance_minutes' must be a non-negative number of minutes, got \"soon\""],
    ),
    (
        "parse",
        "pii_dropped_columns",
        ["context_ip", "id"],
        ["variable 'pii_dropped_columns' must be a list without required Segment columns such as 'id' of tracks"],
    ),
    (
        "parse",
        "pii_hashed_columns",
        ["email", " "],
        ['variable \'pii_hashed_columns\' must be a list of non-empty strings, got ["email", " "]'],
    ),
    (
        "parse",
        "pii_hash_salt",
        "salt\\with\\backslashes",
        ["variable 'pii_hash_salt' must be unset: the variable is no longer read", 'got "(hidden)"'],
    ),
    (
        "parse",
        "incremental_lookback_hours",
        -5,
        ["variable 'incremental_lookback_hours' must be a positive whole number, got -5"],
    ),
    ("parse", "allow_full_refresh", "yes", ["variable 'allow_full_refresh' must be true or false, got \"yes\""]),
    (
        "parse",
        "excluded_ids",
        ["undefined", "it's"],
        ["variable 'excluded_ids' must be a list of non-empty ids without quotes or backslashes"],
    ),
    (
        "parse",
        "alias_max_chain_length",
        0,
        ["variable 'alias_max_chain_length' must be a positive whole number, got 0"],
    ),
    (
        "parse",
        "deleted_users_relation",
        "users; drop",
        ["variable 'deleted_users_relation' must be null or a relation 'schema.table'", 'got "users; drop"'],
    ),
    (
        "hook",
        "deleted_users_relation",
        "privacy.deleted_users",
        [
            "variable 'deleted_users_relation' must be an existing table or view (",
            'does not exist), got "privacy.deleted_users"',
        ],
    ),
    ("parse", "opt_out_trait", "", ["variable 'opt_out_trait' must be a non-empty string without quotes, got \"\""]),
    (
        "parse",
        "user_traits",
        {"email": "text"},
        [
            "variable 'user_traits' must be types among string, integer, float, boolean, timestamp"
            " (trait 'email'), got \"text\""
        ],
    ),
    (
        "second",
        "account_traits",
        {"Plan": "string"},
        ["variable 'account_traits' must be keys that are lower-case column names, got \"Plan\""],
    ),
    (
        "parse",
        "tracking_plan_relation",
        "a b",
        ["variable 'tracking_plan_relation' must be null, the name of a seed or model of your project", 'got "a b"'],
    ),
    (
        "hook",
        "tracking_plan_relation",
        "plans.missing",
        ["variable 'tracking_plan_relation' must be an existing table or view (", 'got "plans.missing"'],
    ),
    ("parse", "signup_event", 5, ["variable 'signup_event' must be a non-empty string without quotes, got 5"]),
    (
        "parse",
        "activity_events",
        ["Sent Project Data"],
        [
            "variable 'activity_events' must be a list sharing no event with non_activity_events"
            " ('Sent Project Data' is in both)"
        ],
    ),
    ("parse", "non_activity_events", ["Sent Project Data"], []),
    (
        "second",
        "non_activity_events",
        ["Bob's Event"],
        ["variable 'non_activity_events' must be a list of event names without quotes"],
    ),
    ("parse", "weekly_window_days", 0, ["variable 'weekly_window_days' must be a positive whole number, got 0"]),
    ("parse", "monthly_window_days", 1.5, ["variable 'monthly_window_days' must be a positive whole number, got 1.5"]),
    (
        "second",
        "power_user_min_days",
        9,
        ["variable 'power_user_min_days' must be at most weekly_window_days (7), got 9"],
    ),
    (
        "parse",
        "multi_user_account_min_users",
        "three",
        ["variable 'multi_user_account_min_users' must be a positive whole number, got \"three\""],
    ),
    (
        "parse",
        "funnels",
        [
            {"name": "short", "steps": ["Signed Up"], "window_days": 30, "entity_types": ["user"]},
            {"name": "teams", "steps": ["A", "B"], "window_days": 30, "entity_types": ["team"]},
            {"name": "instant", "steps": ["A", "B"], "window_days": 0, "entity_types": ["user"]},
            {"name": "twice", "steps": ["A", "B"], "window_days": 1},
            {"name": "twice", "steps": ["A", "B"], "window_days": 1},
        ],
        [
            "variable 'funnels' must be funnel 'short': steps as a list of 2 to 20 event names",
            "variable 'funnels' must be funnel 'teams': entity_types among user, account, got \"team\"",
            "variable 'funnels' must be funnel 'instant': window_days, a number of days > 0, got 0",
            "variable 'funnels' must be funnels with distinct names (funnel 'twice': defined twice)",
        ],
    ),
    ("parse", "funnel_strategy", "fastest", ["variable 'funnel_strategy' must be auto or portable, got \"fastest\""]),
    (
        "parse",
        "funnel_breakdown_trait",
        "tier",
        [
            "variable 'funnel_breakdown_trait' must be null or one of the account_traits (name, plan, seats",
            'got "tier"',
        ],
    ),
    (
        "parse",
        "health_weights",
        {"breadth": 2},
        ["variable 'health_weights' must be weights summing to 1 (they sum to 2)"],
    ),
    ("second", "health_weights", {"breadth": 1, "reach": 0}, ["(unknown component 'reach')"]),
    ("parse", "health_window_days", 0, ["variable 'health_window_days' must be a positive whole number, got 0"]),
    (
        "second",
        "health_frequency_target_days",
        -1,
        ["variable 'health_frequency_target_days' must be a positive whole number, got -1"],
    ),
    (
        "second",
        "health_momentum_window_days",
        "two",
        ["variable 'health_momentum_window_days' must be a positive whole number, got \"two\""],
    ),
    (
        "parse",
        "health_tier_thresholds",
        {"healthy": 30, "at_risk": 50},
        ["variable 'health_tier_thresholds' must be scores with 0 <= at_risk <= healthy <= 100"],
    ),
    ("parse", "paying_plans", {"team": 1}, ["variable 'paying_plans' must be a list of strings, got {\"team\": 1}"]),
    ("parse", "mau_limit", -1, ["variable 'mau_limit' must be a positive whole number, got -1"]),
    (
        "parse",
        "event_naming_convention",
        "Title Case",
        ["variable 'event_naming_convention' must be one of object_action, snake_case, none, got \"Title Case\""],
    ),
    (
        "parse",
        "property_naming_convention",
        "camelcase",
        ["variable 'property_naming_convention' must be one of camelCase, snake_case, none, got \"camelcase\""],
    ),
    (
        "parse",
        "tracking_plan_test_severity",
        "fatal",
        ["variable 'tracking_plan_test_severity' must be one of warn, error, got \"fatal\""],
    ),
]


@functools.cache
def _run(run: str) -> str:
    """dbt's output for one run of CASES: `dbt build` on an empty DuckDB warehouse."""
    variables = {variable: value for name, variable, value, _ in CASES if name == run}
    warehouse = make_warehouse("duckdb", f"config_{run}", Path(tempfile.mkdtemp(prefix="pa_config_")))
    output = warehouse.dbt("build", "--select", "stg_tracking_plan__events", vars=variables, check=False)
    return " ".join(output.split())


@pytest.mark.parametrize(
    ("run", "variable", "fragments"),
    [(run, variable, fragments) for run, variable, _, fragments in CASES if fragments],
    ids=[f"{variable}-{run}" for run, variable, _, fragments in CASES if fragments],
)
def test_a_bad_variable_is_reported_before_any_model(run: str, variable: str, fragments: list[str]) -> None:
    output = _run(run)
    for fragment in fragments:
        assert fragment in output, output[-4000:]
    # Nothing was built: the run stopped while parsing or in the on-run-start hook.
    assert not re.search(r"OK created|START sql", output), output[-4000:]
    # All bad variables of the run in one message.
    assert "variables are not valid:" in output, output[-4000:]


def test_the_hook_reports_relations_before_any_model() -> None:
    output = _run("hook")
    assert "on-run-start" in output and "2 variables are not valid" in output, output[-4000:]


def test_the_secret_salt_is_not_shown() -> None:
    assert "salt\\with" not in _run("parse") and "salt\\\\with" not in _run("parse")


def test_every_variable_has_a_documented_check_and_a_test() -> None:
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    variables = set(project["vars"]["product_analytics"])
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "variables.md").read_text(), re.MULTILINE))
    tested = {variable for _, variable, _, fragments in CASES if fragments}
    assert variables - documented == set(), "variables without a row in docs/variables.md"
    assert documented - variables == set(), "docs/variables.md lists variables dbt_project.yml lacks"
    assert variables - tested == set(), "variables without a case in CASES"


def test_a_single_bad_variable_says_where_to_set_it() -> None:
    warehouse = make_warehouse("duckdb", "config_single", Path(tempfile.mkdtemp(prefix="pa_config_")))
    output = warehouse.dbt(
        "build", "--select", "stg_tracking_plan__events", vars={"reporting_timezone": "America/NewYork"}, check=False
    )
    output = " ".join(output.split())
    assert "variable 'reporting_timezone' must be an IANA time zone name" in output, output[-4000:]
    assert "Set it under `vars: product_analytics:` in dbt_project.yml or with --vars" in output, output[-4000:]
    assert not re.search(r"OK created|START sql", output), output[-4000:]
