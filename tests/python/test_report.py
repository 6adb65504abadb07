"""`python -m product_analytics report`: the HTML report, opened as a person would.

The report is written by the CLI from the session's built warehouse (DuckDB and PostgreSQL),
then opened in headless Chromium (installed by scripts/chromium.sh) with a probe script
injected at the start of its <head> (tests/python/report_probe.js). The probe records script
and console errors and, once the page has loaded, writes into the DOM what every chart drew
and the numbers shown; `--dump-dom` hands that back. Expected numbers come from SQL on the
marts, not from the report's own code.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT, Warehouse, as_date

PROBE = Path(__file__).with_name("report_probe.js")
TIERS = ("Healthy", "At Risk", "Critical")
SECTIONS = ("active users", "active accounts", "retention", "funnels", "lifecycle and stickiness")


@dataclass
class Rendered:
    """A report written by the CLI and what Chromium drew of it."""

    path: Path
    stdout: str
    stderr: str
    check: dict[str, Any]

    def chart(self, key: str) -> dict[str, Any]:
        return next(c for c in self.check["charts"] if c["key"] == key)


def chromium() -> str:
    """The headless browser's path (scripts/chromium.sh installs it when missing, as root)."""
    found = subprocess.run([str(ROOT / "scripts" / "chromium.sh")], capture_output=True, text=True)
    if found.returncode != 0:
        raise RuntimeError(f"no headless Chromium for the render test: {found.stderr.strip()}")
    return found.stdout.strip().splitlines()[-1]


