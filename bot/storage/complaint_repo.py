"""SQL storage of the complaint workflow: each use case is one transaction, never half-done."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.cards import fit
from bot.storage.complaint_models import (
    CaseEvent,
    Complaint,
    ComplaintDraft,
    OutboxMessage,
    PendingInput,
)
from bot.storage.repositories import SqlStore

T = TypeVar("T")


def _draft_upsert(dialect_insert: Callable[..., Any]) -> Any:
    stmt = dialect_insert(ComplaintDraft)
    columns = [c.name for c in ComplaintDraft.__table__.columns if c.name != "chat_id"]  # type: ignore[attr-defined]
    return stmt.on_conflict_do_update(
        index_elements=["chat_id"], set_={name: stmt.excluded[name] for name in columns}
    )


_SAVE_DRAFT = {
    "sqlite": _draft_upsert(sqlite_insert),
    "postgresql": _draft_upsert(postgresql_insert),
}
_FILED_SINCE = (
    select(func.count())
    .select_from(Complaint)
    .where(
        col(Complaint.citizen_chat_id) == bindparam("chat"),
        col(Complaint.received_at) >= bindparam("since"),
    )
)


@dataclass
class Outgoing:
    """A message to put in the outbox with the change that causes it."""

    chat_id: int
    text: str
    purpose: str
    buttons: list[list[list[str]]] | None = None  # rows of [label, callback_data]
    official_id: str | None = None
    key: str | None = None  # unique: the same notification is never queued twice
    photo: str | None = None  # a Telegram file id: sent as a photo with `text` as caption


@dataclass
class Change:
    """A change to one case: new field values, the audit event, the messages it sends."""

    values: dict[str, Any] = field(default_factory=dict)
    actor: str = "system"
    action: str = ""
    detail: str | None = None
    key: str | None = None
    messages: list[Outgoing] = field(default_factory=list)
    also: list[tuple[str, str | None]] = field(default_factory=list)  # further audit events


class ComplaintStore(SqlStore):
    """Drafts, cases, audit trail, outbox and pending inputs, over one engine."""

    # -- drafts ------------------------------------------------------------------------------

    async def draft(self, chat_id: int) -> ComplaintDraft | None:
        def q(s: Session) -> ComplaintDraft | None:
            # Asked for every citizen message, and mostly "none": the ORM only loads a draft
            # that a bare query on the connection has found.
            exists = select(ComplaintDraft.chat_id).where(ComplaintDraft.chat_id == chat_id)
            if s.connection().execute(exists).first() is None:
                return None
            return s.get(ComplaintDraft, chat_id)

        return await self._run(q)

    async def save_draft(self, draft: ComplaintDraft) -> None:
        """Insert or replace the chat's draft: one statement (saved at every step)."""
        values = draft.model_dump()

        def q(conn: Connection) -> None:
            conn.execute(_SAVE_DRAFT[conn.dialect.name], values)

        await self._run_core(q, single_statement=True)

    async def drop_draft(self, chat_id: int) -> None:
        def q(s: Session) -> None:
            row = s.get(ComplaintDraft, chat_id)
            if row is not None:
                s.delete(row)

        await self._run(q)

    # -- filing ------------------------------------------------------------------------------

    async def file(
        self,
        complaint: Complaint,
        change_for: Change | Callable[[Complaint], Change],
        new_code: Callable[[], str],
    ) -> Complaint:
        """Store a new case with its first event and notifications, and drop the draft, at once.

        A tracking-code collision (astronomically rare) is retried with a fresh code; the
        messages are built for the code the case finally gets.
        """

        def q(s: Session) -> Complaint:
            change = change_for if isinstance(change_for, Change) else change_for(complaint)
            s.add(complaint)
            s.flush()
            assert complaint.id is not None
            _record(s, complaint.id, change, complaint.received_at)
            draft = s.get(ComplaintDraft, complaint.citizen_chat_id)
            if draft is not None:
                s.delete(draft)
            return complaint

        for _ in range(5):
            try:
                return await self._run(q)
            except IntegrityError:
                complaint = Complaint.model_validate(complaint.model_dump() | {"code": new_code()})
        raise RuntimeError("could not allocate a tracking code")

    # -- reading -----------------------------------------------------------------------------

    async def by_code(self, code: str) -> Complaint | None:
        return await self._run(
            lambda s: s.exec(select(Complaint).where(Complaint.code == code)).first()
        )

    async def by_id(self, complaint_id: int) -> Complaint | None:
        return await self._run(lambda s: s.get(Complaint, complaint_id))

    async def of_citizen(self, chat_id: int, limit: int = 10) -> list[Complaint]:
        def q(s: Session) -> list[Complaint]:
            stmt = (
                select(Complaint)
                .where(Complaint.citizen_chat_id == chat_id)
                .order_by(col(Complaint.id).desc())
                .limit(limit)
            )
            return list(s.exec(stmt))

        return await self._run(q)

    async def latest_filed_since(self, chat_id: int, since: datetime) -> Complaint | None:
        """The chat's most recent case if it was filed at or after `since`."""

        def q(s: Session) -> Complaint | None:
            stmt = (
                select(Complaint)
                .where(Complaint.citizen_chat_id == chat_id, Complaint.received_at >= since)
                .order_by(col(Complaint.id).desc())
                .limit(1)
            )
            return s.exec(stmt).first()

        return await self._run(q)

    async def filed_since(self, chat_id: int, since: datetime) -> int:
        """How many cases a chat has filed since a moment (the daily limit, across instances)."""

        def q(conn: Connection) -> int:
            return int(conn.execute(_FILED_SINCE, {"chat": chat_id, "since": since}).scalar_one())

        return await self._run_core(q, single_statement=True)

    async def history(self, complaint_id: int) -> list[CaseEvent]:
        def q(s: Session) -> list[CaseEvent]:
            stmt = (
                select(CaseEvent)
                .where(CaseEvent.complaint_id == complaint_id)
                .order_by(col(CaseEvent.id))
            )
            return list(s.exec(stmt))

        return await self._run(q)

    async def open_cases(self, statuses: Sequence[str]) -> list[Complaint]:
        def q(s: Session) -> list[Complaint]:
            return list(s.exec(select(Complaint).where(col(Complaint.status).in_(statuses))))

        return await self._run(q)

    async def count_events(self, action: str) -> int:
        def q(s: Session) -> int:
            stmt = select(func.count()).select_from(CaseEvent).where(CaseEvent.action == action)
            return int(s.exec(stmt).one())

        return await self._run(q)

    # -- changing a case ----------------------------------------------------------------------

    async def change(
        self, complaint_id: int, expected_version: int, change: Change, now: datetime
    ) -> bool:
        """Apply a change if nobody changed the case since it was read, else change nothing.

        With a `key`, a change already made (by this or another instance) is not made again.
        """

        def q(s: Session) -> bool:
            if change.key is not None and _seen(s, change.key):
                return False
            result = s.exec(
                update(Complaint)
                .where(
                    col(Complaint.id) == complaint_id,
                    col(Complaint.version) == expected_version,
                )
                .values(**change.values, version=expected_version + 1)
            )
            if result.rowcount != 1:
                return False
            _record(s, complaint_id, change, now)
            return True

        try:
            return await self._run(q)
        except IntegrityError:  # another instance recorded the same keyed change first
            return False

    # -- officials' pending inputs ---------------------------------------------------------------

    async def expect_input(
        self,
        user_id: int,
        chat_id: int,
        complaint_id: int | None,
        action: str,
        argument: str | None,
        now: datetime,
        handoff_id: int | None = None,
    ) -> None:
        def q(s: Session) -> None:
            s.merge(
                PendingInput(
                    user_id=user_id,
                    chat_id=chat_id,
                    complaint_id=complaint_id,
                    handoff_id=handoff_id,
                    action=action,
                    argument=argument,
                    created_at=now,
                )
            )

        await self._run(q)

    async def pending_input(self, user_id: int) -> PendingInput | None:
        return await self._run(lambda s: s.get(PendingInput, user_id))

    async def clear_input(self, user_id: int) -> None:
        def q(s: Session) -> None:
            row = s.get(PendingInput, user_id)
            if row is not None:
                s.delete(row)

        await self._run(q)

    # -- outbox --------------------------------------------------------------------------------

    async def claim(
        self, worker: str, now: datetime, limit: int = 20, lease_seconds: int = 60
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages for this worker; another worker skips them.

        A claim expires after its lease, so a crashed worker's messages are sent by another.
        """
        until = now + timedelta(seconds=lease_seconds)

        claimable = (
            col(OutboxMessage.status) == "pending",
            col(OutboxMessage.not_before) <= now,
            or_(
                col(OutboxMessage.claimed_until).is_(None),
                col(OutboxMessage.claimed_until) < now,
            ),
        )

        def q(s: Session) -> list[OutboxMessage]:
            due = (
                select(OutboxMessage.id)
                .where(*claimable)
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            if s.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(s.exec(due))
            if not ids:
                return []
            # The UPDATE checks again that each row is still claimable: on SQLite the SELECT
            # above took no lock, and another worker may have claimed some rows since.
            s.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids), *claimable)
                .values(claimed_by=worker, claimed_until=until)
            )
            stmt = select(OutboxMessage).where(
                col(OutboxMessage.id).in_(ids),
                OutboxMessage.claimed_by == worker,
                OutboxMessage.claimed_until == until,
            )
            return sorted(s.exec(stmt), key=lambda m: m.id or 0)

        return await self._run(q)

    async def renew(self, message_id: int, worker: str, until: datetime) -> bool:
        """Extend this worker's claim on a pending message; False if the claim was lost.

        Called right before each send: a batch slowed down (flood waits, timeouts) past its
        lease may have been taken over by another worker, which then sends it; this one must
        not send it too.
        """

        def q(conn: Connection) -> bool:
            result = conn.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == message_id,
                    col(OutboxMessage.claimed_by) == worker,
                    col(OutboxMessage.status) == "pending",
                )
                .values(claimed_until=until)
            )
            return result.rowcount == 1

        return await self._run_core(q, single_statement=True)

    async def sent(self, message_id: int, worker: str, now: datetime) -> None:
        await self._settle(message_id, worker, status="sent", sent_at=now, claimed_until=None)

    async def retry(self, message_id: int, worker: str, at: datetime, error: str) -> None:
        await self._settle(
            message_id,
            worker,
            status="pending",
            not_before=at,
            claimed_until=None,
            last_error=error[:500],
            attempts=OutboxMessage.attempts + 1,
        )

    async def failed(self, message_id: int, worker: str, error: str) -> None:
        await self._settle(
            message_id, worker, status="failed", claimed_until=None, last_error=error[:500]
        )

    async def _settle(self, message_id: int, worker: str, **values: Any) -> None:
        # One statement, one round trip: after a send, this is the window in which a crash
        # makes the message go out again (at least once; the Bot API has no idempotency key).
        def q(conn: Connection) -> None:
            conn.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claimed_by) == worker)
                .values(**values)
            )

        await self._run_core(q, single_statement=True)

    async def enqueue(self, messages: Sequence[Outgoing], now: datetime) -> None:
        """Queue messages that belong to no case change (e.g. an undeliverable-chat alert)."""

        def q(s: Session) -> None:
            for m in messages:
                if m.key is None or not _queued(s, m.key):
                    s.add(_outbox_row(m, None, now))

        await self._run(q)

    async def outbox(self) -> list[OutboxMessage]:
        return await self._run(
            lambda s: list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))
        )


def _seen(s: Session, key: str) -> bool:
    return s.exec(select(CaseEvent.id).where(CaseEvent.key == key)).first() is not None


def _queued(s: Session, key: str) -> bool:
    return s.exec(select(OutboxMessage.id).where(OutboxMessage.key == key)).first() is not None


def _outbox_row(
    m: Outgoing, complaint_id: int | None, now: datetime, handoff_id: int | None = None
) -> OutboxMessage:
    return OutboxMessage(
        handoff_id=handoff_id,
        chat_id=m.chat_id,
        text=fit(m.text),  # within Telegram's limit, cut at a line break, never inside a tag
        photo=m.photo,
        buttons=m.buttons,
        complaint_id=complaint_id,
        official_id=m.official_id,
        purpose=m.purpose,
        key=m.key,
        not_before=now,
        created_at=now,
    )


def _record(s: Session, complaint_id: int, change: Change, now: datetime) -> None:
    s.add(
        CaseEvent(
            complaint_id=complaint_id,
            at=now,
            actor=change.actor,
            action=change.action,
            detail=change.detail,
            key=change.key,
        )
    )
    for action, detail in change.also:
        s.add(
            CaseEvent(
                complaint_id=complaint_id, at=now, actor=change.actor, action=action, detail=detail
            )
        )
    for m in change.messages:
        s.add(_outbox_row(m, complaint_id, now))
