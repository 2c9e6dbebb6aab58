"""SQL implementations of the core's storage ports.

Each repository method is written once, as a plain function of a sync Session or Connection, and
run in the way that costs least for the database at hand (see `SqlStore.__init__`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ports import QuestionRecord
from bot.storage.chat_lock import prepared, transaction_of
from bot.storage.db import async_twin
from bot.storage.models import ChatContext, QuestionLog
from bot.storage.sqlite_direct import DirectStatement

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


# One question logged, its values bound by name; its value the new question's id.
_LOG_ROW = (
    insert(QuestionLog)
    .values({name: bindparam(name) for name in _RECORD_FIELDS})
    .returning(col(QuestionLog.id))
)


def _log_and_remember() -> Any:
    """PostgreSQL: the question logged and the chat's subject upserted in one statement (one
    round trip, atomic on its own), its value the new question's id."""
    logged = _LOG_ROW.cte("logged")
    subject = _upsert(postgresql_insert).values(
        chat_id=bindparam("chat_id"),
        last_procedure_id=bindparam("last_procedure_id"),
        updated_at=bindparam("created_at"),
    )
    return select(logged.c.id).add_cte(subject.cte("subject"))


_LOG_AND_REMEMBER = _log_and_remember()

# The same two statements as psycopg runs them on a chat lock's connection (below), prepared.
_PSYCOPG = postgresql.psycopg.dialect()
_LOG_LOCKED = prepared("log_question", str(_LOG_ROW.compile(dialect=_PSYCOPG)))
_LOG_AND_REMEMBER_LOCKED = prepared(
    "log_question_and_subject", str(_LOG_AND_REMEMBER.compile(dialect=_PSYCOPG))
)

# And as sqlite3 runs them on SQLite (bot/storage/sqlite_direct.py).
_LOG_DIRECT = DirectStatement(_LOG_ROW)
_REMEMBER_DIRECT = DirectStatement(
    _REMEMBER["sqlite"].values(
        chat_id=bindparam("chat_id"),
        last_procedure_id=bindparam("last_procedure_id"),
        updated_at=bindparam("updated_at"),
    )
)


