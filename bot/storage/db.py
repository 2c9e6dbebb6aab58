"""Database engine (SQLite by default, PostgreSQL for several instances) and schema migration."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


# The asyncio twin (below) serves the answering; the plain engine only migrations, health
# checks, statistics and exports, in worker threads. At most 20 + 10 connections, plus the
# chat locks' 16 (bot/storage/chat_lock.py): about 50 per instance.
_ASYNC_POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 10}
_THREAD_POOL: dict[str, Any] = {"pool_size": 2, "max_overflow": 8}
IDLE_BEFORE_PING = 30.0  # seconds a pooled PostgreSQL connection rests before it is checked


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has rested a while.

    SQLAlchemy's pool_pre_ping checks every time, a round trip on each of the two or three
    calls an answer makes (bench/bench_e2e.py). A connection in steady use is known to work;
    one that rested may have been closed by a PostgreSQL restart or a firewall. A failed check
    makes the pool replace the connection before the caller gets it (SQLAlchemy's documented
    custom pessimistic disconnect handling).
    """

    @event.listens_for(engine, "checkin")
    def _rested_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING:
            return  # new, or in steady use
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: this connection is gone
            raise DisconnectionError() from exc


def make_engine(url: str) -> Engine:
    """An engine for the URL; an SQLite file's folder is created, and WAL is on for readers."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # In WAL mode NORMAL keeps every commit through a crash of the bot (the log is in the
            # OS's hands); only a power cut may lose the last ones. PostgreSQL is the database
            # for deployments that cannot accept that.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, **_THREAD_POOL)
    _ping_when_idle(engine)
    return engine


# One asyncio twin per engine, however many repositories share the engine; dropped with it.
_TWINS: weakref.WeakKeyDictionary[Engine, AsyncEngine] = weakref.WeakKeyDictionary()


def async_twin(engine: Engine) -> AsyncEngine | None:
    """For a PostgreSQL engine, an asyncio engine on the same database (psycopg 3's async mode);
    None for SQLite. `close_engine` closes its connections with the plain engine's."""
    if engine.dialect.name != "postgresql":
        return None
    twin = _TWINS.get(engine)
    if twin is None:
        twin = create_async_engine(engine.url, **_ASYNC_POOL)
        _ping_when_idle(twin.sync_engine)
        _TWINS[engine] = twin
    return twin


async def close_engine(engine: Engine) -> None:
    """Close the engine's pooled connections, and its asyncio twin's, as the process stops:
    PostgreSQL then sees each session end cleanly rather than its socket drop."""
    twin = _TWINS.get(engine)  # kept: a disposed engine opens new connections if used again
    if twin is not None:
        await twin.dispose()
    engine.dispose()


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration pointing at the packaged migrations and this engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


# Instances starting together on PostgreSQL take turns: the first migrates, the others then find
# the schema at head. (A session lock, released on unlock or when the connection closes.)
_MIGRATION_LOCK = "hashtextextended(current_schema() || '/alembic', 0)"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (safe to run on every start, by every instance)."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "head")
        return
    with engine.connect() as lock:
        lock.execute(text(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})"))
        try:
            command.upgrade(alembic_config(engine), "head")
        finally:
            lock.execute(text(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})"))
            lock.commit()


async def database_reachable(engine: Engine, timeout: float = 3.0) -> bool:
    """Whether a trivial query succeeds within `timeout` seconds (for health checks)."""

    def ping() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(asyncio.to_thread(ping), timeout)
    except Exception as exc:  # any failure means "not reachable"; say which kind in the log
        log.warning("database not reachable: %s", type(exc).__name__)
        return False
    return True
