"""One chat's updates in order across bot instances: a PostgreSQL advisory lock per chat.

Several instances behind a load balancer may each receive an update of the same chat (a citizen
who taps twice, or sends two photos at once). Each update is handled under a transaction-level
advisory lock keyed by the chat, so the second instance waits until the first has finished the
whole update, just as the in-process lock (bot/chat_order.py) makes a second task wait.

Why a lock held for the whole update rather than compare-and-set versions on drafts: one update
touches several rows (the draft, a pending input, the chat's last procedure, a handoff) in
several short transactions, and replies are sent between them. Versioning each row would need a
retry loop in every use case, and a retry after a reply went out would send it twice. The lock
costs a round trip (which also brings the first read the update needs) and a commit, needs no
schema, and PostgreSQL releases it by itself when the connection of a crashed instance closes,
so a dead instance cannot leave a chat locked.

The lock is taken for every update, so its few fixed statements go the cheapest way psycopg
has: bound on the client and sent as one simple query per round trip (BEGIN, the lock and the
first read together; COMMIT with the writes that waited for it), which costs the bot less CPU
than the extended protocol or a pipeline (bench/bench_store.py). And each connection prepares
them once, when it connects (SQL PREPARE; `Prepared`): the update then runs them by name, and
PostgreSQL, shared by every instance, no longer parses and plans them for every update (PostgreSQL
CPU per locked question with its log: 477 µs planned each time, 300 µs prepared;
bench/bench_store.py, 28/11/2026).

SQLite is the single-instance database: there the in-process lock is all that is needed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from psycopg import AsyncClientCursor, AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from bot.ports import ChatClaims
from bot.storage import chat_claims
from bot.storage.chat_claims import CLAIMS_SQL, claims_of, claims_params

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A statement every lock connection prepares when it connects, then runs by name.

    `sql` is psycopg's text with named placeholders, as SQLAlchemy compiles it for the psycopg
    dialect; `prepared` makes one. PostgreSQL keeps a prepared statement for the session and
    through rollbacks, and plans it again by itself if a migration changes its tables.
    A connection made before a statement was defined runs that one in full instead.

    Not for PgBouncer's transaction pooling, which may run each transaction on another server
    connection, without the session's prepared statements: connect the lock pool directly (or
    through session pooling), as the deployment guide says.
    """

    name: str
    sql: str
    definition: str  # PREPARE name AS ... with $n placeholders
    call: str  # EXECUTE name(...), with the named placeholders psycopg binds


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_PREPARED: dict[str, Prepared] = {}


def prepared(name: str, sql: str) -> Prepared:
    """Define a statement that updates run in a chat's lock (see `Prepared`); at import time,
    before the lock pool connects."""
    order: list[str] = []

    def numbered(found: re.Match[str]) -> str:
        if found[1] not in order:
            order.append(found[1])
        return f"${order.index(found[1]) + 1}"

    text = _PLACEHOLDER.sub(numbered, sql).replace("%%", "%")
    statement = Prepared(
        name=f"bot_{name}",
        sql=sql,
        definition=f"PREPARE bot_{name} AS {text}",
        call=f"EXECUTE bot_{name}(" + ", ".join(f"%({p})s" for p in order) + ")",
    )
    if statement.name in _PREPARED:
        raise ValueError(f"statement {name} defined twice")
    _PREPARED[statement.name] = statement
    return statement


# Advisory locks are database-wide; the key mixes in the schema so that deployments (or test
# runs) sharing one database in separate schemas do not wait for each other. A 64-bit hash
# collision would only make two chats take turns, never mix their data.
# The transaction commits without waiting for its WAL to reach the disk (synchronous_commit is
# off for the lock connections' sessions: `_configure`): what is written in it (the question
# log, the chat's subject; see LockedTransaction) may lose its last fraction of a second if the
# PostgreSQL server itself crashes, and the next update is not held up by the flush.
# Visibility is unchanged: the next holder of the lock sees everything committed.
_LOCK = prepared(
    "chat_lock",
    "SELECT pg_advisory_xact_lock("
    "hashtextextended(current_schema() || ':' || %(lock_key)s::TEXT, 0))",
)
_CLAIMS = prepared("chat_claims", CLAIMS_SQL)
# Connections and the statements they prepared when they connected.
_prepared_on: WeakKeyDictionary[AsyncConnection, frozenset[str]] = WeakKeyDictionary()


def _text(conn: AsyncConnection, statement: Prepared) -> str:
    """How `conn` runs `statement`: by name, or in full if it connected before it existed."""
    return statement.call if statement.name in _prepared_on.get(conn, ()) else statement.sql


async def _configure(conn: AsyncConnection) -> None:
    """A new lock connection: its session's settings and prepared statements.

    One round trip per statement, once per connection: a statement PostgreSQL refuses (its
    table not made yet, by a database not migrated) is left to run in full, where it fails
    when used as it would have anyway, and the others are still prepared.
    """
    await conn.execute("SET synchronous_commit TO OFF")
    ready = set()
    for statement in list(_PREPARED.values()):
        try:
            await conn.execute(statement.definition)
        except psycopg.ProgrammingError as error:
            log.warning("not prepared: %s (%s)", statement.name, type(error).__name__)
        else:
            ready.add(statement.name)
    _prepared_on[conn] = frozenset(ready)


