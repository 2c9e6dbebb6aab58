"""One chat's updates in order across bot instances: a PostgreSQL advisory lock per chat.

Several instances behind a load balancer may each receive an update of the same chat (a citizen
who taps twice, or sends two photos at once). Each update is handled under a transaction-level
advisory lock keyed by the chat, so the second instance waits until the first has finished the
whole update, just as the in-process lock (bot/chat_order.py) makes a second task wait.

Why a lock held for the whole update rather than compare-and-set versions on drafts: one update
touches several rows (the draft, a pending input, the chat's last procedure, a handoff) in
several short transactions, and replies are sent between them. Versioning each row would need a
retry loop in every use case, and a retry after a reply went out would send it twice. The lock
costs one round trip, needs no schema, and PostgreSQL releases it by itself when the connection
of a crashed instance closes, so a dead instance cannot leave a chat locked.

SQLite is the single-instance database: there the in-process lock is all that is needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# Advisory locks are database-wide; the key mixes in the schema so that deployments (or test
# runs) sharing one database in separate schemas do not wait for each other. A 64-bit hash
# collision would only make two chats take turns, never mix their data.
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || :key, 0))")


class ChatLocks:
    """Advisory locks on their own small connection pool.

    The pool is separate from the one the repositories use: a handler holding a chat's lock
    still needs connections for its queries, and sharing one pool could leave every connection
    held by a lock while the handlers wait for one to work with.
    """

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        self.engine = engine
        self.size = size

    @classmethod
    def for_url(cls, url: str, size: int = 16) -> ChatLocks | None:
        """Locks for a PostgreSQL URL; None for SQLite (one instance, nothing to share)."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            return None
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 in its async mode
        engine = create_async_engine(
            parsed, pool_size=size, max_overflow=0, pool_timeout=300, pool_pre_ping=True
        )
        return cls(engine, size)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Wait for `key`'s lock; it is held until the block ends (or the process dies)."""
        async with self.engine.connect() as conn, conn.begin():
            await conn.execute(_LOCK, {"key": key})
            yield

    async def close(self) -> None:
        """Close the pool's connections."""
        await self.engine.dispose()
