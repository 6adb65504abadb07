"""The HTML report: one self-contained file of headline KPIs and charts read from the marts.

``python -m product_analytics report --path warehouse.duckdb --out report.html`` reads the
marts of a built warehouse (DuckDB file or, with ``--target postgres``, the PG* database),
shapes them with pandas, draws them with plotly (its JavaScript inlined once, so the file
opens with no network) and lays them out with the Jinja template ``templates/report.html.j2``.

Every number shown comes from a mart as it is; the report adds no metric definition of its
own except presentation (sums over the days shown, shares of a total), each stated beside
its chart. Headline numbers carry ``data-metric``/``data-value`` attributes so tests (and
scrapers) can read them without parsing formatted text.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, select_autoescape
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from product_analytics.warehouse import Connection

#: Marts the report reads (the dbt exposure `product_analytics_report` lists the same).
REQUIRED_MARTS = (
    "metrics_active_users_daily",
    "metrics_active_accounts_daily",
    "metrics_retention_cohorts",
    "metrics_funnel_steps",
    "metrics_funnel_steps_weekly",
    "fct_funnel_conversions",
    "metrics_lifecycle_weekly",
    "metrics_stickiness_monthly",
    "metrics_account_health_daily",
    "dim_accounts",
)
#: The tracking-plan governance marts; their section is skipped, with a note, when absent.
TRACKING_PLAN_MARTS = ("dq_tracking_plan__events", "dq_tracking_plan__violations_daily")
TIERS = ("Healthy", "At Risk", "Critical")
TIER_COLORS = {"Healthy": "#2e9e5b", "At Risk": "#f0a202", "Critical": "#d1495b"}
PALETTE = ("#1f5fa8", "#5aa9e6", "#9bc53d", "#e55934", "#7b6d8d", "#fa7921")
INCOMPLETE_COLOR = "#b8b8b8"
# No plotly toolbar: it covered legends and axis titles, and a report is read, not edited.
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
#: Plain-words labels (and distinct colours) of the tracking-plan marts' status and violation codes.
STATUS_LABELS = {
    "ok": "OK",
    "unplanned": "Sent but not planned",
    "planned_never_seen": "Planned, never sent",
    "planned_not_seen_last_30d": "Planned, not sent in 30 days",
}
VIOLATION_KINDS = {
    "unplanned_event": ("Unplanned event", "#e55934"),
    "missing_required_property": ("Missing required property", "#1f5fa8"),
    "naming_convention": ("Event name breaks the naming rule", "#fa7921"),
    "property_naming_convention": ("Property name breaks the naming rule", "#7b6d8d"),
}


@dataclass
class Kpi:
    """One headline number: ``value`` is the raw number, ``shown`` its formatted text."""

    metric: str
    label: str
    value: float | int | None
    shown: str
    note: str = ""

    @classmethod
    def count(cls, metric: str, label: str, value: Any, note: str = "") -> Kpi:
        """A whole number shown with thousands separators."""
        return cls(metric, label, int(value), _int(value), note)

    @classmethod
    def share(cls, metric: str, label: str, value: Any, note: str = "") -> Kpi:
        """A ratio (0-1) shown as a percentage; None when the mart's ratio is null."""
        ratio = None if value is None or pd.isna(value) else float(value)
        return cls(metric, label, ratio, _pct(ratio), note)


@dataclass
class Chart:
    """A plotly figure with the sentence saying what it shows and over which days."""

    key: str
    title: str
    caption: str
    figure: go.Figure
    wide: bool = False
    html: str = ""


@dataclass
class Table:
    """A small HTML table: column headers and already formatted cells."""

    key: str
    title: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    row_keys: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A titled block of the report: charts, tables and an optional visible note."""

    key: str
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


class ReportError(RuntimeError):
    """The warehouse cannot feed the report (marts missing or empty)."""


def frame(con: Connection, sql: str) -> pd.DataFrame:
    """A query's result as a DataFrame (column names from the cursor)."""
    names, rows = con.query_named(sql)
    return pd.DataFrame.from_records(rows, columns=names)


def _existing_marts(con: Connection) -> set[str]:
    rows = con.query("select table_name from information_schema.tables where table_schema = 'marts'")
    return {name for (name,) in rows}


