"""Complaint rules, pure: tracking codes, routing to named officials, who may act, deadlines,
and what the periodic sweep must do. No I/O; "now" is always passed in.

States (diagram: bot/complaint_states.md):
    received ──acknowledge──► acknowledged ──resolve──► resolved ──reopen──► acknowledged
       │ ack deadline passes: escalate      │ resolve deadline passes: escalate + apologise
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from rapidfuzz import fuzz

from bot.knowledge.complaint_schema import Deadlines, Official, Routing, TimeLimit
from bot.text_vi import fold
from bot.workdays import VN_TZ, WorkCalendar, local_date

# No 0/O, 1/I/L, 5/S, 8/B look-alikes: codes are read aloud and retyped from paper.
CODE_ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"
CODE_GROUPS = (5, 5)  # 27**10 ≈ 2·10^14 codes: not guessable, not enumerable
TYPE_PREFIX = {"phan-anh": "PA", "khieu-nai": "KN", "to-cao": "TC"}


class Status(StrEnum):
    received = "received"
    acknowledged = "acknowledged"
    resolved = "resolved"


OPEN_STATUSES = (Status.received, Status.acknowledged)


def new_code(complaint_type: str) -> str:
    """A fresh tracking code, e.g. PA-7KQ3M-X9ZTA."""
    groups = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(n)) for n in CODE_GROUPS]
    return "-".join([TYPE_PREFIX[complaint_type], *groups])


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed code (any case, spaces or dashes), or None if malformed."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    prefix, body = raw[:2], raw[2:]
    if prefix not in TYPE_PREFIX.values() or len(body) != sum(CODE_GROUPS):
        return None
    if any(ch not in CODE_ALPHABET for ch in body):
        return None
    cut = CODE_GROUPS[0]
    return f"{prefix}-{body[:cut]}-{body[cut:]}"


# -- officials and routing ----------------------------------------------------------------------


def chain_of(official_id: str, officials: Mapping[str, Official]) -> list[str]:
    """The official and everyone above them, nearest first (cycles are rejected by the checker)."""
    chain: list[str] = []
    current: str | None = official_id
    while current is not None and current in officials and current not in chain:
        chain.append(current)
        current = officials[current].supervisor
    return chain


def may_act(actor_id: str | None, assigned_id: str, officials: Mapping[str, Official]) -> bool:
    """Only the assigned official and those above them in the chain may act on a case."""
    return actor_id is not None and actor_id in chain_of(assigned_id, officials)


def official_for_user(user_id: int, officials: Mapping[str, Official]) -> str | None:
    """The official a Telegram account belongs to."""
    return next((o.id for o in officials.values() if o.telegram_id == user_id), None)


def head_of_office(official_id: str, officials: Mapping[str, Official]) -> Official:
    """The head of the official's office: climb while the supervisor works in the same office."""
    official = officials[official_id]
    while official.supervisor and officials[official.supervisor].office == official.office:
        official = officials[official.supervisor]
    return official


def named_official(text: str, officials: Mapping[str, Official]) -> str | None:
    """The official a citizen names ("ông Nguyễn Văn A, cán bộ địa chính"), if clearly one."""
    typed = fold(text)
    if not typed.strip():
        return None
    best, best_score = None, 0.0
    for o in officials.values():
        name = fold(o.full_name)
        score = fuzz.partial_ratio(name, typed) if len(name) >= 8 else 0.0
        if score > best_score:
            best, best_score = o.id, score
    return best if best_score >= 90 else None


@dataclass(frozen=True)
class RouteDecision:
    official_id: str
    reason: str  # "rule" | "supervisor of the named official" | "default"


def route(
    category: str,
    commune: str | None,
    accused: str | None,
    routing: Routing,
    officials: Mapping[str, Official],
) -> RouteDecision:
    """The official in charge: the commune's rule, else the category's; never the accused."""
    rule = next(
        (r for r in routing.rules if r.category == category and r.commune == commune and commune),
        None,
    ) or next((r for r in routing.rules if r.category == category and r.commune is None), None)
    chosen = rule.official if rule else routing.default_official
    reason = "rule" if rule else "default"
    if accused is not None and chosen == accused:
        supervisor = officials[accused].supervisor
        if supervisor:
            return RouteDecision(supervisor, "supervisor of the named official")
        fallback = routing.default_official
        if fallback == accused:
            fallback = next(o for o in officials if o != accused)
        return RouteDecision(fallback, "default")
    return RouteDecision(chosen, reason)


