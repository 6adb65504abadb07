"""An independent, brute-force Python computation of the engagement marts (docs/reference.md section 7).

Input: the rows of fct_events and dim_accounts (checked against reference_core elsewhere).
Every count is computed day by day from sets, the slow and obvious way, so it shares no
trick with the SQL (which sums window-membership changes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Row = dict[str, Any]


@dataclass
class Settings:
    weekly_days: int = 7
    monthly_days: int = 30
    power_min_days: int = 4
    multi_user_min_users: int = 3
    week_start: str = "monday"
    timezone: str = "UTC"


@dataclass
class Engagement:
    users_daily: dict[date, Row] = field(default_factory=dict)
    accounts_daily: dict[date, Row] = field(default_factory=dict)
    retention: dict[tuple[str, str, date, int], Row] = field(default_factory=dict)
    lifecycle: dict[tuple[date, str], Row] = field(default_factory=dict)
    stickiness: dict[tuple[date, str, int], Row] = field(default_factory=dict)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _week_start(day: date, week_start: str) -> date:
    offset = day.weekday() if week_start == "monday" else (day.weekday() + 1) % 7
    return day - timedelta(days=offset)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _period_start(grain: str, day: date, week_start: str) -> date:
    return _week_start(day, week_start) if grain == "week" else _month_start(day)


def _next_period(grain: str, start: date) -> date:
    return start + timedelta(days=7) if grain == "week" else _next_month(start)


def _local_day(value: datetime, timezone: str) -> date:
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(timezone)).date()


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def build_engagement(events: list[Row], accounts: list[Row], settings: Settings | None = None) -> Engagement:
    s = settings or Settings()
    result = Engagement()
    if not events:
        return result
    all_days = _days(min(_as_date(e["event_date"]) for e in events), max(_as_date(e["event_date"]) for e in events))
    last_day = all_days[-1]

    user_days: dict[str, set[date]] = defaultdict(set)
    account_days: dict[str, set[date]] = defaultdict(set)
    account_member_days: dict[str, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    for e in events:
        if not e["is_activity"]:
            continue
        day = _as_date(e["event_date"])
        user_days[e["user_id"]].add(day)
        if e["account_id"] is not None:
            account_days[e["account_id"]].add(day)
            account_member_days[e["account_id"]][e["user_id"]].add(day)

    def active_in(days: set[date], end: date, length: int) -> int:
        return sum(1 for d in days if end - timedelta(days=length - 1) <= d <= end)

    account_first_days = [_local_day(a["first_seen_at"], s.timezone) for a in accounts]
    for day in all_days:
        result.users_daily[day] = {
            "dau": sum(1 for days in user_days.values() if day in days),
            "wau": sum(1 for days in user_days.values() if active_in(days, day, s.weekly_days)),
            "mau": sum(1 for days in user_days.values() if active_in(days, day, s.monthly_days)),
            "new_users": sum(1 for days in user_days.values() if min(days) == day),
            "power_users": sum(
                1 for days in user_days.values() if active_in(days, day, s.weekly_days) >= s.power_min_days
            ),
        }
        row = result.users_daily[day]
        row["dau_over_mau"] = _ratio(row["dau"], row["mau"])
        daa = sum(1 for days in account_days.values() if day in days)
        maa = sum(1 for days in account_days.values() if active_in(days, day, s.monthly_days))
        total = sum(1 for first in account_first_days if first <= day)
        result.accounts_daily[day] = {
            "daa": daa,
            "waa": sum(1 for days in account_days.values() if active_in(days, day, s.weekly_days)),
            "maa": maa,
            "daa_over_maa": _ratio(daa, maa),
            "total_accounts": total,
            "daa_pct": _ratio(daa, total),
            "multi_user_active_accounts": sum(
                1
                for members in account_member_days.values()
                if sum(1 for days in members.values() if active_in(days, day, s.monthly_days)) >= s.multi_user_min_users
            ),
        }

    entities = {"user": user_days, "account": account_days}
    for entity_type, entity_days in entities.items():
        for grain in ("week", "month"):
            cohorts: dict[date, list[set[date]]] = defaultdict(list)
            for days in entity_days.values():
                periods = {_period_start(grain, d, s.week_start) for d in days}
                cohorts[min(periods)].append(periods)
            last_period = _period_start(grain, last_day, s.week_start)
            for cohort_start, members in cohorts.items():
                period, number = cohort_start, 0
                while period <= last_period:
                    retained = sum(1 for periods in members if period in periods)
                    result.retention[(entity_type, grain, cohort_start, number)] = {
                        "cohort_size": len(members),
                        "retained": retained,
                        "retention_rate": retained / len(members),
                        "is_complete": _next_period(grain, period) - timedelta(days=1) <= last_day,
                    }
                    period, number = _next_period(grain, period), number + 1

        weeks = sorted({_week_start(d, s.week_start) for d in all_days})
        active_weeks = {key: {_week_start(d, s.week_start) for d in days} for key, days in entity_days.items()}
        for week in weeks:
            previous = week - timedelta(days=7)
            counts = {"new_entities": 0, "returning_entities": 0, "resurrecting_entities": 0, "dormant_entities": 0}
            for entity_weeks in active_weeks.values():
                if week in entity_weeks:
                    if min(entity_weeks) == week:
                        counts["new_entities"] += 1
                    elif previous in entity_weeks:
                        counts["returning_entities"] += 1
                    else:
                        counts["resurrecting_entities"] += 1
                elif previous in entity_weeks:
                    counts["dormant_entities"] += 1
            counts["active_entities"] = sum(
                counts[status] for status in ("new_entities", "returning_entities", "resurrecting_entities")
            )
            counts["is_complete"] = week + timedelta(days=6) <= last_day
            result.lifecycle[(week, entity_type)] = counts

        for month in sorted({_month_start(d) for d in all_days}):
            days_in_month = (_next_month(month) - month).days
            per_entity = [sum(1 for d in days if _month_start(d) == month) for days in entity_days.values()]
            active = sum(1 for n in per_entity if n > 0)
            for n in range(1, days_in_month + 1):
                exactly = sum(1 for count in per_entity if count == n)
                result.stickiness[(month, entity_type, n)] = {
                    "entities": exactly,
                    "entities_active_at_least": sum(1 for count in per_entity if count >= n),
                    "active_entities": active,
                    "share_of_active": _ratio(exactly, active),
                    "days_in_month": days_in_month,
                    "is_complete": _next_month(month) - timedelta(days=1) <= last_day,
                }
    return result
