"""Updates long polling has fetched and not finished handling: polling mode's crash safety.

Telegram forgets an update once the next getUpdates call confirms it, and python-telegram-bot
makes that call as soon as a batch is queued, before it is handled. A batch is written here
first (bot/polling.py), each update is marked handled once its handlers have run, and after a
crash the unfinished ones are handled again. The last batch is kept, handled or not, so a
restart can confirm to Telegram what already arrived instead of receiving it twice.

A handled row keeps no message: its body is blanked at once, and it is deleted when the next
batch arrives. The table holds the updates in progress and the last batch.

Update ids grow one by one, except that after a week without updates Telegram starts again
from a random number, which may be lower: "the newest" is the update received last, not the
highest id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Text, bindparam, delete, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel, col, select

from bot.ports import UnfinishedUpdate
from bot.storage.chat_lock import held_transaction, prepared
from bot.storage.repositories import SqlStore
from bot.storage.sqlite_direct import DirectStatement


class PolledUpdate(SQLModel, table=True):
    """One update fetched by long polling."""

    __tablename__ = "polled_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # The update as Telegram sent it (JSON); None once handled: it holds citizens' messages.
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    received_at: datetime
    handled_at: datetime | None = None
    # Times its handling was started again after a restart: an update that keeps killing the
    # process must not keep it from ever serving anyone else.
    restarts: int = 0


def _keep(dialect_insert: Callable[..., Any]) -> Any:
    # An update fetched twice (Telegram sends again what a crash left unconfirmed) is kept once.
    return (
        dialect_insert(PolledUpdate)
        .values(
            update_id=bindparam("update_id"),
            body=bindparam("body"),
            received_at=bindparam("received_at"),
            restarts=0,
        )
        .on_conflict_do_nothing(index_elements=["update_id"])
    )


_KEEP = {"sqlite": _keep(sqlite_insert), "postgresql": _keep(postgresql_insert)}
# Handled rows, when a new batch comes: that batch is now the last one received.
_FORGET = delete(PolledUpdate).where(col(PolledUpdate.handled_at).is_not(None))
_HANDLED = (
    update(PolledUpdate)
    .where(col(PolledUpdate.update_id) == bindparam("id"))
    .values(body=None, handled_at=bindparam("now"))
)
# As psycopg runs it in the transaction of the update's chat lock (bot/storage/chat_lock.py).
_HANDLED_PG = _HANDLED.compile(dialect=postgresql.psycopg.dialect())
_HANDLED_LOCKED = prepared("polled_update_handled", str(_HANDLED_PG))
_KEEP_DIRECT = DirectStatement(_KEEP["sqlite"])
_FORGET_DIRECT = DirectStatement(_FORGET)
_HANDLED_DIRECT = DirectStatement(_HANDLED)


class UpdateInbox(SqlStore):
    """The polled updates in progress, in the bot's database."""

    async def keep(self, batch: Sequence[tuple[int, str]], now: datetime) -> None:
        """Store a fetched batch of (update id, JSON) before Telegram is told it arrived."""
        if not batch:
            return
        rows = [{"update_id": i, "body": body, "received_at": now} for i, body in batch]
        direct = self._sqlite()
        if direct is not None:
            with direct:
                _FORGET_DIRECT.run(direct, {})
                direct.executemany(_KEEP_DIRECT.sql, [_KEEP_DIRECT.parameters(r) for r in rows])
            return
        keep = _KEEP[self.engine.dialect.name]

        def q(conn: Connection) -> None:
            conn.execute(_FORGET)
            conn.execute(keep, rows)

        await self._run_core(q)

    async def handled(self, update_id: int, now: datetime) -> None:
        """The update's handlers have run: forget its content."""
        values = {"id": update_id, "now": now}
        locked = held_transaction() if self._async else None
        if locked is not None:
            # PostgreSQL, the update's chat lock still held: the mark goes with its COMMIT, at
            # no round trip of its own (rolled back with it if the update fails: handled again).
            locked.at_commit(
                _HANDLED_LOCKED, _HANDLED_PG.params | values | {"now": now.astimezone(UTC)}
            )
            return
        direct = self._sqlite()
        if direct is not None:
            with direct:
                _HANDLED_DIRECT.run(direct, values)
            return
        await self._run_core(lambda conn: conn.execute(_HANDLED, values), single_statement=True)

    async def newest(self, since: datetime) -> int | None:
        """The id of the update received last (handled or not), if received after `since`."""
        last = (
            select(col(PolledUpdate.update_id))
            .where(col(PolledUpdate.received_at) > since)
            .order_by(col(PolledUpdate.received_at).desc(), col(PolledUpdate.update_id).desc())
            .limit(1)
        )

        def q(conn: Connection) -> int | None:
            return conn.execute(last).scalar()

        return await self._run_core(q, single_statement=True)

    async def unfinished(self) -> list[UnfinishedUpdate]:
        """Updates whose handling did not finish, in the order received; each counted as
        restarted."""

        def q(conn: Connection) -> list[UnfinishedUpdate]:
            pending = col(PolledUpdate.handled_at).is_(None)
            rows = conn.execute(
                select(
                    col(PolledUpdate.update_id),
                    col(PolledUpdate.body),
                    col(PolledUpdate.restarts),
                )
                .where(pending)
                .order_by(col(PolledUpdate.received_at), col(PolledUpdate.update_id))
            ).all()
            conn.execute(
                update(PolledUpdate).where(pending).values(restarts=PolledUpdate.restarts + 1)
            )
            return [UnfinishedUpdate(i, body or "{}", restarts) for i, body, restarts in rows]

        return await self._run_core(q)