# -- deadlines and the sweep -------------------------------------------------------------------


@dataclass(frozen=True)
class CaseClock:
    """The parts of a case that deadlines depend on."""

    id: int
    type: str
    status: Status
    assigned_official_id: str
    ack_due: datetime
    resolve_due: datetime
    extended_days: int


def due_after(start: datetime, limit: TimeLimit, calendar: WorkCalendar) -> datetime:
    return calendar.deadline(start, limit.days, limit.unit)


def initial_deadlines(
    complaint_type: str, received_at: datetime, deadlines: Deadlines, calendar: WorkCalendar
) -> tuple[datetime, datetime]:
    """Acknowledge-by and (projected) resolve-by dates of a new case."""
    rules = deadlines.rules(complaint_type)
    ack_due = due_after(received_at, rules.acknowledge, calendar)
    return ack_due, due_after(ack_due, rules.resolve, calendar)


def resolve_due_from(
    complaint_type: str, acknowledged_at: datetime, deadlines: Deadlines, calendar: WorkCalendar
) -> datetime:
    """The law counts the resolve time from acceptance (thụ lý)."""
    rules = deadlines.rules(complaint_type)
    return due_after(acknowledged_at, rules.resolve, calendar)


class ExtensionRefused(ValueError):
    """The extension asked for goes beyond what the law allows for this type."""


def extend(
    case: CaseClock, days: int, deadlines: Deadlines, calendar: WorkCalendar
) -> tuple[datetime, int]:
    """New resolve deadline and total extension, within the legal maximum."""
    limit = deadlines.rules(case.type).max_extension
    if days <= 0 or case.extended_days + days > limit.days:
        raise ExtensionRefused(f"{limit.days - case.extended_days}")
    return calendar.deadline(case.resolve_due, days, limit.unit), case.extended_days + days


@dataclass(frozen=True)
class SweepAction:
    """Something the sweep must do for a case; `key` makes doing it twice impossible."""

    kind: str  # remind_ack | remind_resolve | escalate_ack | escalate_resolve
    case_id: int
    due: datetime
    new_official_id: str | None = None
    new_due: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.case_id}:{self.kind}:{self.due.isoformat()}"

    @property
    def apologise(self) -> bool:
        return self.kind == "escalate_resolve"


def sweep_actions(
    case: CaseClock,
    now: datetime,
    officials: Mapping[str, Official],
    deadlines: Deadlines,
    calendar: WorkCalendar,
) -> list[SweepAction]:
    """Reminders before a deadline; escalation (and apology) once it has passed."""
    if case.status == Status.resolved:
        return []
    waiting_ack = case.status == Status.received
    due = case.ack_due if waiting_ack else case.resolve_due
    stage = "ack" if waiting_ack else "resolve"
    if now > due:
        supervisor = officials[case.assigned_official_id].supervisor
        new_due = due_after(now, deadlines.escalation_grace, calendar)
        return [
            SweepAction(
                f"escalate_{stage}", case.id, due, supervisor or case.assigned_official_id, new_due
            )
        ]
    remind_from = _before(due, deadlines.remind_before, calendar)
    if now >= remind_from:
        return [SweepAction(f"remind_{stage}", case.id, due)]
    return []


def _before(due: datetime, limit: TimeLimit, calendar: WorkCalendar) -> datetime:
    """The start of the day `limit` before the due date (working days skip days off): a
    reminder "1 working day before" comes on the morning of the last working day before."""
    day, left = local_date(due), limit.days
    if limit.unit == "calendar":
        day -= timedelta(days=left)
    while limit.unit == "working" and left > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return datetime.combine(day, datetime.min.time(), tzinfo=VN_TZ).astimezone(due.tzinfo)


def working_days_left(now: datetime, due: datetime, calendar: WorkCalendar) -> int:
    """Whole working days from today to the due date (0 on the day, negative when late)."""
    return calendar.working_days_between(local_date(now), local_date(due))