def run_report(warehouse: Warehouse, out: Path, path: str | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, against the warehouse's DuckDB file or PostgreSQL database."""
    args = [sys.executable, "-m", "product_analytics", "report", "--out", str(out), "--target", warehouse.target]
    if warehouse.target == "duckdb":
        args += ["--path", path or warehouse.duckdb_path]
    env = dict(os.environ) | warehouse.env
    return subprocess.run(args, capture_output=True, text=True, env=env)


def render(report: Path, workdir: Path) -> dict[str, Any]:
    """Open the report in headless Chromium with the probe; returns the probe's findings."""
    page = report.read_text(encoding="utf-8")
    checked = workdir / f"{report.stem}.checked.html"
    checked.write_text(page.replace("<head>", f"<head><script>{PROBE.read_text()}</script>", 1), encoding="utf-8")
    dom = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            # Block every network request: the report must need none.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--window-size=1400,1000",
            "--virtual-time-budget=30000",
            "--dump-dom",
            checked.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = re.search(r'<pre id="render-check">(.*?)</pre>', dom.stdout, re.S)
    assert found, f"the probe wrote no result (chromium exit {dom.returncode}): {dom.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def rendered(built_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    workdir = tmp_path_factory.mktemp(f"report_{built_warehouse.target}")
    out = workdir / "report.html"
    result = run_report(built_warehouse, out)
    assert result.returncode == 0, result.stderr
    return Rendered(out, result.stdout, result.stderr, render(out, workdir))


def last_row(warehouse: Warehouse, table: str) -> dict[str, Any]:
    return warehouse.rows(f"select * from marts.{table} order by date_day desc limit 1")[0]


def has_tracking_plan(warehouse: Warehouse) -> bool:
    found = warehouse.rows(
        "select count(*) as n from information_schema.tables where table_schema = 'marts' "
        "and table_name in ('dq_tracking_plan__events', 'dq_tracking_plan__violations_daily')"
    )
    return found[0]["n"] == 2


def test_cli_writes_one_self_contained_file(rendered: Rendered) -> None:
    assert f"Wrote the report to {rendered.path.resolve()}" in rendered.stdout
    # One progress line per section on stderr.
    progress = re.findall(r"^report: \[(\d)/(\d)\] (.+) \(\d+\.\d s\)$", rendered.stderr, re.M)
    assert [name for _, _, name in progress][: len(SECTIONS)] == list(SECTIONS)
    assert len(progress) == int(progress[0][1]) == 7
    page = rendered.path.read_text(encoding="utf-8")
    # Nothing to fetch: no external script, stylesheet or image.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", page)
    assert rendered.check["plotly"], "plotly.js did not load from the inlined copy"
    # Nulls are shown as a dash, never as Python's or pandas' spelling of them.
    assert not re.search(r">(nan|NaN|None|NaT|<NA>)<", page)


def test_every_chart_drew_without_errors(rendered: Rendered, built_warehouse: Warehouse) -> None:
    check = rendered.check
    assert check["errors"] == []
    funnels = [f for (f,) in _tuples(built_warehouse, "select distinct funnel_name from marts.metrics_funnel_steps")]
    expected = {
        "users-active",
        "users-dau-over-mau",
        "users-new-power",
        "accounts-active",
        "accounts-active-share",
        *(f"retention-{e}-{g}" for e in ("user", "account") for g in ("week", "month")),
        *(f"funnel-{f}-{kind}" for f in funnels for kind in ("steps", "weekly")),
        "lifecycle-user",
        "lifecycle-account",
        "stickiness-user",
        "stickiness-account",
        "health-tiers",
        # dbt build makes the governance marts; test_tracking_plan_section_is_skipped_with_a_note
        # covers a warehouse without them.
        "tracking-plan-status",
        "tracking-plan-violations",
    }
    assert check["notes"] == []
    assert {c["key"] for c in check["charts"]} == expected
    for chart in check["charts"]:
        assert chart["svgs"] > 0, f"{chart['key']}: no SVG drawn"
        assert chart["marks"] > 0, f"{chart['key']}: the SVG holds no drawn trace"
        assert 0 < chart["plot_width"] <= chart["figure_width"], f"{chart['key']}: the chart overflows its card"
        # Every chart says over which days it is.
        assert re.search(r"\b20\d\d\b", chart["caption"]), f"{chart['key']}: the caption names no days"


def _tuples(warehouse: Warehouse, sql: str) -> list[tuple[Any, ...]]:
    with warehouse.connection() as con:
        return con.query(sql)


def test_headline_numbers_equal_the_marts(rendered: Rendered, built_warehouse: Warehouse) -> None:
    kpis = {name: kpi["value"] for name, kpi in rendered.check["kpis"].items()}
    users = last_row(built_warehouse, "metrics_active_users_daily")
    accounts = last_row(built_warehouse, "metrics_active_accounts_daily")
    last_day = as_date(users["date_day"])
    new_users = built_warehouse.rows(
        "select sum(new_users) as n from marts.metrics_active_users_daily "
        f"where date_day > date '{(last_day - timedelta(days=30)).isoformat()}'"
    )[0]["n"]
    assert int(kpis["dau"]) == users["dau"]
    assert int(kpis["wau"]) == users["wau"]
    assert int(kpis["mau"]) == users["mau"]
    assert float(kpis["dau_over_mau"]) == pytest.approx(users["dau_over_mau"])
    assert int(kpis["new_users_last_30d"]) == new_users
    assert int(kpis["daa"]) == accounts["daa"]
    assert int(kpis["maa"]) == accounts["maa"]
    assert float(kpis["daa_pct"]) == pytest.approx(accounts["daa_pct"])
    tiers = dict(
        _tuples(
            built_warehouse,
            "select health_tier, count(*) from marts.metrics_account_health_daily "
            f"where date_day = date '{last_day.isoformat()}' group by health_tier",
        )
    )
    assert int(kpis["healthy_accounts"]) == tiers.get("Healthy", 0)
    assert int(kpis["critical_accounts"]) == tiers.get("Critical", 0)
    shown = rendered.check["kpis"]["dau"]["shown"]
    assert shown == f"{users['dau']:,}"
    assert rendered.check["kpis"]["dau_over_mau"]["shown"] == f"{users['dau_over_mau'] * 100:.1f}%"


def test_charts_plot_the_marts(rendered: Rendered, built_warehouse: Warehouse) -> None:
    users = built_warehouse.rows("select date_day, dau, mau, dau_over_mau from marts.metrics_active_users_daily")
    users.sort(key=lambda r: r["date_day"])
    traces = {t["name"]: t for t in rendered.chart("users-active")["traces"]}
    assert traces["DAU"]["y"] == [r["dau"] for r in users]
    assert traces["MAU"]["y"] == [r["mau"] for r in users]
    assert [x[:10] for x in traces["DAU"]["x"]] == [as_date(r["date_day"]).isoformat() for r in users]

    # Retention: every cell of the heatmaps, complete and in-progress cells in separate traces.
    cohorts = built_warehouse.rows(
        "select entity_type, period_grain, cohort_start, period_number, retention_rate, is_complete "
        "from marts.metrics_retention_cohorts"
    )
    for entity in ("user", "account"):
        for grain in ("week", "month"):
            complete, in_progress = rendered.chart(f"retention-{entity}-{grain}")["traces"]
            drawn = {}
            for trace, is_complete in ((complete, True), (in_progress, False)):
                for label, row in zip(trace["y"], trace["z"], strict=True):
                    for period, value in zip(trace["x"], row, strict=True):
                        if value is not None:
                            drawn[(label[:10], int(period))] = (value, is_complete)
            expected = {
                (as_date(r["cohort_start"]).isoformat(), r["period_number"]): (r["retention_rate"], r["is_complete"])
                for r in cohorts
                if r["entity_type"] == entity and r["period_grain"] == grain
            }
            assert drawn.keys() == expected.keys()
            for key, (value, is_complete) in expected.items():
                assert drawn[key][0] == pytest.approx(value), (entity, grain, key)
                assert drawn[key][1] is is_complete, (entity, grain, key)

    steps = built_warehouse.rows(
        "select funnel_name, entity_type, step_number, entities from marts.metrics_funnel_steps"
    )
    for funnel in {r["funnel_name"] for r in steps}:
        bars = {t["name"]: t["y"] for t in rendered.chart(f"funnel-{funnel}-steps")["traces"]}
        for entity in ("user", "account"):
            expected = [
                r["entities"]
                for r in sorted(steps, key=lambda r: r["step_number"])
                if r["funnel_name"] == funnel and r["entity_type"] == entity
            ]
            assert expected and bars[f"{entity}s"] == expected

    last_day = as_date(users[-1]["date_day"])
    tiers = dict(
        _tuples(
            built_warehouse,
            "select health_tier, count(*) from marts.metrics_account_health_daily "
            f"where date_day = date '{last_day.isoformat()}' group by health_tier",
        )
    )
    drawn_tiers = {t["name"]: t["y"][-1] for t in rendered.chart("health-tiers")["traces"]}
    assert {tier: count for tier, count in drawn_tiers.items() if count} == tiers


def test_accounts_that_dropped_a_tier(rendered: Rendered, built_warehouse: Warehouse) -> None:
    """The table lists exactly the accounts whose tier now is worse than 30 days before."""
    users = last_row(built_warehouse, "metrics_active_users_daily")
    month_ago = as_date(users["date_day"]) - timedelta(days=30)
    health = built_warehouse.rows(
        "select account_id, date_day, health_tier from marts.metrics_account_health_daily "
        f"where date_day in (date '{month_ago.isoformat()}', date '{as_date(users['date_day']).isoformat()}')"
    )
    then = {r["account_id"]: r["health_tier"] for r in health if as_date(r["date_day"]) == month_ago}
    now = {r["account_id"]: r["health_tier"] for r in health if as_date(r["date_day"]) != month_ago}
    dropped = {a for a, tier in now.items() if a in then and TIERS.index(tier) > TIERS.index(then[a])}
    assert dropped, "the test data should hold accounts that dropped a tier"
    assert set(rendered.check["tables"]["health-dropped"]) == dropped
    assert int(rendered.check["kpis"]["accounts_dropped_tier"]["value"]) == len(dropped)


def test_tracking_plan_section_is_skipped_with_a_note(built_warehouse: Warehouse, tmp_path: Path) -> None:
    if built_warehouse.target != "duckdb":
        pytest.skip("one engine suffices: the section's presence depends only on the marts")
    copy = tmp_path / "without_plan.duckdb"
    shutil.copy(built_warehouse.duckdb_path, copy)
    import duckdb

    with duckdb.connect(str(copy)) as con:
        for table in ("dq_tracking_plan__events", "dq_tracking_plan__violations_daily"):
            con.execute(f"drop table if exists marts.{table}")
            con.execute(f"drop view if exists marts.{table}")
    out = tmp_path / "report.html"
    result = run_report(built_warehouse, out, path=str(copy))
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert 'data-note="tracking-plan"' in page
    assert "Skipped: this warehouse has no tracking-plan marts" in page
    assert 'data-chart="tracking-plan-status"' not in page


def test_unbuilt_warehouse_is_refused_with_what_to_do(built_warehouse: Warehouse, tmp_path: Path) -> None:
    if built_warehouse.target != "duckdb":
        pytest.skip("the messages are engine-independent")
    missing = run_report(built_warehouse, tmp_path / "r.html", path=str(tmp_path / "absent.duckdb"))
    assert missing.returncode == 1
    assert f"DuckDB warehouse {tmp_path / 'absent.duckdb'} does not exist: build it first (make demo)" in missing.stderr
    import duckdb

    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    empty = run_report(built_warehouse, tmp_path / "r.html", path=str(tmp_path / "empty.duckdb"))
    assert empty.returncode == 1
    assert "the warehouse has no marts.metrics_active_users_daily" in empty.stderr
    assert "build it first" in empty.stderr
    assert not (tmp_path / "r.html").exists()


def test_exposure_lists_the_marts_the_report_reads() -> None:
    """models/exposures.yml depends on exactly the marts in report.REQUIRED_MARTS."""
    import yaml

    from product_analytics.report import REQUIRED_MARTS, TRACKING_PLAN_MARTS

    exposures = yaml.safe_load((ROOT / "models" / "exposures.yml").read_text())["exposures"]
    report = next(e for e in exposures if e["name"] == "product_analytics_report")
    refs = [re.fullmatch(r"ref\('(\w+)'\)", dependency).group(1) for dependency in report["depends_on"]]
    assert sorted(refs) == sorted(REQUIRED_MARTS + TRACKING_PLAN_MARTS)


def test_tracking_plan_numbers_equal_the_marts(rendered: Rendered, built_warehouse: Warehouse) -> None:
    """With the governance marts built, the section lists every event name whose status is not ok."""
    assert has_tracking_plan(built_warehouse), "dbt build made no tracking-plan marts"
    problems = built_warehouse.rows("select event_name from marts.dq_tracking_plan__events where status <> 'ok'")
    expected = {r["event_name"] for r in problems}
    assert set(rendered.check["tables"]["tracking-plan-problems"]) == expected
    assert int(rendered.check["kpis"]["tracking_plan_issues"]["value"]) == len(expected)
    statuses = dict(
        _tuples(built_warehouse, "select status, count(*) from marts.dq_tracking_plan__events group by status")
    )
    bars = rendered.chart("tracking-plan-status")["traces"][0]
    assert dict(zip(bars["y"], bars["x"], strict=True)) == statuses
