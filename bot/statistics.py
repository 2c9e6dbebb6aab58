"""Statistics of complaints for leaders, pure: counts, on-time rates, ratings and medians.

Definitions (every status is as of `now`):

- A case *counts for the office* of its responsible official: the one it was routed to when
  filed, or the one an official transferred it to. An escalation (a missed deadline), a
  citizen's reopening or a move away from an unreachable chat does not change it, so a late
  case stays with the office that was late, as HCMC's 1022 ranks its units.
- *waiting*: not acknowledged yet; *in progress*: acknowledged, not resolved; *resolved*.
- *overdue*: open (not resolved) and past its deadline at `now` (the acknowledge deadline
  while waiting, the resolve deadline, extensions included, after), or open and already
  escalated because a deadline passed.
- *on time*: resolved by its (extended) resolve deadline without ever missing a deadline
  (no escalation). *late*: resolved after its deadline or after an escalation, or overdue.
- *on-time rate*: on time / (on time + late). Open cases not yet due are left out: their
  outcome is not known. None when nothing is counted.
- *average rating*: mean of the citizens' 1–5 ratings; unrated cases are left out.
- *time to acknowledge*: acknowledged − received; *time to resolve*: resolved − received;
  the median over the cases that have one, in hours.
- *apologies*: formal apologies sent (past a resolve deadline, or an error recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.workdays import VN_TZ, local_date


@dataclass(frozen=True)
class CaseFacts:
    """What statistics need of one case (no personal data)."""

    code: str
    type: str
    category: str
    commune_id: str | None
    official_id: str  # responsible official (see the module's definitions)
    status: str  # received | acknowledged | resolved
    received_at: datetime
    ack_due: datetime
    resolve_due: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    rating: int | None = None
    escalated: bool = False  # a deadline passed and the sweep moved the case up
    apologies: int = 0

    def overdue(self, now: datetime) -> bool:
        if self.status == "resolved":
            return False
        due = self.ack_due if self.status == "received" else self.resolve_due
        return self.escalated or now > due

    def on_time(self, now: datetime) -> bool | None:
        """True on time, False late, None while open and not yet due."""
        if self.status == "resolved":
            assert self.resolved_at is not None
            return not self.escalated and self.resolved_at <= self.resolve_due
        return False if self.overdue(now) else None


def responsible_official(
    current: str, filed_detail: str | None, transfers: Sequence[str], known: Iterable[str]
) -> str:
    """The responsible official from the audit trail: the last transfer's target, else the
    official named at filing ("giao <id> (<reason>)"), else the one assigned now.

    Transfers are recorded as "<id>: <reason>" (bot.official_actions), filing as
    "giao <id> (…)" (bot.casework); an id that is not a known official is ignored.
    """
    names = set(known)
    for detail in reversed(transfers):
        target = detail.split(":", 1)[0].strip()
        if target in names:
            return target
    if filed_detail and filed_detail.startswith("giao "):
        parts = filed_detail.split()
        if len(parts) > 1 and parts[1] in names:
            return parts[1]
    return current


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


@dataclass
class Counts:
    """Counts of one group of cases (an office, a type, a category, a commune, or all)."""

    received: int = 0
    waiting: int = 0
    in_progress: int = 0
    resolved: int = 0
    overdue: int = 0
    on_time: int = 0
    late: int = 0

    def add(self, c: CaseFacts, now: datetime) -> None:
        self.received += 1
        if c.status == "resolved":
            self.resolved += 1
        elif c.status == "received":
            self.waiting += 1
        else:
            self.in_progress += 1
        self.overdue += c.overdue(now)
        verdict = c.on_time(now)
        if verdict is not None:
            self.on_time += verdict
            self.late += not verdict

    @property
    def on_time_rate(self) -> float | None:
        decided = self.on_time + self.late
        return self.on_time / decided if decided else None


@dataclass
class Summary:
    """Statistics of the cases received in [since, until], each as it stands at `now`."""

    now: datetime
    since: datetime | None
    until: datetime
    total: Counts = field(default_factory=Counts)
    by_office: dict[str, Counts] = field(default_factory=dict)
    by_type: dict[str, Counts] = field(default_factory=dict)
    by_category: dict[str, Counts] = field(default_factory=dict)
    by_commune: dict[str, Counts] = field(default_factory=dict)
    apologies: int = 0
    ratings: list[int] = field(default_factory=list)
    hours_to_acknowledge: list[float] = field(default_factory=list)
    hours_to_resolve: list[float] = field(default_factory=list)

    @property
    def average_rating(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None

    @property
    def median_hours_to_acknowledge(self) -> float | None:
        return median(self.hours_to_acknowledge)

    @property
    def median_hours_to_resolve(self) -> float | None:
        return median(self.hours_to_resolve)

    def offices_ranked(self) -> list[tuple[str, Counts]]:
        """Offices by on-time rate, best first; offices with nothing decided yet come last."""
        return sorted(
            self.by_office.items(),
            key=lambda kv: (
                kv[1].on_time_rate is None,
                -(kv[1].on_time_rate or 0.0),
                -(kv[1].on_time + kv[1].late),
                kv[0],
            ),
        )


NO_COMMUNE = ""  # the commune key of cases filed without one


def summarize(
    cases: Iterable[CaseFacts],
    now: datetime,
    office_of: Callable[[str], str],
    since: datetime | None = None,
    until: datetime | None = None,
) -> Summary:
    """Statistics of the cases received from `since` (all when None) to `until` (`now` when
    None), each counted as it stands at `now`."""
    end = until or now
    s = Summary(now=now, since=since, until=end)
    for c in cases:
        if (since is not None and c.received_at < since) or c.received_at > end:
            continue
        s.total.add(c, now)
        for groups, key in (
            (s.by_office, office_of(c.official_id)),
            (s.by_type, c.type),
            (s.by_category, c.category),
            (s.by_commune, c.commune_id or NO_COMMUNE),
        ):
            groups.setdefault(key, Counts()).add(c, now)
        s.apologies += c.apologies
        if c.rating is not None:
            s.ratings.append(c.rating)
        if c.acknowledged_at is not None:
            s.hours_to_acknowledge.append(_hours(c.acknowledged_at - c.received_at))
        if c.resolved_at is not None:
            s.hours_to_resolve.append(_hours(c.resolved_at - c.received_at))
    return s


@dataclass(frozen=True)
class WeekPoint:
    """One week (Monday to Sunday, Vietnam time) of the trend."""

    start: date
    received: int
    resolved: int
    on_time: int  # of the cases resolved that week

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None


def week_start(day: date) -> date:
    """The Monday of the week of `day`."""
    return day - timedelta(days=day.weekday())


def weekly_trend(cases: Iterable[CaseFacts], last_week: date, weeks: int = 8) -> list[WeekPoint]:
    """Cases received and resolved per week, and the on-time share of those resolved, for the
    `weeks` weeks ending with the week that starts on `last_week` (a Monday), oldest first."""
    first = last_week - timedelta(weeks=weeks - 1)
    received = [0] * weeks
    resolved = [0] * weeks
    on_time = [0] * weeks

    def slot(moment: datetime) -> int | None:
        index = (week_start(local_date(moment)) - first).days // 7
        return index if 0 <= index < weeks else None

    for c in cases:
        if (i := slot(c.received_at)) is not None:
            received[i] += 1
        if c.resolved_at is not None and (i := slot(c.resolved_at)) is not None:
            resolved[i] += 1
            on_time[i] += not c.escalated and c.resolved_at <= c.resolve_due
    return [
        WeekPoint(first + timedelta(weeks=i), received[i], resolved[i], on_time[i])
        for i in range(weeks)
    ]


def start_of_day(day: date) -> datetime:
    """Midnight of a day in Vietnam, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=VN_TZ)


