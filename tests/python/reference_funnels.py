"""A brute-force Python computation of the funnel marts (docs/reference.md section 7, Funnels).

For each entity every occurrence of every step event is scanned in time order; no SQL trick
is shared (the models use one join or ASOF join per step).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

Row = dict[str, Any]


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def funnel_conversions(events: list[Row], funnels: list[Row], last_event_at: datetime) -> dict[tuple, Row]:
    """fct_funnel_conversions keyed by (funnel_name, entity_type, entity_id)."""
    result: dict[tuple, Row] = {}
    for funnel in funnels:
        steps, window = funnel["steps"], timedelta(days=funnel["window_days"])
        for entity_type in funnel["entity_types"]:
            column = "user_id" if entity_type == "user" else "account_id"
            times: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
            for e in events:
                if e["event_type"] == "track" and e["user_id"] is not None and e[column] is not None:
                    times[e[column]][e["event_name"]].append(e["event_at"])
            for entity, by_name in times.items():
                if not by_name.get(steps[0]):
                    continue
                reached = [min(by_name[steps[0]])]
                for k in range(1, len(steps)):
                    previous = reached[-1]
                    candidates = [
                        t
                        for t in by_name.get(steps[k], [])
                        if (t > previous if steps[k] == steps[k - 1] else t >= previous) and t <= reached[0] + window
                    ]
                    if not candidates:
                        break
                    reached.append(min(candidates))
                converted = len(reached) == len(steps)
                row: Row = {f"step_{k + 1}_at": (reached[k] if k < len(reached) else None) for k in range(len(steps))}
                row.update(
                    furthest_step=len(reached),
                    is_converted=converted,
                    seconds_to_convert=(reached[-1] - reached[0]).total_seconds() if converted else None,
                    is_window_open=not converted and reached[0] + window > last_event_at,
                )
                result[(funnel["name"], entity_type, entity)] = row
    return result


def funnel_steps(conversions: dict[tuple, Row], funnels: list[Row], weekly: bool) -> dict[tuple, Row]:
    """metrics_funnel_steps (or _weekly, by week of step_1_at) keyed by their grain."""
    result: dict[tuple, Row] = {}
    for funnel in funnels:
        steps = funnel["steps"]
        for entity_type in funnel["entity_types"]:
            rows = [r for (name, kind, _), r in conversions.items() if name == funnel["name"] and kind == entity_type]
            groups: dict[Any, list[Row]] = defaultdict(list)
            for r in rows:
                groups[_week_start(r["step_1_at"].date()) if weekly else None].append(r)
            if not weekly:
                groups.setdefault(None, [])
            for week, members in groups.items():
                counts = [sum(1 for r in members if r["furthest_step"] >= k) for k in range(1, len(steps) + 1)]
                for k in range(1, len(steps) + 1):
                    gaps = [
                        (r[f"step_{k}_at"] - r[f"step_{k - 1}_at"]).total_seconds()
                        for r in members
                        if k > 1 and r["furthest_step"] >= k
                    ]
                    key = (funnel["name"], entity_type, *((week,) if weekly else ()), k)
                    result[key] = {
                        "step_name": steps[k - 1],
                        "entities": counts[k - 1],
                        "conversion_from_previous": (
                            counts[k - 1] / counts[k - 2] if k > 1 and counts[k - 2] else None
                        ),
                        "conversion_from_start": counts[k - 1] / counts[0] if counts[0] else None,
                        "median_seconds_from_previous": statistics.median(gaps) if gaps else None,
                    }
    return result
