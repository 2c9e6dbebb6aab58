"""The citizen's side of a filed case: tracking, the list of one's cases, rating, reopening."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot import complaint_texts as t
from bot.casework import RATING_STARS, CaseService, Outcome, fmt_date
from bot.complaints import Status, due_after, working_days_left
from bot.storage.complaint_repo import Change


class CitizenDesk:
    """What citizens do with their cases; personal details only for the one who filed."""

    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def _left(self, due: datetime) -> str:
        n = working_days_left(self.cases.clock.now(), due, self.cases.calendar)
        if n > 0:
            return t.DAYS_LEFT.format(n=n)
        return t.DUE_TODAY if n == 0 else t.OVERDUE.format(n=-n)

    async def track(self, code: str, chat_id: int, private: bool = True) -> str:
        """A case by code: everything for its citizen in their private chat, only its status
        for anyone else (and in a group, even for the citizen: the group would read it)."""
        c = await self.cases.store.by_code(code)
        if c is None:
            return t.TRACK_NOT_FOUND.format(code=escape(code))
        name, title, _ = self.cases.describe_official(c.assigned_official_id)
        deadline = ""
        if c.status != Status.resolved:
            due = c.ack_due if c.status == Status.received else c.resolve_due
            deadline = t.TRACK_DEADLINE.format(due=fmt_date(due), left=self._left(due))
        text = t.TRACK_CARD.format(
            type_name=self.cases.type_name(c),
            code=c.code,
            status=t.STATUS_LABELS[c.status],
            official=f"{name} ({title})",
            deadline_line=deadline,
        )
        if c.citizen_chat_id != chat_id or not private:
            return text + t.TRACK_PUBLIC_NOTE
        text += t.TRACK_DETAILS.format(
            category=escape(self.cases.category_name(c.category)),
            commune=escape(self.cases.commune_name(c.commune_id)),
            description=escape(c.description[:800]),
        )
        assert c.id is not None
        lines = [
            f"• {fmt_date(e.at)} – {t.EVENT_LABELS.get(e.action, e.action)}"
            for e in await self.cases.store.history(c.id)
            if e.action not in ("reminded",)
        ]
        return text + t.TRACK_HISTORY.format(lines="\n".join(lines))

    async def my_cases(self, chat_id: int) -> str:
        cases = await self.cases.store.of_citizen(chat_id)
        if not cases:
            return t.MY_CASES_EMPTY
        lines = [
            t.MY_CASE_LINE.format(
                code=c.code,
                category=escape(self.cases.category_name(c.category)),
                status=t.STATUS_LABELS[c.status],
            )
            for c in cases
        ]
        return "\n".join([t.MY_CASES_TITLE, *lines, "", t.TRACK_ASK])

    async def rate(self, chat_id: int, code: str, value: str) -> Outcome:
        """A citizen's 1–5 rating, or "not solved" (reopen and escalate)."""
        c = await self.cases.store.by_code(code)
        if c is None or c.citizen_chat_id != chat_id or c.status != Status.resolved:
            return Outcome(t.NOT_YOURS)
        assert c.id is not None
        now = self.cases.clock.now()
        if value == "no":
            up = self.cases.next_up(c)
            due = due_after(now, self.cases.kb.deadlines.escalation_grace, self.cases.calendar)
            name, title, _ = self.cases.describe_official(up)
            reopened = c.model_copy(update={"assigned_official_id": up, "resolve_due": due})
            official_text = t.OFFICIAL_REOPENED.format(
                code=c.code, due=fmt_date(due), case=self.cases.case_text(reopened)
            )
            change = Change(
                values={
                    "status": Status.acknowledged,
                    "assigned_official_id": up,
                    "resolve_due": due,
                    "resolved_at": None,
                    "escalation_level": c.escalation_level + 1,
                },
                actor="citizen",
                action="reopened",
                detail=f"chuyển {up}",
                messages=self.cases.to_official(up, official_text, reopened, "reopened"),
            )
            if not await self.cases.store.change(c.id, c.version, change, now):
                return Outcome(t.ALREADY_DONE)
            return Outcome(
                t.REOPENED.format(code=c.code, official=name, title=title, due=fmt_date(due)),
                changed=True,
            )
        if c.rating is not None:
            return Outcome(t.RATE_ALREADY)
        stars = int(value) if value.isdigit() and 1 <= int(value) <= 5 else None
        if stars is None:
            return Outcome(t.NOT_YOURS)
        change = Change(
            values={"rating": stars}, actor="citizen", action="rated", detail=str(stars)
        )
        if not await self.cases.store.change(c.id, c.version, change, now):
            return Outcome(t.ALREADY_DONE)
        return Outcome(t.RATE_THANKS.format(stars=RATING_STARS * stars), changed=True)
