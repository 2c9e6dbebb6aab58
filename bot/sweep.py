"""The periodic sweep: reminders before deadlines, escalation and apology after them.

Each action carries a key (case, kind, deadline) stored with its audit event under a unique
constraint, so running the sweep twice, or on two instances at once, acts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot import complaint_texts as t
from bot.casework import CaseService, fmt_date, public_name
from bot.complaints import OPEN_STATUSES, SweepAction, head_of_office, sweep_actions
from bot.storage.complaint_models import Complaint
from bot.storage.complaint_repo import Change, Outgoing


@dataclass
class SweepReport:
    reminded: int = 0
    escalated: int = 0
    apologised: int = 0


async def sweep_overdue(cases: CaseService) -> SweepReport:
    """Look at every open case once; do what its deadlines call for."""
    report = SweepReport()
    now = cases.clock.now()
    for c in await cases.store.open_cases([s.value for s in OPEN_STATUSES]):
        for action in sweep_actions(
            cases.clock_of(c), now, cases.kb.officials, cases.kb.deadlines, cases.calendar
        ):
            change = (
                _reminder(cases, c, action)
                if action.kind.startswith("remind")
                else (_escalation(cases, c, action))
            )
            assert c.id is not None
            if await cases.store.change(c.id, c.version, change, now):
                if action.kind.startswith("remind"):
                    report.reminded += 1
                else:
                    report.escalated += 1
                    report.apologised += action.apologise
    return report


def _stage(action: SweepAction) -> str:
    return t.STAGE_ACK if action.kind.endswith("ack") else t.STAGE_RESOLVE


def _reminder(cases: CaseService, c: Complaint, action: SweepAction) -> Change:
    text = t.OFFICIAL_REMINDER.format(
        code=c.code, type_name=cases.type_name(c), stage=_stage(action), due=fmt_date(action.due)
    )
    return Change(
        actor="system",
        action="reminded",
        key=action.key,
        messages=cases.to_official(c.assigned_official_id, text, c, "reminder", key=action.key),
    )


def _escalation(cases: CaseService, c: Complaint, action: SweepAction) -> Change:
    assert action.new_due is not None
    up = cases.next_up(c)
    previous = escape(cases.kb.officials[c.assigned_official_id].full_name)
    due_field = "ack_due" if action.kind == "escalate_ack" else "resolve_due"
    moved = c.model_copy(update={"assigned_official_id": up, due_field: action.new_due})
    name, title, _ = cases.describe_official(up)
    kind = cases.type_name(c)
    to_official = t.OFFICIAL_ESCALATED.format(
        code=c.code,
        type_name=kind,
        previous=previous,
        stage=_stage(action),
        due=fmt_date(action.due),
        new_due=fmt_date(action.new_due),
        case=cases.case_text(moved),
    )
    to_citizen = t.CITIZEN_ESCALATED.format(
        type_name=kind, code=c.code, official=name, title=title, due=fmt_date(action.new_due)
    )
    messages = [
        *cases.to_official(up, to_official, moved, "escalated", key=f"{action.key}:official"),
        cases.to_citizen(c, to_citizen, "escalated", key=f"{action.key}:citizen"),
    ]
    also: list[tuple[str, str | None]] = []
    if action.apologise:
        messages.append(_apology(cases, c, action, up))
        also.append(("apology", f"quá hạn {fmt_date(action.due)}"))
    return Change(
        values={
            "assigned_official_id": up,
            due_field: action.new_due,
            "escalation_level": c.escalation_level + 1,
        },
        actor="system",
        action="escalated",
        detail=f"{c.assigned_official_id} → {up}",
        key=action.key,
        messages=messages,
        also=also,
    )


def _apology(cases: CaseService, c: Complaint, action: SweepAction, handler: str) -> Outgoing:
    """A formal apology in the name of the head of the office that missed the deadline."""
    assert action.new_due is not None
    head = head_of_office(c.assigned_official_id, cases.kb.officials)
    handler_name, handler_title, _ = cases.describe_official(handler)
    reason = t.APOLOGY_REASON.format(reason=escape(c.delay_reason)) if c.delay_reason else ""
    letter = t.APOLOGY.format(
        citizen=escape(c.full_name or "anh/chị"),
        office=escape(head.office),
        what="phản ánh" if c.type == "phan-anh" else "đơn",
        code=c.code,
        type_name=cases.type_name(c).lower(),
        old_due=f" (hạn {fmt_date(action.due)})",
        status=t.STATUS_LABELS[c.status].lower(),
        reason=reason,
        handler=handler_name,
        handler_title=handler_title,
        new_due=fmt_date(action.new_due),
        head=escape(public_name(head)),
        head_title=escape(head.title),
    )
    return cases.to_citizen(c, letter, "apology", key=f"{action.key}:apology")
