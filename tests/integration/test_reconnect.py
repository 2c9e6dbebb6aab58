"""PostgreSQL closing the bot's pooled connections (a restart, a firewall) costs no update, and
the bot closing its own when it stops.

The pools do not check every connection before use (a round trip per call); a connection that
rested is checked, and the chat locks ask again on a fresh connection. Here PostgreSQL closes
every connection of the test's own application name while they rest in the pools.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from telegram import Update

from bot.app import build_application
from bot.local_api import LocalBotApi
from bot.ports import QuestionRecord
from bot.storage import db
from bot.storage.chat_lock import ChatLocks
from bot.storage.db import make_engine, migrate
from bot.storage.handoff_repo import HandoffStore
from tests import builders
from tests.conftest import POSTGRES_URL, settings_for, throwaway_postgres_url

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MINI = Path(__file__).resolve().parents[1] / "data" / "kb_min"


@pytest.fixture
def named_url() -> Iterator[tuple[str, str]]:
    """A throwaway schema's URL whose connections carry a name of their own."""
    name = f"reconnect_{uuid.uuid4().hex[:8]}"
    with throwaway_postgres_url() as url:
        yield (
            sa.engine.make_url(url)
            .update_query_dict({"application_name": name})
            .render_as_string(hide_password=False),
            name,
        )


def close_connections_named(name: str) -> int:
    """What a PostgreSQL restart does to the bot's connections; how many were closed."""
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            closed = conn.execute(
                sa.text(
                    # With a timeout, each call returns once its backend has exited: as after a
                    # restart, every connection is already gone when the bot next uses one.
                    "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar_one()
    finally:
        admin.dispose()
    return int(closed)


async def test_repositories_replace_connections_closed_while_resting(
    named_url: tuple[str, str], monkeypatch: pytest.MonkeyPatch
):
    url, name = named_url
    engine = make_engine(url)
    migrate(engine)
    store = HandoffStore(engine)
    assert (await store.chat_claims(7)).draft_step is None
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)  # every resting connection is checked
    assert close_connections_named(name) >= 1

    # The next calls get working connections: a read, and a write with its result.
    assert (await store.chat_claims(7)).handoff is False
    await store.remember_procedure(7, "khai-sinh", NOW)
    assert await store.last_procedure(7, NOW) == "khai-sinh"
    engine.dispose()


async def test_chat_locks_replace_a_connection_closed_while_resting(
    named_url: tuple[str, str],
):
    url, name = named_url
    locks = ChatLocks.for_url(url, size=2)
    assert locks is not None
    await locks.open()
    try:
        async with locks.hold("chat:1"):
            pass
        assert close_connections_named(name) >= 1
        async with locks.hold("chat:1"):
            pass  # taken on a new connection
        async with locks.hold("chat:1"):
            pass  # and released: it can be taken again
    finally:
        await locks.close()


async def test_a_question_in_a_chat_lock_survives_a_database_restart(
    named_url: tuple[str, str], monkeypatch: pytest.MonkeyPatch
):
    """The lock connections that replace the closed ones prepare their statements again: the
    next question is logged and its subject remembered in the lock, as before the restart."""
    url, name = named_url
    engine = make_engine(url)
    migrate(engine)
    store = HandoffStore(engine)
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)  # the repositories' pools, as above
    locks = ChatLocks.for_url(url, size=2)
    assert locks is not None
    await locks.open()
    question = QuestionRecord(NOW, "lệ phí khai sinh", "procedure", "fee", "answered",
                              "khai-sinh", 90.0)  # fmt: skip
    try:
        async with locks.hold("chat:7", read_ahead=7):
            await store.record_question(question, 7, "ket-hon")
        assert close_connections_named(name) >= 1
        async with locks.hold("chat:7", read_ahead=7):
            await store.record_question(question, 7, "khai-sinh")
        async with locks.hold("chat:7", read_ahead=7):
            assert await store.last_procedure(7, NOW) == "khai-sinh"
        with engine.connect() as conn:
            logged = conn.execute(sa.text("SELECT count(*) FROM question_log")).scalar_one()
        assert logged == 2
    finally:
        await locks.close()
        engine.dispose()


def sessions_named(name: str) -> int:
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.connect() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"
            return int(conn.execute(sa.text(query), {"name": name}).scalar_one())
    finally:
        admin.dispose()


@pytest.mark.postgres
async def test_a_stopping_bot_ends_its_database_sessions(named_url: tuple[str, str]):
    """An instance taken out of service (SIGTERM, a deployment) closes its PostgreSQL sessions
    once its updates are done, instead of leaving the server to find dropped sockets."""
    url, name = named_url
    settings = settings_for(MINI, url)
    app = build_application(settings, request=LocalBotApi(), rate_limit=False)
    await app.initialize()
    update = Update.de_json(builders.message("lệ phí khai sinh bao nhiêu"), app.bot)
    await app.update_processor.process_update(update, app.process_update(update))
    assert sessions_named(name) >= 2  # the answer's connection and the chat lock's
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)  # as run_polling and bot/webhook.py do after shutdown
    for _ in range(50):  # the server notes a session's end a moment after the client leaves
        if sessions_named(name) == 0:
            break
        await asyncio.sleep(0.1)
    assert sessions_named(name) == 0
