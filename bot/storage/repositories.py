"""SQL implementations of the core's storage ports; sync sessions run off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import datetime
from typing import TypeVar

from sqlalchemy import update
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

    async def _run(self, fn: Callable[[Session], T]) -> T:
        def work() -> T:
            with Session(self.engine, expire_on_commit=False) as session:
                result = fn(session)
                session.commit()
                return result

        # SQLite and psycopg calls block; a worker thread keeps the bot answering others.
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
        def q(s: Session) -> None:
            row = s.get(ChatContext, chat_id) or ChatContext(chat_id=chat_id, updated_at=now)
            row.last_procedure_id = procedure_id
            row.updated_at = now
            s.add(row)

        await self._run(q)

    # -- questions -------------------------------------------------------------------------

    async def record_question(self, record: QuestionRecord) -> int:
        def q(s: Session) -> int:
            row = QuestionLog(**asdict(record) | {"text": record.text[:1000]})
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

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
