"""Use cases of a filed case: filing, tracking, officials' actions, rating and reopening.

Every change goes through `ComplaintStore.change` with the version the actor saw, so two
officials pressing at once cannot both act; every message leaves through the outbox in the same
transaction as the change that causes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from bot import complaint_texts as t
from bot.complaints import (
    CaseClock,
    Status,
    initial_deadlines,
    named_official,
    new_code,
    official_for_user,
    route,
    working_days_left,
)
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.complaint_schema import Official
from bot.ports import Clock
from bot.storage.complaint_models import Complaint, ComplaintDraft
from bot.storage.complaint_repo import Change, ComplaintStore, Outgoing
from bot.workdays import VN_TZ, WorkCalendar

SEP = "|"
RATING_STARS = "⭐"


def public_name(o: Official) -> str:
    """An official's name for citizens: a name not yet confirmed in officials.yaml is not shown
    as if it were (the title and office still say who is in charge)."""
    return o.full_name if o.verified else t.NAME_UNCONFIRMED


def fmt_date(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y")


def calendar_of(kb: KnowledgeBase) -> WorkCalendar:
    return WorkCalendar(
        days_off=[d.date for d in kb.calendar.days_off],
        working_days=[d.date for d in kb.calendar.working_days],
    )


# How long after filing a repeated "Gửi" is answered with the receipt rather than "no draft".
RECEIPT_REPEAT_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class Outcome:
    """The reply to the person who acted, and whether anything changed."""

    text: str
    changed: bool = False
    buttons: list[list[tuple[str, str]]] | None = None
    force_reply: bool = False


class CaseService:
    """Cases after filing; knows the rules, the officials and the outbox, never Telegram."""

    def __init__(
        self, kb: KnowledgeBase, store: ComplaintStore, clock: Clock, daily_limit: int = 3
    ) -> None:
        self.kb = kb
        self.store = store
        self.clock = clock
        self.calendar = calendar_of(kb)
        self.daily_limit = daily_limit

    async def refusal_for_limit(self, chat_id: int) -> str | None:
        """Why the chat may not file now (its cases of the last 24 hours, counted across
        instances, reached COMPLAINTS_PER_DAY), or None when it may."""
        since = self.clock.now() - timedelta(days=1)  # a rolling day, not the calendar's
        if await self.store.filed_since(chat_id, since) < self.daily_limit:
            return None
        return t.DAILY_LIMIT.format(limit=self.daily_limit)

    # -- helpers -------------------------------------------------------------------------------

    @property
    def officials(self) -> dict[str, Official]:
        return dict(self.kb.officials)

    def type_name(self, c: Complaint | ComplaintDraft) -> str:
        return self.kb.deadlines.rules(c.type).name

    def category_name(self, category: str | None) -> str:
        return next((x.name for x in self.kb.routing.categories if x.id == category), "—")

    def commune_name(self, commune_id: str | None) -> str:
        commune = self.kb.communes.get(commune_id or "")
        return commune.name if commune else "—"

    def chat_of(self, official_id: str) -> int | None:
        o = self.kb.officials.get(official_id)
        return (o.chat_id or o.telegram_id) if o else None

    def clock_of(self, c: Complaint) -> CaseClock:
        assert c.id is not None
        return CaseClock(
            c.id,
            c.type,
            Status(c.status),
            c.assigned_official_id,
            c.ack_due,
            c.resolve_due,
            c.extended_days,
        )

    def next_up(self, c: Complaint) -> str:
        """The official above the assigned one, skipping the person reported in a tố cáo."""
        current = self.kb.officials[c.assigned_official_id].supervisor
        while current is not None and current == c.accused_official_id:
            current = self.kb.officials[current].supervisor
        return current or c.assigned_official_id

    def may_act(self, user_id: int, c: Complaint) -> str | None:
        """The acting official's id if they are assigned or above (never the accused)."""
        actor = official_for_user(user_id, self.kb.officials)
        if actor is None or actor == c.accused_official_id:
            return None
        current: str | None = c.assigned_official_id
        seen: set[str] = set()
        while current is not None and current not in seen:
            if current == actor:
                return actor
            seen.add(current)
            current = self.kb.officials[current].supervisor
        return None

    def case_text(self, c: Complaint) -> str:
        """The full case, with personal details, for the officials in charge."""
        if c.anonymous or not c.full_name:
            sender = "Ẩn danh"
        else:
            sender = f"{escape(c.full_name)} – {escape(c.phone or 'không có số')}"
        accused = f"Người bị tố cáo: {escape(c.accused)}\n" if c.accused else ""
        extras = ""
        if c.photos:
            extras += f"Ảnh: {len(c.photos)} ảnh đính kèm\n"
        if c.latitude is not None:
            where = f"{c.latitude:.5f},{c.longitude:.5f}"
            extras += f'Vị trí: <a href="https://www.google.com/maps?q={where}">{where}</a>\n'
        return t.OFFICIAL_NEW.format(
            type_name=self.type_name(c),
            code=c.code,
            category=escape(self.category_name(c.category)),
            commune=escape(self.commune_name(c.commune_id)),
            sender=sender,
            accused=accused,
            description=escape(c.description),
            extras=extras,
            ack_due=fmt_date(c.ack_due),
            resolve_due=fmt_date(c.resolve_due),
        )

    def official_buttons(self, c: Complaint) -> list[list[list[str]]]:
        def b(label: str, action: str) -> list[str]:
            return [label, SEP.join(("o", action, c.code))]

        return [
            [b(t.BTN_ACK, "ack"), b(t.BTN_ANSWER, "ans")],
            [b(t.BTN_TRANSFER, "tr"), b(t.BTN_EXTEND, "ext")],
            [b(t.BTN_RESOLVE, "res"), b(t.BTN_ERROR, "err")],
        ]

    def to_official(
        self,
        official_id: str,
        text: str,
        c: Complaint,
        purpose: str,
        key: str | None = None,
        buttons: bool = True,
    ) -> list[Outgoing]:
        """A message to an official (and the case's photos); with no chat on file it goes to
        the operators' group."""
        chat = self.chat_of(official_id) or self.kb.routing.operators_chat_id
        if chat is None:
            return []
        photos = [
            Outgoing(
                chat,
                f"{c.code} · ảnh {i}/{len(c.photos)}",
                f"{purpose}_photo",
                official_id=official_id,
                photo=file_id,
                key=f"{key}:photo{i}" if key else None,
            )
            for i, file_id in enumerate(c.photos, 1)
        ]
        note = Outgoing(
            chat_id=chat,
            text=text,
            purpose=purpose,
            buttons=self.official_buttons(c) if buttons else None,
            official_id=official_id,
            key=key,
        )
        return [*photos, note]  # photos first: the buttons stay at the bottom of the chat

    def to_citizen(
        self,
        c: Complaint,
        text: str,
        purpose: str,
        key: str | None = None,
        buttons: list[list[list[str]]] | None = None,
    ) -> Outgoing:
        return Outgoing(c.citizen_chat_id, text, purpose, buttons=buttons, key=key)

    def describe_official(self, official_id: str) -> tuple[str, str, str]:
        """Name, title and office as citizens see them (HTML-escaped)."""
        o = self.kb.officials[official_id]
        return escape(public_name(o)), escape(o.title), escape(o.office)

    # -- filing --------------------------------------------------------------------------------

    async def submit(self, draft: ComplaintDraft) -> tuple[str, Complaint | None]:
        """File a complete draft: route it, set its deadlines, store it and notify, at once."""
        kind, category, description = draft.type, draft.category, draft.description
        if not (kind and kind in self.kb.deadlines.types and category and description):
            return t.STALE_STEP, None
        if self.kb.deadlines.rules(kind).requires_identity and not (
            draft.full_name and draft.phone
        ):
            return t.STALE_STEP, None
        refusal = await self.refusal_for_limit(draft.chat_id)
        if refusal is not None:
            # Checked again here: the draft may have been started before the limit was reached.
            return refusal, None
        now = self.clock.now()
        accused = named_official(draft.accused, self.kb.officials) if draft.accused else None
        decision = route(category, draft.commune_id, accused, self.kb.routing, self.kb.officials)
        ack_due, resolve_due = initial_deadlines(kind, now, self.kb.deadlines, self.calendar)
        code = new_code(kind)
        complaint = Complaint(
            code=code,
            type=kind,
            category=category,
            commune_id=draft.commune_id,
            description=description,
            photos=list(draft.photos),
            latitude=draft.latitude,
            longitude=draft.longitude,
            citizen_chat_id=draft.chat_id,
            full_name=None if draft.anonymous else draft.full_name,
            phone=None if draft.anonymous else draft.phone,
            anonymous=draft.anonymous,
            accused=draft.accused,
            accused_official_id=accused,
            assigned_official_id=decision.official_id,
            status=Status.received,
            received_at=now,
            ack_due=ack_due,
            resolve_due=resolve_due,
        )

        def change_for(case: Complaint) -> Change:
            return Change(
                actor="citizen",
                action="filed",
                detail=f"giao {decision.official_id} ({decision.reason})",
                messages=self.to_official(
                    decision.official_id, self.case_text(case), case, "new_case"
                ),
            )

        filed = await self.store.file(complaint, change_for, lambda: new_code(kind))
        return self._receipt(filed, now), filed

    async def receipt_later(self, chat_id: int, code: str, receipt: str) -> None:
        """Queue the receipt of stored case `code` whose reply Telegram did not take (an error,
        a timeout): the outbox retries it until it arrives. After a timeout it may have arrived
        already; a second copy of a receipt is better than a citizen without their code. Queued
        once per case, however often its reply fails."""
        message = Outgoing(chat_id, receipt, "receipt", key=f"receipt:{code}")
        await self.store.enqueue([message], self.clock.now())

    def _receipt(self, filed: Complaint, now: datetime) -> str:
        """What the citizen is told once a case is stored: its code, official and deadlines."""
        name, title, office = self.describe_official(filed.assigned_official_id)
        return t.FILED.format(
            type_name=self.type_name(filed).lower(),
            code=filed.code,
            official=name,
            title=title,
            office=office,
            ack_due=fmt_date(filed.ack_due),
            resolve_due=fmt_date(filed.resolve_due),
            days_left=working_days_left(now, filed.resolve_due, self.calendar),
        )

    async def receipt_again(self, chat_id: int) -> tuple[str, Complaint] | None:
        """The receipt of the case this chat filed moments ago, for a "Gửi" pressed again.

        A double tap, or Telegram re-delivering the press after an instance died between
        storing the case and replying, finds the draft gone: the citizen is told the code
        (again) rather than that nothing is being written."""
        now = self.clock.now()
        latest = await self.store.latest_filed_since(chat_id, now - RECEIPT_REPEAT_WINDOW)
        return None if latest is None else (t.FILED_AGAIN + self._receipt(latest, now), latest)

    def rating_buttons(self, code: str) -> list[list[list[str]]]:
        stars = [[str(n), SEP.join(("r", code, str(n)))] for n in range(1, 6)]
        return [stars, [[t.NOT_SOLVED, SEP.join(("r", code, "no"))]]]
