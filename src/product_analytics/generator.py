"""Deterministic simulation of a B2B SaaS product instrumented with Segment.

The product follows the tracking plan in ``seeds/tracking_plan.csv``: visitors browse
anonymously, sign up, create an organization (a Group call), invite teammates, create
projects that send data (a server-side ``Sent Project Data`` per admin per project per day),
use reports, dashboards, integrations and groups, and after a 14-day trial some accounts
start a subscription. On top of that it reproduces what real collectors deliver: duplicate
deliveries of one message id (also across sources and with equal ``received_at``), offline
events arriving days late, device clock skew with a null ``timestamp``, timestamps in the
future, untrimmed and empty identifiers and event names, rows without an id, a device shared
by two users, alias chains, users in several accounts (some events carrying
``context_group_id``), partial trait updates, accounts opting out of analytics, and tables
and columns that a source never creates. Track events also land in per-event tables with
their properties, and the tracking plan is not perfectly followed (GOVERNANCE_DEFECTS): an
unplanned event, a misnamed variant of a planned one, a planned event that stopped being
sent, and properties the plan requires that are missing, null or empty.

Accounts are simulated one at a time, each from its own seeded random stream, and rows are
handed to a sink as they are made, so memory stays bounded whatever the size.
"""

from __future__ import annotations

import random
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from product_analytics.schema import (
    BACKEND_SCHEMA,
    CALL_TABLES,
    EVENT_PROPERTIES,
    TABLES,
    WEB_SCHEMA,
    RawTable,
    column_type,
)

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

Row = dict[str, Any]
Sink = Callable[[RawTable, Row], None]