def _days(first: date, last: date) -> str:
    return f"{first:%b %-d, %Y} – {last:%b %-d, %Y} ({(last - first).days + 1} days)"


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None or pd.isna(value) else f"{value * 100:.{digits}f}%"


def _int(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _text(value: Any) -> str:
    """A text cell: the value, or a dash when it is null (None, NaN)."""
    return "–" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _duration(seconds: float | None) -> str:
    """Seconds as the largest sensible unit: '3.2 days', '5.1 h', '12 min'."""
    if seconds is None or pd.isna(seconds):
        return "–"
    if seconds >= 86_400:
        return f"{seconds / 86_400:.1f} days"
    if seconds >= 3_600:
        return f"{seconds / 3_600:.1f} h"
    return f"{seconds / 60:.0f} min"


def _layout(fig: go.Figure, height: int = 360, **kwargs: Any) -> go.Figure:
    settings: dict[str, Any] = {
        "template": "plotly_white",
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "hovermode": "x unified",
        "font": {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
    }
    fig.update_layout(**(settings | kwargs))
    return fig


class ReportBuilder:
    """Reads the marts once per section and assembles the report's sections.

    ``progress`` receives one line per section (the CLI prints them on stderr).
    """

    def __init__(self, con: Connection, progress: Callable[[str], None] | None = None) -> None:
        self.con = con
        self.progress = progress or (lambda line: None)
        marts = _existing_marts(con)
        missing = [name for name in REQUIRED_MARTS if name not in marts]
        if missing:
            raise ReportError(
                f"the warehouse has no marts.{', marts.'.join(missing)}: build it first "
                "(make demo, or dbt build --target <target>) and point the report at the same warehouse"
            )
        self.has_tracking_plan = all(name in marts for name in TRACKING_PLAN_MARTS)
        self.users = frame(con, "select * from marts.metrics_active_users_daily order by date_day")
        if self.users.empty:
            raise ReportError("marts.metrics_active_users_daily is empty: the warehouse holds no events yet")
        self.users["date_day"] = pd.to_datetime(self.users["date_day"])
        self.first_day: date = self.users["date_day"].iloc[0].date()
        self.last_day: date = self.users["date_day"].iloc[-1].date()
        self.range_text = _days(self.first_day, self.last_day)
        self.kpis: list[Kpi] = []

    @contextmanager
    def _step(self, number: int, total: int, title: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.progress(f"report: [{number}/{total}] {title} ({time.perf_counter() - started:.1f} s)")

    def sections(self) -> list[Section]:
        """Every section in reading order (the headline KPIs are filled on the way)."""
        steps: list[tuple[str, Callable[[], Section]]] = [
            ("active users", self.active_users),
            ("active accounts", self.active_accounts),
            ("retention", self.retention),
            ("funnels", self.funnels),
            ("lifecycle and stickiness", self.lifecycle),
            ("account health", self.health),
            ("tracking plan", self.tracking_plan),
        ]
        built = []
        for number, (title, build) in enumerate(steps, start=1):
            with self._step(number, len(steps), title):
                built.append(build())
        return built

    # -- engagement ---------------------------------------------------------------------

    def active_users(self) -> Section:
        users = self.users
        last = users.iloc[-1]
        month_ago = users[users["date_day"] <= pd.Timestamp(self.last_day - timedelta(days=28))]
        before = month_ago.iloc[-1] if not month_ago.empty else None
        window = users[users["date_day"] > pd.Timestamp(self.last_day - timedelta(days=30))]
        versus = f"{before['dau']:,} on {before['date_day']:%b %-d} (4 weeks earlier)" if before is not None else ""
        self.kpis += [
            Kpi.count("dau", "Daily active users", last["dau"], versus),
            Kpi.count("wau", "Weekly active users", last["wau"], "7 days ending the last day"),
            Kpi.count("mau", "Monthly active users", last["mau"], "30 days ending the last day"),
            Kpi.share("dau_over_mau", "DAU / MAU", last["dau_over_mau"], "stickiness"),
            Kpi.count(
                "new_users_last_30d",
                "New users, last 30 days",
                window["new_users"].sum(),
                "first activity in the 30 days ending the last day",
            ),
        ]
        counts = go.Figure()
        for column, label, color in (
            ("mau", "MAU", PALETTE[1]),
            ("wau", "WAU", PALETTE[2]),
            ("dau", "DAU", PALETTE[0]),
        ):
            counts.add_trace(go.Scatter(x=users["date_day"], y=users[column], name=label, line={"color": color}))
        ratio = go.Figure(
            go.Scatter(
                x=users["date_day"],
                y=users["dau_over_mau"],
                name="DAU/MAU",
                line={"color": PALETTE[3]},
                hovertemplate="%{y:.1%}",
            )
        )
        ratio.update_yaxes(tickformat=".0%", rangemode="tozero")
        new = go.Figure()
        new.add_trace(go.Bar(x=users["date_day"], y=users["new_users"], name="New users", marker_color=PALETTE[2]))
        new.add_trace(
            go.Scatter(x=users["date_day"], y=users["power_users"], name="Power users", line={"color": PALETTE[4]})
        )
        return Section(
            "active-users",
            "Active users",
            "A user is active on a day with at least one activity event (anonymous events stitched to the user count).",
            charts=[
                Chart(
                    "users-active",
                    "DAU, WAU and MAU",
                    "Distinct active users that day, in the 7 days and in the 30 days ending each day; "
                    f"{self.range_text}.",
                    _layout(counts),
                ),
                Chart(
                    "users-dau-over-mau",
                    "DAU / MAU (stickiness)",
                    "Share of the 30-day active users who were active that day; "
                    f"{self.range_text}. The first 29 days see less than 30 days of history.",
                    _layout(ratio, height=280),
                ),
                Chart(
                    "users-new-power",
                    "New and power users",
                    "Users whose first activity day is that day (bars) and users active on 4 or more of the 7 days "
                    f"ending that day (line); {self.range_text}.",
                    _layout(new, height=300),
                ),
            ],
        )

    def active_accounts(self) -> Section:
        accounts = frame(self.con, "select * from marts.metrics_active_accounts_daily order by date_day")
        accounts["date_day"] = pd.to_datetime(accounts["date_day"])
        last = accounts.iloc[-1]
        self.kpis += [
            Kpi.count(
                "daa",
                "Daily active accounts",
                last["daa"],
                f"of {_int(last['total_accounts'])}",
            ),
            Kpi.share("daa_pct", "Accounts active that day", last["daa_pct"], "DAA / all accounts"),
            Kpi.count("maa", "Monthly active accounts", last["maa"], "30 days ending the last day"),
        ]
        counts = go.Figure()
        for column, label, color in (
            ("total_accounts", "All accounts", INCOMPLETE_COLOR),
            ("maa", "MAA", PALETTE[1]),
            ("waa", "WAA", PALETTE[2]),
            ("daa", "DAA", PALETTE[0]),
        ):
            counts.add_trace(go.Scatter(x=accounts["date_day"], y=accounts[column], name=label, line={"color": color}))
        share = make_subplots(specs=[[{"secondary_y": True}]])
        share.add_trace(
            go.Scatter(
                x=accounts["date_day"],
                y=accounts["daa_pct"],
                name="% of accounts active",
                line={"color": PALETTE[0]},
                hovertemplate="%{y:.1%}",
            )
        )
        share.add_trace(
            go.Scatter(
                x=accounts["date_day"],
                y=accounts["multi_user_active_accounts"],
                name="Accounts with 3+ active users (30 days)",
                line={"color": PALETTE[4], "dash": "dot"},
            ),
            secondary_y=True,
        )
        share.update_yaxes(tickformat=".0%", rangemode="tozero", secondary_y=False)
        share.update_yaxes(rangemode="tozero", showgrid=False, tickformat=",.0f", secondary_y=True)
        return Section(
            "active-accounts",
            "Active accounts",
            "An account is active on a day when an activity event is attributed to it (by the user's account at "
            "the time of the event).",
            charts=[
                Chart(
                    "accounts-active",
                    "Daily, weekly and monthly active accounts",
                    "Distinct active accounts that day, in the 7 and the 30 days ending each day, against all accounts "
                    f"seen so far; {self.range_text}.",
                    _layout(counts),
                ),
                Chart(
                    "accounts-active-share",
                    "% of accounts active, and multi-user accounts",
                    "Active accounts that day as a share of the accounts seen by that day (left axis) and accounts "
                    "with 3 or more distinct active users in the 30 days ending that day (right axis); "
                    f"{self.range_text}.",
                    _layout(share, height=300),
                ),
            ],
        )

    # -- retention ----------------------------------------------------------------------

    def retention(self) -> Section:
        cohorts = frame(
            self.con,
            "select entity_type, period_grain, cohort_start, period_number, cohort_size, retained, "
            "retention_rate, is_complete from marts.metrics_retention_cohorts",
        )
        charts = []
        for grain in ("week", "month"):
            for entity in ("user", "account"):
                rows = cohorts[(cohorts["entity_type"] == entity) & (cohorts["period_grain"] == grain)]
                charts.append(self._retention_heatmap(rows, entity, grain))
        return Section(
            "retention",
            "Retention",
            "Cohorts by the calendar week (starting Monday unless configured otherwise) or month of an entity's "
            "first activity; a cohort member is retained in period k when active in the k-th period after its "
            "cohort's. Grey cells are periods still in progress on the last day of data: their rate can still rise.",
            charts=charts,
        )

    def _retention_heatmap(self, rows: pd.DataFrame, entity: str, grain: str) -> Chart:
        rows = rows.sort_values(["cohort_start", "period_number"])
        sizes = rows.groupby("cohort_start")["cohort_size"].first()
        labels = [f"{pd.Timestamp(c):%Y-%m-%d} (n={int(n):,})" for c, n in sizes.items()]
        label_of = dict(zip(sizes.index, labels, strict=True))
        rows = rows.assign(cohort=rows["cohort_start"].map(label_of))
        rate = rows.pivot(index="cohort", columns="period_number", values="retention_rate").reindex(labels)
        complete = rows.pivot(index="cohort", columns="period_number", values="is_complete").reindex(labels)
        retained = rows.pivot(index="cohort", columns="period_number", values="retained").reindex(labels)
        complete_mask = complete.eq(True)
        incomplete_mask = complete.eq(False)
        periods = [str(p) for p in rate.columns]
        text = rate.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
        fig = go.Figure()
        fig.add_trace(
            go.Heatmap(
                z=rate.where(complete_mask).values,
                x=periods,
                y=labels,
                text=text.where(complete_mask, "").values,
                customdata=retained.values,
                texttemplate="%{text}",
                colorscale="Blues",
                zmin=0,
                zmax=1,
                colorbar={"title": "retained", "tickformat": ".0%"},
                hovertemplate="%{y}, " + grain + " %{x}: %{z:.1%} (%{customdata:,} retained)<extra>complete</extra>",
                name="complete",
                xgap=1,
                ygap=1,
            )
        )
        fig.add_trace(
            go.Heatmap(
                z=rate.where(incomplete_mask).values,
                x=periods,
                y=labels,
                text=text.where(incomplete_mask, "").map(lambda v: f"{v}*" if v else "").values,
                customdata=retained.values,
                texttemplate="%{text}",
                colorscale=[[0, "#e4e4e4"], [1, INCOMPLETE_COLOR]],
                zmin=0,
                zmax=1,
                showscale=False,
                hovertemplate="%{y}, " + grain + " %{x}: %{z:.1%} so far (%{customdata:,} retained)"
                "<extra>in progress</extra>",
                name="in progress",
                xgap=1,
                ygap=1,
            )
        )
        fig.update_yaxes(autorange="reversed", type="category")
        fig.update_xaxes(side="top", type="category", title=f"{grain}s since the cohort's {grain}")
        height = max(260, 28 * len(labels) + 90)
        _layout(fig, height=height, hovermode="closest")
        fig.update_layout(margin={"l": 160, "r": 20, "t": 60, "b": 20})
        first = pd.Timestamp(rows["cohort_start"].min()) if not rows.empty else None
        span = f"cohorts from {first:%b %-d, %Y} to the last day of data, {self.last_day:%b %-d, %Y}" if first else ""
        plural = "users" if entity == "user" else "accounts"
        return Chart(
            f"retention-{entity}-{grain}",
            f"{entity.capitalize()} retention by {grain}ly cohort",
            f"Share of each {grain}ly cohort of {plural} active in each later {grain} (cohort size n); {span}. "
            "Grey cells marked * are periods still in progress.",
            fig,
            wide=grain == "week",
        )

    # -- funnels ------------------------------------------------------------------------

    def funnels(self) -> Section:
        steps = frame(
            self.con,
            "select funnel_name, entity_type, step_number, step_name, entities, conversion_from_previous, "
            "conversion_from_start, median_seconds_from_previous from marts.metrics_funnel_steps",
        ).sort_values(["funnel_name", "entity_type", "step_number"])
        weekly = frame(
            self.con,
            "select funnel_name, entity_type, cohort_week, step_number, entities, conversion_from_start "
            "from marts.metrics_funnel_steps_weekly",
        )
        windows = dict(
            self.con.query(
                "select funnel_name, max(window_days) from marts.fct_funnel_conversions group by funnel_name"
            )
        )
        charts: list[Chart] = []
        tables: list[Table] = []
        first_funnel = True
        for funnel_name in sorted(steps["funnel_name"].unique()):
            funnel = steps[steps["funnel_name"] == funnel_name]
            window = windows.get(funnel_name)
            n_steps = int(funnel["step_number"].max())
            user_steps = funnel[funnel["entity_type"] == "user"]
            if first_funnel and not user_steps.empty:
                final = user_steps[user_steps["step_number"] == n_steps].iloc[0]
                self.kpis.append(
                    Kpi.share(
                        "funnel_conversion",
                        f"{funnel_name.replace('_', ' ').capitalize()}",
                        final["conversion_from_start"],
                        f"users reaching {final['step_name']} of those reaching step 1",
                    )
                )
                first_funnel = False
            bars = go.Figure()
            for i, entity in enumerate(sorted(funnel["entity_type"].unique(), reverse=True)):
                rows = funnel[funnel["entity_type"] == entity]
                bars.add_trace(
                    go.Bar(
                        x=[f"{n}. {s}" for n, s in zip(rows["step_number"], rows["step_name"], strict=True)],
                        y=rows["entities"],
                        name=f"{entity}s",
                        marker_color=PALETTE[i],
                        text=[
                            f"{e:,} ({_pct(c, 0)})"
                            for e, c in zip(rows["entities"], rows["conversion_from_start"], strict=True)
                        ],
                        textposition="outside",
                        cliponaxis=False,
                    )
                )
                tables.append(
                    Table(
                        f"funnel-{funnel_name}-{entity}",
                        f"{funnel_name}: {entity}s per step",
                        "Entities reaching each step (all step-1 entries in the data), conversion from the previous "
                        "step and from step 1, and the median time from the previous step among those reaching it.",
                        ["Step", "Entities", "From previous", "From step 1", "Median time from previous"],
                        [
                            [
                                f"{r.step_number}. {r.step_name}",
                                _int(r.entities),
                                _pct(r.conversion_from_previous),
                                _pct(r.conversion_from_start),
                                _duration(r.median_seconds_from_previous),
                            ]
                            for r in rows.itertuples()
                        ],
                    )
                )
            _layout(bars, height=340, barmode="group", hovermode="closest")
            charts.append(
                Chart(
                    f"funnel-{funnel_name}-steps",
                    f"Funnel {funnel_name}: entities per step",
                    f"Users and accounts that reached step 1 on any day of {self.range_text}, and how many of them "
                    f"reached each later step within {window} days (share of step 1 in brackets).",
                    bars,
                )
            )
            charts.append(
                self._funnel_trend(weekly[weekly["funnel_name"] == funnel_name], funnel_name, n_steps, window)
            )
        return Section(
            "funnels",
            "Funnels",
            "Each configured funnel: the first occurrence of step 1, then each step in order within the conversion "
            "window of step 1. Accounts count the steps of any of their members.",
            charts=charts,
            tables=tables,
        )

    def _funnel_trend(self, weekly: pd.DataFrame, funnel_name: str, n_steps: int, window: int | None) -> Chart:
        final = weekly[weekly["step_number"] == n_steps].copy()
        final["cohort_week"] = pd.to_datetime(final["cohort_week"])
        # A week's cohort may still convert until its last day plus the window has passed.
        settled_until = pd.Timestamp(self.last_day - timedelta(days=(window or 0) + 6))
        fig = go.Figure()
        for i, entity in enumerate(sorted(final["entity_type"].unique(), reverse=True)):
            rows = final[final["entity_type"] == entity].sort_values("cohort_week")
            settled = rows["cohort_week"] <= settled_until
            fig.add_trace(
                go.Scatter(
                    x=rows["cohort_week"],
                    y=rows["conversion_from_start"],
                    name=f"{entity}s",
                    mode="lines+markers",
                    line={"color": PALETTE[i]},
                    marker={
                        "color": [PALETTE[i] if s else "white" for s in settled],
                        "line": {"color": PALETTE[i], "width": 2},
                        "size": 8,
                    },
                    customdata=rows["entities"],
                    hovertemplate="week of %{x|%b %d}: %{y:.1%} (%{customdata:,} converted)",
                )
            )
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
        if not final.empty and (final["cohort_week"] > settled_until).any():
            fig.add_vrect(
                x0=max(settled_until, final["cohort_week"].min()),
                x1=final["cohort_week"].max() + pd.Timedelta(days=3),
                fillcolor=INCOMPLETE_COLOR,
                opacity=0.2,
                line_width=0,
                annotation_text="window still open",
                annotation_position="top left",
            )
        return Chart(
            f"funnel-{funnel_name}-weekly",
            f"Funnel {funnel_name}: weekly conversion",
            f"Share of each week's step-1 entrants who completed all {n_steps} steps, by the week of step 1; "
            f"{self.range_text}. Hollow points (shaded) are weeks whose {window}-day window has not passed by the "
            "last day of data: they can still rise.",
            _layout(fig, height=300),
        )

    # -- lifecycle and stickiness -------------------------------------------------------

    def lifecycle(self) -> Section:
        weekly = frame(self.con, "select * from marts.metrics_lifecycle_weekly")
        weekly["week_start"] = pd.to_datetime(weekly["week_start"])
        monthly = frame(self.con, "select * from marts.metrics_stickiness_monthly")
        monthly["month_start"] = pd.to_datetime(monthly["month_start"])
        charts = []
        for entity in ("user", "account"):
            rows = weekly[weekly["entity_type"] == entity].sort_values("week_start")
            fig = go.Figure()
            for column, label, color, sign in (
                ("new_entities", "new", PALETTE[2], 1),
                ("returning_entities", "returning", PALETTE[0], 1),
                ("resurrecting_entities", "resurrecting", PALETTE[1], 1),
                ("dormant_entities", "dormant", PALETTE[3], -1),
            ):
                fig.add_trace(
                    go.Bar(
                        x=rows["week_start"],
                        y=sign * rows[column],
                        name=label,
                        marker_color=color,
                        marker_opacity=[1 if c else 0.45 for c in rows["is_complete"]],
                    )
                )
            _layout(fig, height=320, barmode="relative")
            plural = f"{entity}s"
            charts.append(
                Chart(
                    f"lifecycle-{entity}",
                    f"Weekly lifecycle of {plural}",
                    f"Active {plural} each week split into new, returning (active the week before too) and "
                    "resurrecting; dormant (active the week before, not this week) below zero; weeks of "
                    f"{self.range_text}. Faded bars are the week still in progress.",
                    fig,
                )
            )
        for entity in ("user", "account"):
            rows = monthly[monthly["entity_type"] == entity].sort_values(["month_start", "active_days"])
            fig = go.Figure()
            for i, (month, group) in enumerate(rows.groupby("month_start")):
                complete = bool(group["is_complete"].iloc[0])
                share = group["entities_active_at_least"] / group["active_entities"].where(group["active_entities"] > 0)
                fig.add_trace(
                    go.Scatter(
                        x=group["active_days"],
                        y=share,
                        name=f"{month:%b %Y}" + ("" if complete else " (in progress)"),
                        line={"color": PALETTE[i % len(PALETTE)], "dash": "solid" if complete else "dot"},
                        hovertemplate="active on %{x}+ days: %{y:.1%}",
                    )
                )
            fig.update_yaxes(tickformat=".0%", rangemode="tozero")
            fig.update_xaxes(title="active on at least N days of the month")
            charts.append(
                Chart(
                    f"stickiness-{entity}",
                    f"Monthly stickiness of {entity}s",
                    f"Of the {entity}s active in each calendar month, the share active on at least N days of it; "
                    f"months of {self.range_text} (the first and last may be partial; dotted = in progress).",
                    _layout(fig, height=320, hovermode="closest"),
                )
            )
        return Section(
            "lifecycle",
            "Lifecycle and stickiness",
            "Where each week's active base comes from, and how many days a month people and accounts come back.",
            charts=charts,
        )

    # -- account health -----------------------------------------------------------------

    def health(self) -> Section:
        tiers = frame(
            self.con,
            "select date_day, health_tier, count(*) as accounts from marts.metrics_account_health_daily "
            "group by date_day, health_tier",
        )
        tiers["date_day"] = pd.to_datetime(tiers["date_day"])
        by_day = tiers.pivot(index="date_day", columns="health_tier", values="accounts").fillna(0).sort_index()
        last = by_day.iloc[-1] if not by_day.empty else pd.Series(dtype=float)
        health_first = by_day.index.min()
        fig = go.Figure()
        for tier in TIERS:
            if tier in by_day:
                fig.add_trace(
                    go.Scatter(
                        x=by_day.index,
                        y=by_day[tier],
                        name=tier,
                        stackgroup="tiers",
                        line={"color": TIER_COLORS[tier]},
                    )
                )
        month_ago = self.last_day - timedelta(days=30)
        dropped = frame(
            self.con,
            f"""
            select
                accounts.account_id,
                accounts.name,
                accounts.plan,
                accounts.member_count,
                accounts.active_users_last_30d,
                accounts.health_tier_30_days_ago,
                accounts.health_tier,
                month_ago.health_score as health_score_30_days_ago,
                accounts.health_score
            from marts.dim_accounts as accounts
            left join marts.metrics_account_health_daily as month_ago
                on accounts.account_id = month_ago.account_id and month_ago.date_day = date '{month_ago.isoformat()}'
            where accounts.health_tier_30_days_ago is not null
            """,
        )
        rank = {tier: i for i, tier in enumerate(TIERS)}
        dropped = dropped[dropped["health_tier"].map(rank) > dropped["health_tier_30_days_ago"].map(rank)]
        dropped = dropped.assign(drop=dropped["health_score_30_days_ago"] - dropped["health_score"]).sort_values(
            ["drop", "account_id"], ascending=[False, True]
        )
        total = int(last.sum()) if not last.empty else 0
        self.kpis += [
            Kpi.count(
                "healthy_accounts",
                "Healthy accounts",
                last.get("Healthy", 0),
                f"of {total:,} accounts",
            ),
            Kpi.count(
                "critical_accounts",
                "Critical accounts",
                last.get("Critical", 0),
                f"{int(last.get('At Risk', 0)):,} more at risk",
            ),
            Kpi.count(
                "accounts_dropped_tier",
                "Accounts that dropped a tier",
                len(dropped),
                f"since {month_ago:%b %-d}",
            ),
        ]
        table = Table(
            "health-dropped",
            f"Accounts that dropped a tier: {len(dropped):,}",
            f"Accounts whose health tier on {self.last_day:%b %-d, %Y} is worse than on {month_ago:%b %-d, %Y}, "
            "30 days before (accounts that did not exist then are left out), largest score drop first.",
            ["Account", "Plan", "Members", "Active users (30 d)", "Tier 30 days ago", "Tier now", "Score then → now"],
            [
                [
                    _text(r.account_id if r.name is None or pd.isna(r.name) else r.name),
                    _text(r.plan),
                    _int(r.member_count),
                    _int(r.active_users_last_30d),
                    r.health_tier_30_days_ago,
                    r.health_tier,
                    f"{r.health_score_30_days_ago:.1f} → {r.health_score:.1f}",
                ]
                for r in dropped.itertuples()
            ],
            row_keys=list(dropped["account_id"]),
        )
        span = _days(health_first.date(), self.last_day) if not by_day.empty else self.range_text
        return Section(
            "health",
            "Account health",
            "Daily health score (0–100) per account from breadth, frequency, feature adoption and momentum over "
            "the 30 days ending each day; Healthy above 70, At Risk above 40, else Critical (default thresholds).",
            charts=[
                Chart(
                    "health-tiers",
                    "Accounts by health tier",
                    f"Number of accounts in each tier on each day, from each account's first day; {span}.",
                    _layout(fig, height=320),
                    wide=True,
                )
            ],
            tables=[table],
        )

    # -- tracking plan ------------------------------------------------------------------

    def tracking_plan(self) -> Section:
        intro = "Events sent compared with the tracking plan: unplanned events, planned events not seen, violations."
        if not self.has_tracking_plan:
            return Section(
                "tracking-plan",
                "Tracking plan",
                intro,
                note="Skipped: this warehouse has no tracking-plan marts (marts.dq_tracking_plan__events and "
                "marts.dq_tracking_plan__violations_daily). Build them with a package version that has them "
                "(dbt build) to see this section.",
            )
        events = frame(
            self.con,
            "select event_name, is_planned, category, owner, status, events_last_30d, users_last_30d, last_seen_at "
            "from marts.dq_tracking_plan__events",
        )
        violations = frame(
            self.con,
            "select event_date, violation, sum(violating_events) as violating_events "
            "from marts.dq_tracking_plan__violations_daily group by event_date, violation",
        )
        statuses = events.groupby("status").size().sort_values(ascending=False)
        status_chart = go.Figure(
            go.Bar(
                x=statuses.values,
                y=statuses.index,
                orientation="h",
                marker_color=[PALETTE[2] if s == "ok" else PALETTE[3] for s in statuses.index],
                text=[f"{v:,}" for v in statuses.values],
                textposition="auto",
            )
        )
        status_chart.update_yaxes(
            autorange="reversed",
            tickvals=list(statuses.index),
            ticktext=[STATUS_LABELS.get(status, status) for status in statuses.index],
        )
        _layout(status_chart, height=240, hovermode="closest")
        violations["kind"] = violations["violation"].str.split(":").str[0]
        violations["event_date"] = pd.to_datetime(violations["event_date"])
        daily = violations.pivot_table(index="event_date", columns="kind", values="violating_events", aggfunc="sum")
        daily = daily.fillna(0).sort_index()
        trend = go.Figure()
        for i, kind in enumerate(daily.columns):
            label, color = VIOLATION_KINDS.get(kind, (kind, PALETTE[i % len(PALETTE)]))
            trend.add_trace(go.Bar(x=daily.index, y=daily[kind], name=label, marker_color=color))
        _layout(trend, height=300, barmode="stack")
        problems = events[events["status"] != "ok"].sort_values(["status", "events_last_30d"], ascending=[True, False])
        self.kpis.append(
            Kpi.count(
                "tracking_plan_issues",
                "Tracking-plan issues",
                len(problems),
                f"of {len(events):,} event names not ok",
            )
        )
        return Section(
            "tracking-plan",
            "Tracking plan",
            intro,
            charts=[
                Chart(
                    "tracking-plan-status",
                    "Event names by status",
                    "Every event name seen in tracks or planned, by its status on the last day of data "
                    f"({self.last_day:%b %-d, %Y}); counts over the 30 days ending that day.",
                    status_chart,
                ),
                Chart(
                    "tracking-plan-violations",
                    "Events violating the plan per day",
                    "Events per day with a violation, by kind: unplanned event, missing required property, event "
                    f"or property naming convention (an event counts once per violation); {self.range_text}.",
                    trend,
                ),
            ],
            tables=[
                Table(
                    "tracking-plan-problems",
                    f"Event names that need attention: {len(problems):,}",
                    "Event names whose status is not ok, with their volume in the 30 days ending the last day of data.",
                    ["Event", "Status", "Category", "Owner", "Events (30 d)", "Users (30 d)"],
                    [
                        [
                            _text(r.event_name),
                            _text(r.status),
                            _text(r.category),
                            _text(r.owner),
                            _int(r.events_last_30d),
                            _int(r.users_last_30d),
                        ]
                        for r in problems.itertuples()
                    ],
                    row_keys=[str(name) for name in problems["event_name"]],
                )
            ],
        )


def render(builder: ReportBuilder, source: str) -> str:
    """The report's HTML: sections from ``builder``, ``source`` naming the warehouse read."""
    sections = builder.sections()
    for section in sections:
        for chart in section.charts:
            chart.html = chart.figure.to_html(
                full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.key}", config=PLOT_CONFIG
            )
    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(
        title="Product analytics report",
        source=source,
        first_day=builder.first_day,
        last_day=builder.last_day,
        range_text=builder.range_text,
        kpis=builder.kpis,
        sections=sections,
        plotly_js=get_plotlyjs(),
    )


def write_report(con: Connection, out: Path, source: str, progress: Callable[[str], None] | None = None) -> Path:
    """Build the report from the marts behind ``con`` and write it to ``out`` (atomically).

    Raises ReportError when a mart the report reads is missing or empty.
    """
    html = render(ReportBuilder(con, progress), source)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(out)
    return out


def stderr_progress(line: str) -> None:
    """Progress printer for the CLI."""
    print(line, file=sys.stderr, flush=True)
