"""Questions the bot cannot answer go to a person: the operators' group sees them, one staff
member claims each (two pressing at once: one wins), answers through the bot, and the
citizen's follow-ups go to that staff member until either side closes or it goes idle.

Every message leaves through the outbox, in the same transaction as the change it reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from bot import handoff_texts as h
from bot.casework import Outcome, calendar_of, public_name
from bot.complaints import official_for_user
from bot.knowledge.base import KnowledgeBase
from bot.office_hours import OfficeHours, describe_opening
from bot.ports import Clock
from bot.storage.complaint_repo import Outgoing
from bot.storage.handoff_models import HandoffCase
from bot.storage.handoff_repo import HandoffStore
from bot.text_vi import clean

SEP = "|"
MAX_TEXT = 3000
EMPTY = "(muốn gặp cán bộ)"  # the question of a handoff opened before anything was written


@dataclass(frozen=True)
class Reply:
    """What to tell the citizen (with buttons as (label, callback data) rows)."""

    text: str
    buttons: list[list[tuple[str, str]]]


def _button(label: str, action: str, handoff_id: int) -> list[str]:
    return [label, SEP.join(("h", action, str(handoff_id)))]


class HandoffDesk:
    """The handoff use cases; `enabled` is false when knowledge/handoff.yaml is absent."""

    def __init__(self, kb: KnowledgeBase, store: HandoffStore, clock: Clock) -> None:
        self.kb = kb
        self.config = kb.handoff
        self.store = store
        self.clock = clock
        self.hours = (
            OfficeHours(self.config.working_hours, calendar_of(kb)) if self.config else None
        )

    @property
    def enabled(self) -> bool:
        return self.config is not None

    # -- helpers -----------------------------------------------------------------------------

    def staff_of(self, user_id: int) -> str | None:
        """The staff member's official id, if this Telegram account may claim and answer."""
        official = official_for_user(user_id, self.kb.officials)
        return official if self.config and official in self.config.staff else None

    def may_list_here(self, chat_id: int, private: bool) -> bool:
        """The queue names citizens: it is shown in a private chat or the staff's own group."""
        return private or (self.config is not None and chat_id == self.config.operators_chat_id)

    def _group(
        self, text: str, buttons: list[list[list[str]]] | None = None, key: str | None = None
    ) -> Outgoing:
        assert self.config is not None
        return Outgoing(self.config.operators_chat_id, text, "handoff_group", buttons, key=key)

    def _to_claimer(self, case: HandoffCase, text: str) -> Outgoing:
        assert case.claimed_by is not None and case.id is not None
        official = self.kb.officials[case.claimed_by]
        chat = official.chat_id or official.telegram_id
        buttons = [[_button(h.BTN_ANSWER, "ans", case.id), _button(h.BTN_CLOSE, "close", case.id)]]
        if chat is None:
            return self._group(text, buttons)
        return Outgoing(chat, text, "handoff_staff", buttons, official_id=case.claimed_by)

    def _staff_label(self, official_id: str | None) -> str:
        official = self.kb.officials.get(official_id or "")
        return escape(public_name(official)) if official else "—"

    # -- the citizen -------------------------------------------------------------------------

    async def open(
        self, chat_id: int, citizen_name: str, question: str | None, understood: str
    ) -> Reply:
        """Hand a question to the operators' group, or add to the citizen's open one."""
        existing = await self.store.open_handoff_of(chat_id)
        if existing is not None and question:
            return await self.add(existing, citizen_name, question)
        if existing is not None:  # 🙋 pressed again: the same conversation, not a second one
            assert existing.id is not None
            return Reply(
                h.OPENED_EMPTY, [[(h.CITIZEN_CLOSE, SEP.join(("h", "done", str(existing.id))))]]
            )
        now = self.clock.now()
        text = clean(question or "")[:MAX_TEXT]
        case = HandoffCase(
            citizen_chat_id=chat_id,
            citizen_name=clean(citizen_name)[:120] or "Người dân",
            question=text or EMPTY,
            understood=understood[:1000],
            status="waiting",
            created_at=now,
            last_activity_at=now,
        )

        def announce(c: HandoffCase) -> list[Outgoing]:
            assert c.id is not None
            note = h.NEW.format(
                id=c.id,
                name=escape(c.citizen_name),
                question=escape(c.question),
                understood=escape(c.understood),
            )
            claim = [[_button(h.BTN_CLAIM, "claim", c.id)]]
            return [self._group(note, claim, key=f"handoff:{c.id}:new")]

        stored = await self.store.open_handoff(case, announce, now)
        assert stored.id is not None
        assert self.hours is not None
        if self.hours.is_open(now):
            reply = h.OPENED if text else h.OPENED_EMPTY
        else:  # out of hours, say when a person will answer, however the handoff began
            when = describe_opening(self.hours.next_opening(now), now)
            reply = h.OPENED_LATER.format(when=when)
            if not text:
                reply = h.OPENED_EMPTY + "\n" + h.LATER.format(when=when)
        return Reply(reply, [[(h.CITIZEN_CLOSE, SEP.join(("h", "done", str(stored.id))))]])

    async def add(self, case: HandoffCase, citizen_name: str, text: str) -> Reply:
        """A further message from the citizen: to the staff member in charge, else the group."""
        assert case.id is not None
        now = self.clock.now()
        body = escape(clean(text)[:MAX_TEXT])
        name = escape(case.citizen_name)
        values: dict[str, object] = {"last_activity_at": now}
        if case.question == EMPTY:  # the first thing written after "Gặp cán bộ" is the question
            values["question"] = clean(text)[:MAX_TEXT]
        if case.status == "claimed":
            message = self._to_claimer(case, h.TO_STAFF.format(id=case.id, name=name, text=body))
        else:
            claim = [[_button(h.BTN_CLAIM, "claim", case.id)]]
            message = self._group(h.MORE.format(id=case.id, name=name, text=body), claim)
        await self.store.change_handoff(case.id, case.version, values, [message], now)
        return Reply(h.ADDED, [])

    async def citizen_message(self, chat_id: int, citizen_name: str, text: str) -> Reply | None:
        """Route a citizen's message to their open conversation; None when there is none."""
        if not self.enabled:
            return None
        case = await self.store.open_handoff_of(chat_id)
        if case is None:
            return None
        return await self.add(case, citizen_name, text)

    # -- buttons -------------------------------------------------------------------------------

    async def press(self, user_id: int, chat_id: int, action: str, raw_id: str) -> Outcome:
        case = await self.store.handoff(int(raw_id)) if raw_id.isdigit() else None
        if case is None or case.id is None or not self.enabled:
            return Outcome(h.NOT_STAFF)
        now = self.clock.now()
        if action == "done":  # the citizen closes their own conversation
            if case.citizen_chat_id != chat_id:
                return Outcome(h.NOT_STAFF)
            return await self._close(case, "citizen", h.CLOSED_BY_CITIZEN, now)
        staff = self.staff_of(user_id)
        if staff is None:
            return Outcome(h.NOT_STAFF)
        if case.status == "closed":
            return Outcome(h.ALREADY_CLOSED.format(id=case.id))
        if action == "claim":
            return await self._claim(case, staff, now)
        if case.claimed_by != staff:
            return Outcome(h.NOT_CLAIMER.format(staff=self._staff_label(case.claimed_by)))
        if action == "ans":
            await self.store.expect_handoff_input(user_id, chat_id, case.id, "answer", now)
            return Outcome(h.ASK_ANSWER.format(id=case.id), force_reply=True)
        if action == "close":
            return await self._close(case, staff, h.CLOSED_BY_STAFF, now)
        return Outcome(h.NOT_STAFF)

    async def _claim(self, case: HandoffCase, staff: str, now: datetime) -> Outcome:
        assert case.id is not None
        if case.status != "waiting":
            return Outcome(h.TAKEN.format(staff=self._staff_label(case.claimed_by)))
        announce = self._group(h.CLAIMED.format(staff=self._staff_label(staff), id=case.id))
        won = await self.store.change_handoff(
            case.id,
            case.version,
            {"status": "claimed", "claimed_by": staff, "claimed_at": now, "last_activity_at": now},
            [announce],
            now,
        )
        if not won:  # someone else pressed first
            fresh = await self.store.handoff(case.id)
            return Outcome(
                h.TAKEN.format(staff=self._staff_label(fresh.claimed_by if fresh else None))
            )
        buttons = [[(h.BTN_ANSWER, SEP.join(("h", "ans", str(case.id))))]]
        return Outcome(h.CLAIMED_YOU.format(id=case.id), changed=True, buttons=buttons)

    async def _close(self, case: HandoffCase, by: str, notice: str, now: datetime) -> Outcome:
        assert case.id is not None
        if case.status == "closed":
            return Outcome(h.ALREADY_CLOSED.format(id=case.id))
        other: list[Outgoing] = []
        if by == "citizen" and case.claimed_by:
            other.append(self._to_claimer(case, h.CLOSED.format(id=case.id)))
        elif by != "citizen":
            other.append(Outgoing(case.citizen_chat_id, h.CLOSED_BY_STAFF, "handoff_closed"))
        values = {"status": "closed", "closed_at": now, "closed_by": by}
        if not await self.store.change_handoff(case.id, case.version, values, other, now):
            return Outcome(h.ALREADY_CLOSED.format(id=case.id))
        return Outcome(notice if by == "citizen" else h.CLOSED.format(id=case.id), changed=True)

    # -- the staff member's answer ---------------------------------------------------------------

    async def typed(self, user_id: int, text: str) -> Outcome | None:
        """The answer a staff member was asked for; None when no handoff input was pending."""
        if self.staff_of(user_id) is None:
            return None  # only staff are ever asked: no query for a citizen's message
        pending = await self.store.pending_input(user_id)
        if pending is None or pending.handoff_id is None:
            return None
        await self.store.clear_input(user_id)
        case = await self.store.handoff(pending.handoff_id)
        staff = self.staff_of(user_id)
        if case is None or case.id is None or staff is None or case.claimed_by != staff:
            return Outcome(h.NOT_STAFF)
        if case.status == "closed":
            return Outcome(h.ALREADY_CLOSED.format(id=case.id))
        now = self.clock.now()
        answer = clean(text)[:MAX_TEXT]
        who = ""
        if self.config and self.config.show_staff_name:
            official = self.kb.officials[staff]
            who = h.ANSWER_WHO.format(
                name=escape(public_name(official)), title=escape(official.title)
            )
        relay = Outgoing(
            case.citizen_chat_id,
            h.ANSWER.format(who=who, text=escape(answer)),
            "handoff_answer",
            [[[h.CITIZEN_DONE, SEP.join(("h", "done", str(case.id)))]]],
            key=f"handoff:{case.id}:answer:{len(case.answers)}",
        )
        record = {"at": now.isoformat(), "by": staff, "text": answer}
        values = {"answers": [*case.answers, record], "last_activity_at": now}
        if not await self.store.change_handoff(case.id, case.version, values, [relay], now):
            return Outcome(h.ALREADY_CLOSED.format(id=case.id))
        return Outcome(h.SENT.format(id=case.id), changed=True)

    # -- the queue and the sweep ---------------------------------------------------------------

    async def queue(self) -> str:
        """/hangdoi: open questions, oldest first, with waiting time and who took them."""
        cases = await self.store.open_handoffs()
        if not cases:
            return h.QUEUE_EMPTY
        now = self.clock.now()
        lines = [h.QUEUE_TITLE]
        for c in cases:
            status = (
                h.QUEUE_CLAIMED.format(staff=self._staff_label(c.claimed_by))
                if c.status == "claimed"
                else h.QUEUE_WAITING
            )
            lines.append(
                h.QUEUE_LINE.format(
                    id=c.id,
                    name=escape(c.citizen_name),
                    waited=_duration(now - c.created_at),
                    status=status,
                )
            )
        return "\n".join(lines)

    async def sweep(self) -> tuple[int, int]:
        """Remind the group of questions waiting too long; close conversations gone idle."""
        if self.config is None:
            return 0, 0
        now = self.clock.now()
        reminded = closed = 0
        remind_every = timedelta(minutes=self.config.remind_after_minutes)
        idle = timedelta(minutes=self.config.idle_minutes)
        for case in await self.store.open_handoffs():
            assert case.id is not None
            if (
                case.status == "waiting"
                and case.question == EMPTY
                and (now - case.last_activity_at >= idle)
            ):
                # "Gặp cán bộ" pressed, then nothing written: nothing for staff to answer.
                values = {"status": "closed", "closed_at": now, "closed_by": "idle"}
                if await self.store.change_handoff(case.id, case.version, values, [], now):
                    closed += 1
            elif case.status == "waiting" and now - case.created_at >= remind_every * (
                case.reminded + 1
            ):
                minutes = int((now - case.created_at).total_seconds() // 60)
                note = h.REMINDER.format(
                    id=case.id, name=escape(case.citizen_name), minutes=minutes
                )
                claim = [[_button(h.BTN_CLAIM, "claim", case.id)]]
                message = self._group(note, claim, key=f"handoff:{case.id}:remind:{case.reminded}")
                # Jump to the current period: after a long gap, one reminder, not a burst.
                periods = int((now - case.created_at) / remind_every)
                if await self.store.change_handoff(
                    case.id, case.version, {"reminded": periods}, [message], now
                ):
                    reminded += 1
            elif case.status == "claimed" and now - case.last_activity_at >= idle:
                messages = [
                    Outgoing(case.citizen_chat_id, h.CLOSED_IDLE, "handoff_closed"),
                    self._to_claimer(case, h.CLOSED.format(id=case.id)),
                ]
                values = {"status": "closed", "closed_at": now, "closed_by": "idle"}
                if await self.store.change_handoff(case.id, case.version, values, messages, now):
                    closed += 1
        return reminded, closed

    def undeliverable_note(self, handoff_id: int, reason: str) -> Outgoing | None:
        """Tell the group an answer could not reach the citizen (blocked bot, deleted chat)."""
        if self.config is None:
            return None
        return self._group(h.UNDELIVERABLE.format(id=handoff_id, reason=escape(reason[:200])))


def _duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return h.MINUTES.format(n=minutes)
    return h.HOURS.format(h=minutes // 60, m=minutes % 60)