def as_dict(s: Summary, names: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, object]:
    """The summary as plain JSON-ready data (`python -m bot stats --json`); `names` maps the
    keys of each grouping ("type", "category", "commune") to display names."""
    names = names or {}

    def counts(c: Counts) -> dict[str, object]:
        rate = c.on_time_rate
        return {
            "received": c.received,
            "waiting": c.waiting,
            "in_progress": c.in_progress,
            "resolved": c.resolved,
            "overdue": c.overdue,
            "on_time": c.on_time,
            "late": c.late,
            "on_time_rate": None if rate is None else round(rate, 4),
        }

    def group(kind: str, groups: Mapping[str, Counts]) -> list[dict[str, object]]:
        shown = names.get(kind, {})
        return [
            {"id": key, "name": shown.get(key, key), **counts(c)}
            for key, c in sorted(groups.items(), key=lambda kv: (-kv[1].received, kv[0]))
        ]

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "now": s.now.isoformat(),
        "since": s.since.isoformat() if s.since else None,
        "until": s.until.isoformat(),
        "total": counts(s.total),
        "apologies": s.apologies,
        "ratings": len(s.ratings),
        "average_rating": rounded(s.average_rating),
        "median_hours_to_acknowledge": rounded(s.median_hours_to_acknowledge),
        "median_hours_to_resolve": rounded(s.median_hours_to_resolve),
        "offices_ranked": [{"office": office, **counts(c)} for office, c in s.offices_ranked()],
        "by_type": group("type", s.by_type),
        "by_category": group("category", s.by_category),
        "by_commune": group("commune", s.by_commune),
    }
