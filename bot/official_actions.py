"""What officials do to a case: acknowledge, answer, transfer, extend, resolve, own an error.

Authorisation is checked against the knowledge files and the case as stored, at the moment of
the action; a press by anyone else, or with data made up, changes nothing.
"""

from __future__ import annotations

from html import escape

from bot import complaint_texts as t
from bot.button_seal import short_key
from bot.casework import SEP, CaseService, Outcome, fmt_date, public_name
from bot.complaints import (
    ExtensionRefused,
    Status,
    extend,
    head_of_office,
    official_for_user,
    resolve_due_from,
)
from bot.storage.complaint_models import Complaint
from bot.storage.complaint_repo import Change

ACTIONS_WITH_INPUT = {"ans": "answer", "res": "resolve", "err": "error"}
EXTENSION_STEPS = (1, 3, 5, 10, 15, 30)
MAX_INPUT = 3000


class OfficialDesk:
    """Officials' side of the case service."""

    def __init__(self, cases: CaseService) -> None:
        self.cases = cases
        self.store = cases.store

    async def _case(self, user_id: int, code: str) -> tuple[Complaint | None, str | None]:
        c = await self.store.by_code(code)
        if c is None:
            return None, None
        return c, self.cases.may_act(user_id, c)

    async def press(self, user_id: int, chat_id: int, action: str, args: list[str]) -> Outcome:
        """A button on an official's notification."""
        if not args:
            return Outcome(t.REFUSED)
        c, actor = await self._case(user_id, args[0])
        if c is None or actor is None:
            return Outcome(t.REFUSED)
        assert c.id is not None
        if c.status == Status.resolved:
            return Outcome(t.CASE_CLOSED)
        if action == "ack":
            return await self.acknowledge(c, actor)
        if action in ACTIONS_WITH_INPUT:
            prompt = {"ans": t.ASK_ANSWER, "res": t.ASK_RESULT, "err": t.ASK_ERROR}[action]
            await self.store.expect_input(
                user_id, chat_id, c.id, ACTIONS_WITH_INPUT[action], None, self.cases.clock.now()
            )
            return Outcome(prompt.format(code=c.code), force_reply=True)
        if action == "tr":
            choices = [
                # An official's id may take 40 characters: too long for sealed button data.
                [(f"{o.full_name} – {o.title}", SEP.join(("o", "trto", c.code, short_key(o.id))))]
                for o in self.cases.kb.officials.values()
                if o.id not in (c.assigned_official_id, c.accused_official_id)
            ]
            return Outcome(t.ASK_TRANSFER_TO.format(code=c.code), buttons=choices)
        if action == "trto" and len(args) == 2:
            target = next((o for o in self.cases.kb.officials if short_key(o) == args[1]), None)
            if target is None or target == c.accused_official_id:
                return Outcome(t.REFUSED)
            await self.store.expect_input(
                user_id, chat_id, c.id, "transfer", target, self.cases.clock.now()
            )
            name = escape(self.cases.kb.officials[target].full_name)
            return Outcome(
                t.ASK_TRANSFER_REASON.format(code=c.code, official=name), force_reply=True
            )
        if action == "ext":
            if c.status != Status.acknowledged:
                return Outcome(t.NOT_ACKNOWLEDGED)
            left = self.cases.kb.deadlines.rules(c.type).max_extension.days - c.extended_days
            steps = [d for d in EXTENSION_STEPS if d <= left] or []
            if not steps:
                return Outcome(t.EXTENSION_REFUSED.format(left=max(left, 0)))
            row = [(f"+{d}", SEP.join(("o", "extd", c.code, str(d)))) for d in steps]
            return Outcome(t.ASK_EXTEND_DAYS.format(code=c.code, left=left), buttons=[row])
        if action == "extd" and len(args) == 2 and args[1].isdigit():
            await self.store.expect_input(
                user_id, chat_id, c.id, "extend", args[1], self.cases.clock.now()
            )
            return Outcome(t.ASK_EXTEND_REASON.format(days=int(args[1])), force_reply=True)
        return Outcome(t.REFUSED)

    async def acknowledge(self, c: Complaint, actor: str) -> Outcome:
        if c.status != Status.received:
            return Outcome(t.ALREADY_DONE)
        assert c.id is not None
        now = self.cases.clock.now()
        due = resolve_due_from(c.type, now, self.cases.kb.deadlines, self.cases.calendar)
        name, title, _ = self.cases.describe_official(actor)
        citizen = t.CITIZEN_ACKNOWLEDGED.format(
            type_name=self.cases.type_name(c),
            code=c.code,
            official=name,
            title=title,
            due=fmt_date(due),
        )
        change = Change(
            values={"status": Status.acknowledged, "acknowledged_at": now, "resolve_due": due},
            actor=actor,
            action="acknowledged",
            messages=[self.cases.to_citizen(c, citizen, "acknowledged")],
        )
        if not await self.store.change(c.id, c.version, change, now):
            return Outcome(t.ALREADY_DONE)
        return Outcome(t.DONE_ACK.format(code=c.code, due=fmt_date(due)), changed=True)

    async def typed(self, user_id: int, text: str) -> Outcome | None:
        """The text an official was asked for; None when nothing was pending."""
        if official_for_user(user_id, self.cases.kb.officials) is None:
            return None  # only officials are ever asked: no query for a citizen's message
        pending = await self.store.pending_input(user_id)
        if pending is None or pending.complaint_id is None:
            return None  # nothing asked, or an answer for a handed-off question (bot.handoff)
        await self.store.clear_input(user_id)
        c = await self.store.by_id(pending.complaint_id)
        actor = self.cases.may_act(user_id, c) if c is not None else None
        if c is None or actor is None:
            return Outcome(t.REFUSED)
        if c.status == Status.resolved:
            return Outcome(t.CASE_CLOSED)
        text = text.strip()[:MAX_INPUT]
        body = escape(text)
        assert c.id is not None
        now = self.cases.clock.now()
        name, title, _ = self.cases.describe_official(actor)
        kind = self.cases.type_name(c)
        if pending.action == "answer":
            msg = t.CITIZEN_ANSWER.format(official=name, title=title, code=c.code, answer=body)
            change = Change(
                actor=actor,
                action="answered",
                detail=text,
                messages=[self.cases.to_citizen(c, msg, "answer")],
            )
            done = t.DONE_ANSWER.format(code=c.code)
        elif pending.action == "resolve":
            msg = t.CITIZEN_RESOLVED.format(type_name=kind, code=c.code, result=body)
            rate = self.cases.rating_buttons(c.code)
            change = Change(
                values={"status": Status.resolved, "resolved_at": now, "result": text},
                actor=actor,
                action="resolved",
                detail=text,
                messages=[self.cases.to_citizen(c, msg, "resolved", buttons=rate)],
            )
            done = t.DONE_RESOLVE.format(code=c.code)
        elif (
            pending.action == "transfer"
            and (target := pending.argument) is not None
            and target in self.cases.kb.officials
        ):
            t_name, t_title, t_office = self.cases.describe_official(target)
            moved = c.model_copy(update={"assigned_official_id": target})
            to_new = t.OFFICIAL_TRANSFERRED.format(reason=body, case=self.cases.case_text(moved))
            to_citizen = t.CITIZEN_TRANSFERRED.format(
                type_name=kind,
                code=c.code,
                official=t_name,
                title=t_title,
                office=t_office,
                reason=body,
            )
            change = Change(
                values={"assigned_official_id": target},
                actor=actor,
                action="transferred",
                detail=f"{target}: {text}",
                messages=[
                    *self.cases.to_official(target, to_new, moved, "transferred"),
                    self.cases.to_citizen(c, to_citizen, "transferred"),
                ],
            )
            done = t.DONE_TRANSFER.format(code=c.code, official=t_name)
        elif pending.action == "extend" and (pending.argument or "").isdigit():
            days = int(pending.argument or 0)
            try:
                due, total = extend(
                    self.cases.clock_of(c), days, self.cases.kb.deadlines, self.cases.calendar
                )
            except ExtensionRefused as exc:
                return Outcome(t.EXTENSION_REFUSED.format(left=exc.args[0]))
            msg = t.CITIZEN_EXTENDED.format(code=c.code, due=fmt_date(due), reason=body)
            change = Change(
                values={"resolve_due": due, "extended_days": total, "delay_reason": text},
                actor=actor,
                action="extended",
                detail=f"+{days}: {text}",
                messages=[self.cases.to_citizen(c, msg, "extended")],
            )
            done = t.DONE_EXTEND.format(code=c.code, due=fmt_date(due))
        elif pending.action == "error":
            head = head_of_office(c.assigned_official_id, self.cases.kb.officials)
            letter = t.APOLOGY_ERROR.format(
                citizen=escape(c.full_name or "anh/chị"),
                office=escape(head.office),
                code=c.code,
                type_name=kind.lower(),
                error=body,
                due=fmt_date(c.resolve_due),
                head=escape(public_name(head)),
                head_title=escape(head.title),
            )
            change = Change(
                actor=actor,
                action="error_recorded",
                detail=text,
                messages=[self.cases.to_citizen(c, letter, "apology")],
                also=[("apology", f"sai sót: {text}")],
            )
            done = t.DONE_ERROR.format(code=c.code)
        else:
            return Outcome(t.REFUSED)
        if not await self.store.change(c.id, c.version, change, now):
            return Outcome(t.ALREADY_DONE)
        return Outcome(done, changed=True)