class LockedTransaction:
    """The open transaction of the connection holding a chat's lock for the running update:
    committed when the update ends, rolled back if it fails.

    A statement the update makes anyway can ride on it: no connection of its own, no commit of
    its own, and psycopg directly rather than an ORM layer (bench/bench_store.py). Rows written
    in it stay locked until the update ends: the same update must not write them again through
    another connection, which would wait for itself (only the question log, the chat's
    subject and, in polling mode, the update's handled mark are written here, once per
    update). Nothing that must survive a crash of the database server belongs here: the commit
    is asynchronous (see _LOCK). Complaints are written through the repositories' own
    connections.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.deferred: list[str] = []

    async def fetch_one(
        self, statement: Prepared, params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """Run a statement now; its first row."""
        return await (await self.conn.execute(_text(self.conn, statement), params)).fetchone()

    def at_commit(self, statement: Prepared, params: Mapping[str, Any]) -> None:
        """Run a statement whose result nobody waits for with the COMMIT, in its round trip."""
        text = _text(self.conn, statement)
        self.deferred.append(AsyncClientCursor(self.conn).mogrify(text, params))

    async def commit(self) -> None:
        if self.deferred:
            await self.conn.execute("; ".join([*self.deferred, "COMMIT"]))
        else:
            await self.conn.commit()


@dataclass
class _Held:
    key: str
    transaction: LockedTransaction
    active: bool = True  # False once released: a task started inside must not use it later


_held: ContextVar[_Held | None] = ContextVar("chat_lock_held", default=None)


def held_transaction() -> LockedTransaction | None:
    """The transaction holding the lock of the running update's chat (or user), if any."""
    held = _held.get()
    return held.transaction if held is not None and held.active else None


def transaction_of(chat_id: int) -> LockedTransaction | None:
    """The transaction holding `chat_id`'s lock for the running update; None outside one."""
    held = _held.get()
    if held is None or not held.active or held.key != f"chat:{chat_id}":  # bot/chat_order.py
        return None
    return held.transaction


class ChatLocks:
    """Advisory locks on their own small pool of plain psycopg connections.

    The pool is separate from the one the repositories use: a handler holding a chat's lock
    still needs connections for its queries, and sharing one pool could leave every connection
    held by a lock while the handlers wait for one to work with.

    Plain psycopg rather than SQLAlchemy: no ORM layer around a few fixed statements. The
    connections are in autocommit mode: the transaction is begun explicitly, in the lock's
    own round trip, instead of by psycopg in one of its own.
    """

    def __init__(self, pool: AsyncConnectionPool, size: int) -> None:
        self.pool = pool
        self.size = size

    @classmethod
    def for_url(cls, url: str, size: int = 16) -> ChatLocks | None:
        """Locks for a PostgreSQL URL; None for SQLite (one instance, nothing to share)."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            return None
        # libpq reads the same URL without SQLAlchemy's driver suffix (options included).
        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        # Opened by `open`, inside the running event loop; waits up to 5 minutes for a free
        # connection, as a busy instance should rather than fail the citizen's update.
        pool = AsyncConnectionPool(
            conninfo,
            kwargs={"autocommit": True, "cursor_factory": AsyncClientCursor},
            configure=_configure,
            min_size=1,
            max_size=size,
            open=False,
            timeout=300,
            name="chat-locks",
        )
        return cls(pool, size)

    @asynccontextmanager
    async def hold(self, key: str, read_ahead: int | None = None) -> AsyncIterator[None]:
        """Wait for `key`'s lock; it is held until the block ends (or the process dies).

        `read_ahead`: a chat whose claims (bot/storage/chat_claims.py) the update will ask
        for first; they are read in the lock's round trip, once the lock is granted.
        """
        conn, claims = await self._locked(key, read_ahead)
        offered = None
        if read_ahead is not None and claims is not None:
            offered = chat_claims.offer(read_ahead, claims)
        held = _Held(key, LockedTransaction(conn))
        holding = _held.set(held)
        try:
            yield
        except BaseException:
            await conn.rollback()  # ends the transaction, which releases the lock
            raise
        else:
            await held.transaction.commit()
        finally:
            held.active = False
            _held.reset(holding)
            if offered is not None:
                chat_claims.withdraw(offered)
            await self.pool.putconn(conn)

    async def _locked(
        self, key: str, read_ahead: int | None
    ) -> tuple[AsyncConnection, ChatClaims | None]:
        """A connection of the pool holding `key`'s lock in an open transaction, and the claims
        of the `read_ahead` chat read after the lock was granted (READ COMMITTED: the second
        statement sees everything the lock's previous holder committed).

        A pooled connection that PostgreSQL closed while it rested (a restart) fails at once.
        The pool then checks all its resting connections, replaces the dead ones, and the lock
        is asked again. Checking every connection before use instead would cost a round trip
        per update. A connection the check finds still open, whose server process is only now
        going away, fails in turn and is replaced too: at most one try per pooled connection.
        """
        tries = self.size + 1
        for attempt in range(1, tries + 1):
            conn = await self.pool.getconn()
            try:
                lock = f"BEGIN; {_text(conn, _LOCK)}"
                if read_ahead is None:
                    await conn.execute(lock, {"lock_key": key})
                    return conn, None
                params = claims_params(read_ahead) | {"lock_key": key}
                found = await conn.execute(f"{lock}; {_text(conn, _CLAIMS)}", params)
                while found.nextset():  # past BEGIN's and the lock's results, to the claims'
                    pass
                row = await found.fetchone()
                return conn, claims_of(row) if row is not None else None
            except psycopg.OperationalError:
                await self.pool.putconn(conn)  # broken: the pool discards it
                if attempt == tries:
                    raise
                if attempt == 1:
                    await self.pool.check()
            except BaseException:
                # Cancelled while waiting for the lock, say: the pool closes a connection
                # still busy (which ends the wait in PostgreSQL too) or rolls back an idle one.
                await self.pool.putconn(conn)
                raise
        raise AssertionError("unreachable")

    async def open(self) -> None:
        """Open the pool (once the event loop runs); connections are made in the background."""
        await self.pool.open()

    async def close(self) -> None:
        """Close the pool's connections."""
        await self.pool.close()
