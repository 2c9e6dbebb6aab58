"""SQL implementations of the core's storage ports; sync sessions run off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from bot.ports import QuestionRecord
from bot.storage.models import ChatContext, QuestionLog

_RECORD_FIELDS = {f.name for f in fields(QuestionRecord)}

T = TypeVar("T")

# The statements run for every answer are built once and take their values as parameters:
# building one per call (and its cache key) cost more than running it on SQLite.
_LAST = select(col(ChatContext.last_procedure_id), col(ChatContext.updated_at)).where(
    col(ChatContext.chat_id) == bindparam("chat")
)
_LOG = insert(QuestionLog).returning(col(QuestionLog.id))


def _upsert(dialect_insert: Callable[..., Any]) -> Any:
    stmt = dialect_insert(ChatContext)
    changed = {"last_procedure_id": stmt.excluded.last_procedure_id}
    return stmt.on_conflict_do_update(
        index_elements=["chat_id"], set_=changed | {"updated_at": stmt.excluded.updated_at}
    )


_REMEMBER = {"sqlite": _upsert(sqlite_insert), "postgresql": _upsert(postgresql_insert)}


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

    async def _run_core(self, fn: Callable[[Connection], T]) -> T:
        """Like `_run` for Core statements only: a bare connection costs less than a Session."""

        def work() -> T:
            with self.engine.begin() as conn:
                return fn(conn)

        if self._inline:
            return work()
        return await asyncio.to_thread(work)

    # -- conversation ----------------------------------------------------------------------

    async def last_procedure(self, chat_id: int, since: datetime) -> str | None:
        def q(conn: Connection) -> str | None:
            row = conn.execute(_LAST, {"chat": chat_id}).first()
            if row is None or row.updated_at < since:
                return None
            return row.last_procedure_id

        return await self._run_core(q)

    async def remember_procedure(self, chat_id: int, procedure_id: str, now: datetime) -> None:
        await self._run_core(lambda conn: _remember(conn, chat_id, procedure_id, now))

    # -- questions -------------------------------------------------------------------------

    async def record_question(
        self, record: QuestionRecord, chat_id: int | None = None, procedure_id: str | None = None
    ) -> int:
        def q(conn: Connection) -> int:
            # A plain INSERT … RETURNING: every message is logged, and the ORM's machinery
            # costs more than the insert for a row nobody reads back here.
            row = asdict(record) | {"text": record.text[:1000]}
            new_id = conn.execute(_LOG, row).scalar_one()
            assert new_id is not None  # the primary key the database just assigned
            if chat_id is not None and procedure_id is not None:
                # The chat's subject in the same transaction: one round trip per answer less.
                _remember(conn, chat_id, procedure_id, record.created_at)
            return int(new_id)

        return await self._run_core(q)

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


def _remember(conn: Connection, chat_id: int, procedure_id: str, now: datetime) -> None:
    """Upsert the chat's last procedure: one statement rather than a read and an ORM write."""
    values = {"chat_id": chat_id, "last_procedure_id": procedure_id, "updated_at": now}
    conn.execute(_REMEMBER[conn.dialect.name], values)