FEATURE_EVENTS = (
    # (event name, weight in a session)
    ("Opened Report", 10.0),
    ("Created Dashboard", 1.5),
    ("Shared Dashboard", 0.8),
    ("Enabled Integration", 0.4),
    ("Created Group", 0.6),
    ("Exported Data", 0.7),
    ("Created Project", 0.2),
)
APP_PAGES = ("Dashboard", "Reports", "Report", "Settings", "Integrations", "Projects", "Team")
MARKETING_PAGES = ("Home", "Pricing", "Docs", "Blog", "Customers")
FIRST_NAMES = ("ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "edsger", "frances", "donald")
LAST_NAMES = (
    "lovelace",
    "turing",
    "hopper",
    "torvalds",
    "hamilton",
    "thompson",
    "liskov",
    "dijkstra",
    "allen",
    "knuth",
)
ROLES = ("admin", "engineer", "analyst", "marketer", "product manager")
#: Placeholder ids SDKs send when an id is unknown (all in the default `excluded_ids`).
PLACEHOLDER_IDS = ("undefined", "Undefined", "null", " undefined ")
SIGNUP_TYPES = ("organic", "paid_search", "referral", "partner")
REPORT_TYPES = ("trend", "funnel", "retention", "table")
INTEGRATIONS = ("slack", "salesforce", "hubspot", "bigquery")
EXPORT_FORMATS = ("csv", "json", "parquet")
#: Made-up values of the properties of the demo's per-event tables (which event has which:
#: schema.EVENT_PROPERTIES), drawn from the generator's governance random stream. `type` of
#: Signed Up and `plan` of Started Subscription are not made up: the simulation gives them.
PROPERTY_VALUES: dict[str, Callable[[random.Random], Any]] = {
    "organization_name": lambda rng: f"Org {rng.randint(1, 10**6)}",
    "invitee_role": lambda rng: rng.choice(ROLES),
    "project_id": lambda rng: f"prj_{rng.getrandbits(32):08x}",
    "report_type": lambda rng: rng.choice(REPORT_TYPES),
    "dashboard_id": lambda rng: f"dsh_{rng.getrandbits(32):08x}",
    "integration_name": lambda rng: rng.choice(INTEGRATIONS),
    "group_name": lambda rng: f"Group {rng.randint(1, 999)}",
    "format": lambda rng: rng.choice(EXPORT_FORMATS),
    "error_code": lambda rng: f"E{rng.randint(100, 599)}",
    "tipId": lambda rng: f"tip_{rng.randint(1, 12)}",
    "event_count": lambda rng: rng.randint(1, 10**5),
}

#: How the demo product strays from its tracking plan (seeds/tracking_plan.csv), for the
#: governance marts to show. Drawn from their own random stream, so the rest of the data is
#: as without them.
GOVERNANCE_DEFECTS = {
    # Sent by the web app, in no plan (a new onboarding flow nobody planned), per user-day.
    "unplanned_event": ("Viewed Onboarding Tip", 0.03),
    # An older client sends a planned event with a lower-case word (also unplanned, then).
    "misnamed_event": ("Shared Dashboard", "Shared dashboard", 0.1),
    # A planned event whose tracking a release broke: not sent in the last days of data.
    "stopped_event": ("Exported Data", 35),
    # Shares of occurrences whose required property is null (Opened Report's report_type)
    # or an empty string (Error Displayed's error_code).
    "null_property": ("Opened Report", "report_type", 0.05),
    "empty_property": ("Error Displayed", "error_code", 0.2),
}


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. ``events`` counts rows of the call tables (tracks, pages,
    identifies, groups, aliases), duplicates included; generation stops at the first account
    boundary past it."""

    events: int = 200_000
    seed: int = 42
    start: date = date(2026, 7, 1)
    days: int = 120
    #: Members of the largest accounts; sizes are heavy-tailed below this cap.
    max_account_members: int = 60
    #: The first this many accounts have max_account_members members from the first day to the
    #: last (the benchmark's accounts with over 100k events each).
    large_accounts: int = 0
    #: Probability scale of every delivery defect (0 gives clean data).
    noise: float = 1.0

    def __post_init__(self) -> None:
        if self.events < 1:
            raise ValueError(f"events must be at least 1, got {self.events}")
        if self.days < 15:
            raise ValueError(f"days must be at least 15 (a trial lasts 14), got {self.days}")
        if self.max_account_members < 1:
            raise ValueError(f"max_account_members must be at least 1, got {self.max_account_members}")
        if self.noise < 0:
            raise ValueError(f"noise must be non-negative, got {self.noise}")
        if self.large_accounts < 0:
            raise ValueError(f"large_accounts must be non-negative, got {self.large_accounts}")

    @property
    def start_us(self) -> int:
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)
        return int(start.timestamp()) * SECOND

    @property
    def end_us(self) -> int:
        return self.start_us + self.days * DAY


@dataclass
class _User:
    user_id: str
    anonymous_id: str
    email: str
    name: str
    role: str
    #: Ids this user sent before an alias call made ``user_id`` canonical, oldest first.
    legacy_ids: tuple[str, ...] = ()
    #: When the alias calls happened; events before it carry the legacy id.
    aliased_at: int = 0
    accounts: tuple[str, ...] = ()


class Generator:
    """Simulates accounts one by one and hands every raw row to ``sink``."""

    def __init__(self, config: GeneratorConfig, sink: Sink) -> None:
        self.config = config
        self.sink = sink
        self.call_rows = 0
        self.rows_by_table: dict[str, int] = {}
        self._message_counter = 0
        self._anon_counter = 0
        # A bounded pool of existing users that may join another account (consultants).
        self._recent_users: deque[_User] = deque(maxlen=500)
        self.rng = random.Random(config.seed)
        # Property values and tracking-plan defects, apart from the main streams.
        self._governance_rng = random.Random(config.seed * 7_919 + 1)
        self._start_us = config.start_us
        self._end_us = config.end_us
        # Home time zone of the account being simulated (UTC offset): local working hours
        # fall on different UTC hours, and some days cross midnight UTC.
        self._utc_offset = 0

    # ----------------------------------------------------------------- public
    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Generate until ``config.events`` call rows exist."""
        account_number = 0
        while self.call_rows < self.config.events:
            self._simulate_account(account_number)
            # Anonymous visitors who never sign up, about three per account.
            for _ in range(3):
                self._simulate_visitor()
            account_number += 1
            if progress is not None:
                progress(self.call_rows)

    # ------------------------------------------------------------ identifiers
    def _message_id(self) -> str:
        self._message_counter += 1
        return f"msg-{self.config.seed:x}-{self._message_counter:010d}"

    def _anonymous_id(self, rng: random.Random) -> str:
        self._anon_counter += 1
        anonymous_id = f"anon-{rng.getrandbits(48):012x}-{self._anon_counter:07d}"
        if self.config.noise and self._anon_counter % 101 == 0:
            # An SDK that lost its storage sends a placeholder: every such device shares it.
            # (Chosen by counter, not by the random stream, which the rest of the data follows.)
            return PLACEHOLDER_IDS[self._anon_counter // 101 % len(PLACEHOLDER_IDS)]
        return anonymous_id

    def _noisy_identifier(self, rng: random.Random, value: str | None) -> str | None:
        """Real SDKs send untrimmed ids and empty strings; staging must clean them."""
        if value is None:
            return "" if rng.random() < 0.05 * self.config.noise else None
        if rng.random() < 0.005 * self.config.noise:
            return f" {value}  "
        return value

    # --------------------------------------------------------------- delivery
    def _times_web(self, rng: random.Random, t: int) -> Row:
        noise = self.config.noise
        delay = rng.randint(50_000, 2 * SECOND)
        latency = rng.randint(20_000, 500_000)
        r = rng.random()
        if r < 0.02 * noise:
            # Device clock off by hours or days, and no `timestamp`: only the
            # clock-corrected time (received - (sent - original)) recovers t.
            skew = rng.choice((-1, 1)) * rng.randint(HOUR, 3 * DAY)
            times = {
                "original_timestamp": t + skew,
                "sent_at": t + skew + delay,
                "received_at": t + delay + latency,
                "timestamp": None,
            }
        elif r < 0.022 * noise:
            # A `timestamp` in the future: clamped to received_at by staging.
            times = {
                "original_timestamp": t,
                "sent_at": t + delay,
                "received_at": t + delay + latency,
                "timestamp": t + rng.randint(2 * HOUR, 30 * DAY),
            }
        elif r < 0.032 * noise:
            # Offline: queued on the device and delivered days later.
            late = rng.randint(DAY, 5 * DAY)
            times = {
                "original_timestamp": t,
                "sent_at": t + late,
                "received_at": t + late + latency,
                "timestamp": t,
            }
        else:
            times = {
                "original_timestamp": t,
                "sent_at": t + delay,
                "received_at": t + delay + latency,
                "timestamp": t,
            }
        times["uuid_ts"] = times["received_at"] + rng.randint(10 * SECOND, 10 * MINUTE)
        return times

    def _times_backend(self, rng: random.Random, t: int) -> Row:
        received = t + rng.randint(5_000, 300_000)
        uuid_ts = received + rng.randint(10 * SECOND, 10 * MINUTE)
        return {
            "original_timestamp": t,
            "sent_at": t + 1_000,
            "received_at": received,
            "timestamp": t,
            "uuid_ts": uuid_ts,
            "loaded_at": uuid_ts + rng.randint(SECOND, 30 * SECOND),
        }

    def _deliver(self, rng: random.Random, schema: str, table_name: str, t: int, fields: Row) -> Row | None:
        """Write one call, with the delivery defects of real collectors. Returns the row
        written first, or None when the call falls after the simulated period."""
        if t >= self._end_us:
            return None
        noise = self.config.noise
        table = TABLES[(schema, table_name)]
        row = self._times_web(rng, t) if schema == WEB_SCHEMA else self._times_backend(rng, t)
        row.update(fields)
        r = rng.random()
        row["id"] = ("" if r < 0.00005 * noise else None) if r < 0.0001 * noise else self._message_id()
        self._write(table, row)
        if row["id"] is None or row["id"] == "":
            return row
        r = rng.random()
        if r < 0.005 * noise:
            # At-least-once delivery: the same message again, seconds to hours later.
            copy = dict(row)
            copy["received_at"] = row["received_at"] + rng.randint(SECOND, 6 * HOUR)
            copy["uuid_ts"] = copy["received_at"] + rng.randint(10 * SECOND, 10 * MINUTE)
            self._write(table, copy)
        elif r < 0.006 * noise:
            # A copy with the very same received_at: only uuid_ts tells them apart.
            copy = dict(row)
            copy["uuid_ts"] = row["uuid_ts"] + rng.randint(-5 * SECOND, 5 * SECOND)
            self._write(table, copy)
        elif r < 0.0065 * noise and table_name in ("tracks", "identifies", "groups"):
            # The same message delivered through the other source as well.
            other = BACKEND_SCHEMA if schema == WEB_SCHEMA else WEB_SCHEMA
            copy = dict(row)
            copy["received_at"] = row["received_at"] + rng.randint(0, 2 * SECOND)
            target = TABLES[(other, table_name)]
            for column, value in row.items():
                if isinstance(value, str) and column_type(column, target) == "bigint":
                    # The other source's loader types the column as a number: text that is
                    # not an integer ('unlimited' seats) is not written there.
                    copy[column] = int(value) if value.strip().lstrip("+-").isdigit() else None
            self._write(target, copy)
        return row

    def _write(self, table: RawTable, row: Row) -> None:
        self.sink(table, row)
        self.rows_by_table[table.qualified_name] = self.rows_by_table.get(table.qualified_name, 0) + 1
        if table.name in CALL_TABLES:
            self.call_rows += 1

    # ------------------------------------------------------------------ calls
    def _event_text(self, rng: random.Random, name: str) -> str | None:
        r = rng.random()
        noise = self.config.noise
        if r < 0.0005 * noise:
            return None
        if r < 0.001 * noise:
            return rng.choice(("", "   "))
        if r < 0.011 * noise:
            return rng.choice((f"  {name}", f"{name} ", f"{name}\t"))
        return name

    def _track(
        self,
        rng: random.Random,
        t: int,
        name: str,
        user_id: str | None,
        anonymous_id: str | None,
        group_id: str | None = None,
        server: bool = False,
        properties: Row | None = None,
    ) -> None:
        """A Track call; its properties go to the event's per-event table when the source has one."""
        fields: Row = {
            "event": name.lower().replace(" ", "_"),
            "event_text": self._event_text(rng, name),
            "user_id": self._noisy_identifier(rng, user_id),
            "context_group_id": group_id,
        }
        if server:
            fields["context_library_name"] = "analytics-node"
            schema = BACKEND_SCHEMA
        else:
            fields.update(self._web_context(rng, anonymous_id, "/app"))
            schema = WEB_SCHEMA
        row = self._deliver(rng, schema, "tracks", t, fields)
        event_properties = EVENT_PROPERTIES.get((schema, fields["event"]))
        if event_properties is not None and row is not None and row["id"]:
            # The per-event table holds the properties; it is a second copy of the call.
            made_up = self._properties(name, event_properties, properties or {})
            self._write(TABLES[(schema, fields["event"])], {**row, **made_up})

    def _properties(self, name: str, properties: tuple[str, ...], given: Row) -> Row:
        """The properties ``properties`` (the columns of the event's per-event table) a track
        event ``name`` is sent with: ``given``, and PROPERTY_VALUES' made-up values of the
        others, with GOVERNANCE_DEFECTS' nulls and empty strings."""
        rng = self._governance_rng
        made_up: Row = {prop: PROPERTY_VALUES[prop](rng) for prop in properties if prop not in given}
        for defect, value in (("null_property", None), ("empty_property", "")):
            event, prop, share = GOVERNANCE_DEFECTS[defect]
            if name == event and rng.random() < share:
                made_up[prop] = value
        return {**made_up, **given}

    def _web_context(self, rng: random.Random, anonymous_id: str | None, path: str) -> Row:
        return {
            "anonymous_id": self._noisy_identifier(rng, anonymous_id),
            "context_ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "context_library_name": "analytics.js",
            "context_library_version": "5.2.1",
            "context_page_url": f"https://app.example.com{path}",
            "context_page_path": path,
            "context_page_title": "Example",
            "context_page_referrer": "https://www.google.com/" if rng.random() < 0.2 else None,
            "context_page_search": None,
        }

    def _page(self, rng: random.Random, t: int, name: str, user_id: str | None, anonymous_id: str) -> None:
        path = "/" + name.lower().replace(" ", "-")
        fields = self._web_context(rng, anonymous_id, path)
        fields.update(
            {
                "user_id": self._noisy_identifier(rng, user_id),
                "name": name,
                "path": path,
                "url": f"https://app.example.com{path}",
                "title": f"{name} | Example",
                "referrer": None,
                "search": "?utm_source=newsletter" if rng.random() < 0.05 else None,
            }
        )
        self._deliver(rng, WEB_SCHEMA, "pages", t, fields)

    def _identify(
        self, rng: random.Random, t: int, user: _User, user_id: str, anonymous_id: str | None, full: bool
    ) -> None:
        traits: Row = {"email": user.email, "name": user.name, "role": user.role, "created_at": t}
        if not full:
            # Later identifies are partial: one trait, the others absent (null).
            keep = rng.choice(("email", "name", "role"))
            traits = {k: (v if k == keep else None) for k, v in traits.items()}
        fields: Row = {"user_id": self._noisy_identifier(rng, user_id), **traits}
        fields.update(
            {
                k: v
                for k, v in self._web_context(rng, anonymous_id, "/signup").items()
                if k in TABLES[(WEB_SCHEMA, "identifies")].columns
            }
        )
        self._deliver(rng, WEB_SCHEMA, "identifies", t, fields)

    def _group_web(self, rng: random.Random, t: int, user_id: str, group_id: str, traits: Row) -> None:
        fields: Row = {"user_id": self._noisy_identifier(rng, user_id), "group_id": group_id, **traits}
        if fields.get("seats") is not None:
            # The web source's `seats` is text: what the signup form sent, untrimmed or
            # 'unlimited' at times; staging reads the integers and nulls (and counts) the rest.
            seats = str(fields["seats"])
            variant = zlib.crc32(group_id.encode()) % 20 if self.config.noise else -1
            fields["seats"] = "unlimited" if variant == 0 else f" {seats} " if variant == 1 else seats
        fields["context_ip"] = "10.0.0.1"
        fields["context_library_name"] = "analytics.js"
        self._deliver(rng, WEB_SCHEMA, "groups", t, fields)

    def _group_backend(self, rng: random.Random, t: int, user_id: str, group_id: str, traits: Row) -> None:
        fields: Row = {"user_id": user_id, "group_id": group_id, "context_library_name": "analytics-node", **traits}
        self._deliver(rng, BACKEND_SCHEMA, "groups", t, fields)

    # ------------------------------------------------------------- simulation
    def _day_time(self, rng: random.Random, day: int, start_hour: int = 7, end_hour: int = 20) -> int:
        """A time between the local hours of the current account's home time zone on ``day``."""
        local = rng.randint(start_hour * HOUR, end_hour * HOUR)
        return self._start_us + day * DAY + local - self._utc_offset

    def _new_user(self, rng: random.Random, account_number: int, member: int, company: str) -> _User:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        user_id = f"usr_{self.config.seed:x}_{account_number:06d}_{member:03d}"
        return _User(
            user_id=user_id,
            anonymous_id=self._anonymous_id(rng),
            email=f"{first}.{last}.{account_number}.{member}@{company}.example",
            name=f"{first.title()} {last.title()}",
            role="admin" if member == 0 else rng.choice(ROLES),
        )

    def _id_at(self, user: _User, t: int) -> str:
        """The id a user's events carry at time t: a legacy id until the alias call."""
        if user.legacy_ids and t < user.aliased_at:
            return user.legacy_ids[0]
        return user.user_id

    def _simulate_visitor(self) -> None:
        rng = random.Random(self.rng.getrandbits(64))
        self._utc_offset = 0
        anonymous_id = self._anonymous_id(rng)
        day = rng.randrange(self.config.days)
        t = self._day_time(rng, day, 0, 23)
        for _ in range(rng.randint(1, 5)):
            self._page(rng, t, rng.choice(MARKETING_PAGES), None, anonymous_id)
            t += rng.randint(5 * SECOND, 3 * MINUTE)

    def _signup(
        self,
        rng: random.Random,
        user: _User,
        t: int,
        signup_type: str,
        device_anonymous_id: str | None = None,
    ) -> int:
        """Anonymous browsing, then Signed Up and a full identify. Returns the time after."""
        anonymous_id = device_anonymous_id or user.anonymous_id
        browse_t = t - rng.randint(0, 3) * DAY - rng.randint(10 * MINUTE, 5 * HOUR)
        for _ in range(rng.randint(1, 4)):
            self._page(rng, browse_t, rng.choice(MARKETING_PAGES), None, anonymous_id)
            browse_t += rng.randint(10 * SECOND, 5 * MINUTE)
        signup_id = self._id_at(user, t)
        if device_anonymous_id is None and self.config.noise and zlib.crc32(user.user_id.encode()) % 33 == 0:
            # A server-side signup: the backend merges the visitor with
            # alias(previous_id = anonymous id), the only call linking that anonymous id; the
            # signed-in app then runs with a new anonymous id.
            self._track(rng, t, "Signed Up", signup_id, None, server=True)
            self._identify(rng, t + SECOND, user, signup_id, None, full=True)
            self._deliver(
                rng,
                WEB_SCHEMA,
                "aliases",
                t + SECOND,
                {"previous_id": anonymous_id, "user_id": signup_id, "context_library_name": "analytics-node"},
            )
            user.anonymous_id = self._anonymous_id(rng)
        else:
            self._track(rng, t, "Signed Up", signup_id, anonymous_id, properties={"type": signup_type})
            self._identify(rng, t + SECOND, user, signup_id, anonymous_id, full=True)
        if user.legacy_ids:
            # The alias chain: legacy_0 -> legacy_1 -> ... -> user_id, sent when the user
            # later verifies an account; events before it carry legacy_0.
            ids = user.legacy_ids + (user.user_id,)
            for previous, current in zip(ids, ids[1:], strict=False):
                self._deliver(
                    rng,
                    WEB_SCHEMA,
                    "aliases",
                    user.aliased_at,
                    {"previous_id": previous, "user_id": current, "context_library_name": "analytics.js"},
                )
        return t + 2 * SECOND

    def _simulate_account(self, account_number: int) -> None:
        config = self.config
        rng = random.Random(config.seed * 1_000_003 + account_number)
        self._utc_offset = int(rng.choice((-8, -5, -3, 0, 1, 2, 5.5, 9)) * HOUR)
        company = f"company{account_number}"
        group_id = f"grp_{config.seed:x}_{account_number:06d}"
        created_day = int(config.days * rng.random() ** 0.8)
        members = min(config.max_account_members, 1 + int(rng.paretovariate(1.3)) - 1 + rng.randint(0, 2))
        converts = rng.random() < 0.4
        churn_day = created_day + rng.randint(10, 120) if rng.random() < 0.3 else config.days
        if account_number < config.large_accounts:
            created_day, members, churn_day = 0, config.max_account_members, config.days
        # Some paying customers fade: from this day their members come back far less often
        # (the accounts a customer-success team must find; their health drops).
        fades_from = created_day + 14 + rng.randint(5, 40) if converts and rng.random() < 0.3 else None
        opts_out_day = created_day + rng.randint(3, 60) if rng.random() < 0.02 * config.noise else None
        admins: list[_User] = []
        users: list[_User] = []

        t0 = self._day_time(rng, created_day)
        founder = self._new_user(rng, account_number, 0, company)
        if rng.random() < 0.03 * config.noise:
            # Legacy ids, then an alias chain (one or two hops) a few days after signup.
            hops = 2 if rng.random() < 0.3 else 1
            founder.legacy_ids = tuple(f"{founder.user_id}_legacy{h}" for h in range(hops))
            founder.aliased_at = t0 + rng.randint(1, 5) * DAY
        t = self._signup(rng, founder, t0, rng.choice(SIGNUP_TYPES))
        self._track(rng, t + 20 * SECOND, "Created Organization", self._id_at(founder, t), founder.anonymous_id)
        traits: Row = {"name": company.title(), "plan": "trial", "seats": 5, "created_at": t + 25 * SECOND}
        self._group_web(rng, t + 25 * SECOND, self._id_at(founder, t), group_id, traits)
        founder.accounts = (group_id,)
        users.append(founder)
        admins.append(founder)

        # Teammates join over the first weeks, some through the founder's browser.
        for member in range(1, members):
            join_day = min(config.days - 1, created_day + int(rng.expovariate(1 / 7)))
            t_invite = self._day_time(rng, max(created_day, join_day - 1))
            self._track(rng, t_invite, "Invited User", self._id_at(founder, t_invite), founder.anonymous_id)
            user = self._new_user(rng, account_number, member, company)
            shared_device = rng.random() < 0.03 * config.noise
            t_join = max(t_invite + HOUR, self._day_time(rng, join_day))
            t_after = self._signup(
                rng, user, t_join, "invited", device_anonymous_id=founder.anonymous_id if shared_device else None
            )
            # A partial group call: the member joins, no account traits.
            self._group_web(rng, t_after, user.user_id, group_id, {})
            user.accounts = (group_id,)
            users.append(user)
            if len(admins) < 3 and user.role in ("admin", "engineer"):
                admins.append(user)

        # Consultants: an existing user of another account joins this one too.
        if self._recent_users and rng.random() < 0.15:
            guest = self._recent_users[rng.randrange(len(self._recent_users))]
            t_guest = self._day_time(rng, min(config.days - 1, created_day + rng.randint(0, 10)))
            self._group_web(rng, t_guest, guest.user_id, group_id, {})
            guest.accounts = guest.accounts + (group_id,)
            users.append(guest)

        # Projects start sending data a few days after signup (the value moment).
        projects = [created_day + rng.randint(0, 6) for _ in range(rng.randint(1, 3)) if rng.random() < 0.8]
        for first_day in projects:
            t_project = self._day_time(rng, first_day)
            self._track(rng, t_project, "Created Project", self._id_at(founder, t_project), founder.anonymous_id)

        plan = "trial"
        for day in range(created_day, min(churn_day, config.days)):
            day_start = self._start_us + day * DAY
            if opts_out_day is not None and day == opts_out_day:
                self._group_backend(rng, day_start + 3 * HOUR, founder.user_id, group_id, {"analytics_opt_out": True})
            if day == created_day + 14:
                if converts:
                    plan = "business" if rng.random() < 0.2 else "team"
                    self._track(
                        rng,
                        day_start + 9 * HOUR,
                        "Started Subscription",
                        founder.user_id,
                        None,
                        group_id,
                        server=True,
                        properties={"plan": plan},
                    )
                else:
                    plan = "free"
                self._group_backend(
                    rng,
                    day_start + 9 * HOUR + MINUTE,
                    founder.user_id,
                    group_id,
                    {"plan": plan, "seats": max(5, members)},
                )
            if (day - created_day) % 7 == 6:
                # Weekly server-side snapshot of the account's numbers.
                self._group_backend(
                    rng,
                    day_start + 2 * HOUR,
                    founder.user_id,
                    group_id,
                    {
                        "projects": len([p for p in projects if p <= day]),
                        "monthly_tracked_users": int(rng.lognormvariate(7, 1.5)),
                        "seats": max(5, members),
                    },
                )
            for first_day in projects:
                if day >= first_day and rng.random() < 0.85:
                    for admin in admins:
                        self._track(
                            rng,
                            day_start + rng.randint(HOUR, 4 * HOUR),
                            "Sent Project Data",
                            admin.user_id,
                            None,
                            group_id,
                            server=True,
                        )
            engagement = 0.15 if fades_from is not None and day >= fades_from else 1.0
            for user in users:
                self._simulate_user_day(rng, user, group_id, day, plan, engagement)

        for user in users[:3]:
            self._recent_users.append(user)

    def _simulate_user_day(
        self, rng: random.Random, user: _User, group_id: str, day: int, plan: str, engagement: float = 1.0
    ) -> None:
        # Engagement: admins and paying accounts come back more often; fading accounts less.
        p_active = 0.55 if user.role == "admin" else 0.3
        if plan in ("team", "business"):
            p_active += 0.15
        p_active *= engagement
        if rng.random() >= p_active:
            return
        t = self._day_time(rng, day)
        multi_account = len(user.accounts) > 1
        in_this_account = multi_account and group_id != user.accounts[0]
        for _ in range(rng.randint(1, 4)):
            user_id = self._id_at(user, t)
            # A signed-in session; one page in ten is logged before the user id is set.
            page_user = None if rng.random() < 0.1 else user_id
            self._page(rng, t, rng.choice(APP_PAGES), page_user, user.anonymous_id)
            t += rng.randint(5 * SECOND, 2 * MINUTE)
        names, weights = zip(*FEATURE_EVENTS, strict=True)
        stopped_event, stopped_days = GOVERNANCE_DEFECTS["stopped_event"]
        planned_name, misnamed, misnamed_share = GOVERNANCE_DEFECTS["misnamed_event"]
        for name in rng.choices(names, weights, k=rng.randint(0, 6)):
            context_group = group_id if in_this_account and rng.random() < 0.7 else None
            if name == stopped_event and day >= self.config.days - stopped_days:
                continue
            if name == planned_name and self._governance_rng.random() < misnamed_share:
                name = misnamed
            self._track(rng, t, name, self._id_at(user, t), user.anonymous_id, context_group)
            t += rng.randint(5 * SECOND, 5 * MINUTE)
        unplanned, unplanned_share = GOVERNANCE_DEFECTS["unplanned_event"]
        if self._governance_rng.random() < unplanned_share:
            g = self._governance_rng
            self._track(g, t, unplanned, self._id_at(user, t), user.anonymous_id)
        if rng.random() < 0.03:
            self._track(rng, t, "Error Displayed", self._id_at(user, t), user.anonymous_id)
        if rng.random() < 0.05:
            self._identify(rng, t + MINUTE, user, self._id_at(user, t), user.anonymous_id, full=False)