class SqlStore:
    """All repositories over one engine; each call is one short transaction."""

    # Bulk readers (statistics over every case, exports) set this: their Python work on
    # thousands of rows runs in a worker thread, where it cannot hold up the answering.
    bulk = False

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite (one instance, a local file in WAL mode without an fsync per commit) answers
        # in well under a millisecond and has no other writer to wait for when every call runs
        # in the event loop's thread; handing each call to a worker thread cost more than the
        # call (bench/bench_e2e.py).
        self._inline = engine.dialect.name == "sqlite" and not self.bulk
        self._held: Connection | None = None
        # PostgreSQL's calls wait on the network: they run on psycopg's asyncio connections,
        # so the bot answers others meanwhile without a thread hop per call (which, with the
        # GIL contended, cost more than the round trips; bench/bench_e2e.py).
        self._async = None if self.bulk else async_twin(engine)
        if self._async is not None:
            # The same pool; psycopg switches autocommit on the client, at no round trip.
            self._autocommit = self._async.execution_options(isolation_level="AUTOCOMMIT")

    async def _run(self, fn: Callable[[Session], T]) -> T:
        if self._async is not None:
            async with AsyncSession(self._async, expire_on_commit=False) as session:
                # sqlmodel's AsyncSession hands `fn` its own (sqlmodel) Session class; the
                # stubs only promise SQLAlchemy's.
                result = await session.run_sync(cast(Callable[[Any], T], fn))
                await session.commit()
                return result

        def work() -> T:
            with Session(self.engine, expire_on_commit=False) as session:
                result = fn(session)
                session.commit()
                return result

        if self._inline:
            return work()
        return await asyncio.to_thread(work)

    async def _run_core(
        self, fn: Callable[[Connection], T], *, single_statement: bool = False
    ) -> T:
        """Like `_run` for Core statements only: a bare connection costs less than a Session.

        `single_statement`: `fn` runs exactly one statement, atomic by itself. PostgreSQL then
        runs it without BEGIN and COMMIT around it: one round trip instead of three, for the
        calls made for every message.
        """
        if self._async is not None:
            if single_statement:
                async with self._autocommit.connect() as conn:
                    return await conn.run_sync(fn)
            async with self._async.begin() as conn:
                return await conn.run_sync(fn)

        if self._inline:
            # One connection kept for these calls: checking one out of the pool and back in
            # cost more than the statements (bench/bench_store.py: the chat's claims took
            # 145 µs of CPU with a checkout, 59–101 µs without).
            held = self._held or self._hold()
            with held.begin():
                return fn(held)

        def work() -> T:
            with self.engine.begin() as conn:
                return fn(conn)

        return await asyncio.to_thread(work)

    def _hold(self) -> Connection:
        self._held = self.engine.connect()
        return self._held

    def _sqlite(self) -> sqlite3.Connection | None:
        """SQLite: the held connection's own sqlite3 connection, for the statements every
        message makes (bot/storage/sqlite_direct.py); None on PostgreSQL."""
        if not self._inline:
            return None
        held = self._held or self._hold()
        return cast(sqlite3.Connection, held.connection.dbapi_connection)

    def close(self) -> None:
        """Give back the connection held for the per-message calls (SQLite), if any."""
        if self._held is not None:
            self._held.close()
            self._held = None

    # -- conversation ----------------------------------------------------------------------

    async def last_procedure(self, chat_id: int, since: datetime) -> str | None:
        def q(conn: Connection) -> str | None:
            row = conn.execute(_LAST, {"chat": chat_id}).first()
            if row is None or row.updated_at < since:
                return None
            return row.last_procedure_id

        return await self._run_core(q, single_statement=True)

    async def remember_procedure(self, chat_id: int, procedure_id: str, now: datetime) -> None:
        await self._run_core(
            lambda conn: _remember(conn, chat_id, procedure_id, now), single_statement=True
        )

    # -- questions -------------------------------------------------------------------------

    async def record_question(
        self, record: QuestionRecord, chat_id: int | None = None, procedure_id: str | None = None
    ) -> int | None:
        # Field by field: dataclasses.asdict deep-copies each value, for every message.
        row = {name: getattr(record, name) for name in _RECORD_FIELDS}
        row["text"] = record.text[:1000]
        subject = chat_id is not None and procedure_id is not None
        locked = transaction_of(chat_id) if chat_id is not None and self._async else None
        if locked is not None:
            # In the chat's locked transaction: committed with the rest of the update (rolled
            # back with it if the update fails, when no answer went out either).
            values = row | {"created_at": record.created_at.astimezone(UTC)}  # as UTCDateTime
            statement = _LOG_LOCKED
            if subject:
                values |= {"chat_id": chat_id, "last_procedure_id": procedure_id}
                statement = _LOG_AND_REMEMBER_LOCKED
            if record.forward_token is None:
                # Nothing can refer to this question (only its forward button would): it
                # goes with the commit, without a round trip of its own.
                locked.at_commit(statement, values)
                return None
            logged = await locked.fetch_one(statement, values)
            assert logged is not None  # RETURNING the new id
            return int(logged[0])
        direct = self._sqlite()
        if direct is not None:
            with direct:  # one transaction: committed, or rolled back if a statement fails
                new_id = _LOG_DIRECT.first(direct, row)[0]
                if subject:
                    _REMEMBER_DIRECT.run(
                        direct,
                        {
                            "chat_id": chat_id,
                            "last_procedure_id": procedure_id,
                            "updated_at": record.created_at,
                        },
                    )
            return int(new_id)
        together = subject and self.engine.dialect.name == "postgresql"

        def q(conn: Connection) -> int:
            # Plain INSERT … RETURNING: every message is logged, and the ORM's machinery
            # costs more than the insert for a row nobody reads back here.
            if together:
                values = row | {"chat_id": chat_id, "last_procedure_id": procedure_id}
                return int(conn.execute(_LOG_AND_REMEMBER, values).scalar_one())
            new_id = conn.execute(_LOG, row).scalar_one()
            assert new_id is not None  # the primary key the database just assigned
            if subject:
                # The chat's subject in the same transaction (SQLite has no INSERT in a WITH).
                assert chat_id is not None and procedure_id is not None
                _remember(conn, chat_id, procedure_id, record.created_at)
            return int(new_id)

        return await self._run_core(q, single_statement=together or not subject)

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
