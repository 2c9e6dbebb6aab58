"""SQL implementations of the core's storage ports; sync sessions run off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import datetime
from typing import TypeVar

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.ports import QuestionRecord
from bot.storage.models import ChatContext, QuestionLog

_RECORD_FIELDS = {f.name for f in fields(QuestionRecord)}

T = TypeVar("T")


class SqlStore:
    """All repositories over one engine; each call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite (one instance, a local file in WAL mode without an fsync per commit) answers
        # in well under a millisecond and has no other writer to wait for when every call runs
        # in the event loop's thread; handing each call to a worker thread cost more than the
        # call (bench/bench_e2e.py). A network database's calls wait on the network: a worker
        # thread keeps the bot answering others meanwhile.
        self._inline = engine.dialect.name == "sqlite"

    async def _run(self, fn: Callable[[Session], T]) -> T:
        def work() -> T:
            with Session(self.engine, expire_on_commit=False) as session:
                result = fn(session)
                session.commit()
                return result

        if self._inline:
            return work()
        return await asyncio.to_thread(work)

    # -- conversation ----------------------------------------------------------------------

    async def last_procedure(self, chat_id: int, since: datetime) -> str | None:
        def q(s: Session) -> str | None:
            row = s.get(ChatContext, chat_id)
            if row is None or row.updated_at < since:
                return None
            return row.last_procedure_id

        return await self._run(q)

    async def remember_procedure(self, chat_id: int, procedure_id: str, now: datetime) -> None:
        await self._run(lambda s: _remember(s, chat_id, procedure_id, now))

    # -- questions -------------------------------------------------------------------------

    async def record_question(
        self, record: QuestionRecord, chat_id: int | None = None, procedure_id: str | None = None
    ) -> int:
        def q(s: Session) -> int:
            # A plain INSERT … RETURNING on the connection: every message is logged, and the
            # ORM's machinery costs more than the insert for a row nobody reads back here.
            row = asdict(record) | {"text": record.text[:1000]}
            stmt = insert(QuestionLog).values(**row).returning(col(QuestionLog.id))
            new_id = s.connection().execute(stmt).scalar_one()
            assert new_id is not None  # the primary key the database just assigned
            if chat_id is not None and procedure_id is not None:
                # The chat's subject in the same transaction: one round trip per answer less.
                _remember(s, chat_id, procedure_id, record.created_at)
            return new_id

        return await self._run(q)

    async def forward_question(
        self, question_id: int, token: str, chat_id: int, now: datetime
    ) -> bool:
        """Mark an unanswered question as one the citizen wants staff to answer.

        Only a question still unforwarded can be forwarded, and only once.
        """

        def q(s: Session) -> bool:
            # Compare-and-set in one statement: atomic on SQLite and PostgreSQL alike, so two
            # presses (or two instances) cannot both forward.
            result = s.exec(
                update(QuestionLog)
                .where(
                    col(QuestionLog.id) == question_id,
                    col(QuestionLog.forward_token) == token,
                    col(QuestionLog.forwarded_at).is_(None),
                )
                .values(asker_chat_id=chat_id, forwarded_at=now)
            )
            return result.rowcount == 1

        return await self._run(q)

    async def question(self, question_id: int) -> QuestionRecord | None:
        def q(s: Session) -> QuestionRecord | None:
            row = s.get(QuestionLog, question_id)
            if row is None:
                return None
            return QuestionRecord(**row.model_dump(include=_RECORD_FIELDS))

        return await self._run(q)

    async def unanswered(self, since: datetime | None = None) -> list[QuestionLog]:
        def q(s: Session) -> list[QuestionLog]:
            stmt = select(QuestionLog).where(QuestionLog.outcome != "answered")
            if since is not None:
                stmt = stmt.where(QuestionLog.created_at >= since)
            return list(s.exec(stmt.order_by(col(QuestionLog.id))))

        return await self._run(q)


def _remember(s: Session, chat_id: int, procedure_id: str, now: datetime) -> None:
    """Upsert the chat's last procedure: one statement rather than a read and an ORM write."""
    changed = {"last_procedure_id": procedure_id, "updated_at": now}
    dialect = s.get_bind().dialect.name
    upsert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    s.connection().execute(
        upsert(ChatContext)
        .values(chat_id=chat_id, **changed)
        .on_conflict_do_update(index_elements=["chat_id"], set_=changed)
    )
