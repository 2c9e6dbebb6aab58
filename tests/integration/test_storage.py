"""Storage on real SQLite and real PostgreSQL: migrations, the chat's subject, the question log."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.ports import QuestionRecord
from bot.storage.db import make_engine, migrate
from bot.storage.models import QuestionLog
from bot.storage.repositories import SqlStore
from tests.conftest import throwaway_postgres_url

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _postgres_engine() -> Iterator[Engine]:
    with throwaway_postgres_url() as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
        yield eng
        eng.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture
def store(engine: Engine) -> SqlStore:
    migrate(engine)
    return SqlStore(engine)


def _question(text: str = "giấy phép nuôi chim yến", token: str | None = "tok") -> QuestionRecord:
    return QuestionRecord(NOW, text, "none", "general", "unanswered", None, None, token)


def test_migrations_create_the_schema_and_are_idempotent(engine: Engine):
    migrate(engine)
    migrate(engine)  # a second start must not fail or change anything
    tables = set(sa.inspect(engine).get_table_names())
    assert {"chat_context", "question_log", "alembic_version"} <= tables


async def test_chat_subject_is_remembered_and_expires(store: SqlStore):
    await store.remember_procedure(42, "khai-sinh", NOW)
    assert await store.last_procedure(42, NOW - timedelta(minutes=30)) == "khai-sinh"
    assert await store.last_procedure(42, NOW + timedelta(seconds=1)) is None  # too old
    assert await store.last_procedure(43, NOW - timedelta(days=1)) is None
    await store.remember_procedure(42, "ho-chieu", NOW + timedelta(minutes=1))
    assert await store.last_procedure(42, NOW) == "ho-chieu"


async def test_question_logged_with_the_chat_subject_in_one_call(store: SqlStore):
    first = await store.record_question(_question(), chat_id=42, procedure_id="khai-sinh")
    assert await store.last_procedure(42, NOW - timedelta(minutes=1)) == "khai-sinh"
    second = await store.record_question(_question(), chat_id=42, procedure_id="ho-chieu")
    assert await store.last_procedure(42, NOW - timedelta(minutes=1)) == "ho-chieu"
    await store.record_question(_question(), chat_id=42)  # no procedure: the subject stays
    assert await store.last_procedure(42, NOW - timedelta(minutes=1)) == "ho-chieu"
    assert second > first and len(await store.unanswered()) == 3


async def test_big_telegram_ids_fit(store: SqlStore):
    big = -1_001_234_567_890  # supergroup ids exceed 32 bits
    await store.remember_procedure(big, "khai-tu", NOW)
    assert await store.last_procedure(big, NOW - timedelta(seconds=1)) == "khai-tu"


async def test_question_forwarded_once_only_with_its_token(store: SqlStore):
    qid = await store.record_question(_question())
    assert not await store.forward_question(qid, "forged", 5, NOW)
    assert not await store.forward_question(qid + 999, "tok", 5, NOW)
    assert await store.forward_question(qid, "tok", 5, NOW)
    assert not await store.forward_question(qid, "tok", 5, NOW)  # not twice
    [row] = await store.unanswered()
    assert row.asker_chat_id == 5 and row.forwarded_at == NOW


async def test_concurrent_forward_presses_forward_once(store: SqlStore):
    qid = await store.record_question(_question())
    results = await asyncio.gather(*(store.forward_question(qid, "tok", 5, NOW) for _ in range(8)))
    assert results.count(True) == 1


async def test_long_question_text_is_bounded(store: SqlStore):
    await store.record_question(_question("a" * 5000))
    [row] = await store.unanswered()
    assert len(row.text) == 1000


async def test_a_logged_question_reads_back_as_it_was_written(store: SqlStore):
    # SQLite logs through sqlite3 directly (bot/storage/sqlite_direct.py): every field must
    # come back as the ORM reads it, a local time as the same instant, odd text unchanged.
    local = datetime(2026, 11, 27, 16, 5, 7, 123456, tzinfo=timezone(timedelta(hours=7)))
    text = "Cho hỏi 'giấy' \"độc thân\" 100% ; DROP TABLE x; -- ?"
    record = QuestionRecord(local, text, "procedure", "fee", "unanswered", "xac-nhan", 47.5, "t0k")
    qid = await store.record_question(record, chat_id=7, procedure_id="xac-nhan")
    [row] = await store.unanswered()
    assert row.id == qid and row.text == text and row.forward_token == "t0k"
    assert (row.intent, row.aspect, row.outcome) == ("procedure", "fee", "unanswered")
    assert row.best_procedure_id == "xac-nhan" and row.best_score == 47.5
    assert row.created_at == local and row.asker_chat_id is None
    assert await store.last_procedure(7, local - timedelta(microseconds=1)) == "xac-nhan"
    assert await store.last_procedure(7, local + timedelta(microseconds=1)) is None
    # Compared in SQL: stored as the instant it is, whatever offset it was given in…
    assert [r.id for r in await store.unanswered(since=datetime(2026, 11, 27, 9, 5, tzinfo=UTC))]
    assert not await store.unanswered(since=datetime(2026, 11, 27, 9, 6, tzinfo=UTC))
    # …and stored exactly as the ORM stores the same question.
    with Session(store.engine) as session:
        twin = QuestionLog(**dataclasses.asdict(record))
        session.add(twin)
        session.commit()
        stored = session.execute(
            sa.text("SELECT created_at, best_score FROM question_log ORDER BY id")
        ).all()
    assert stored[0] == stored[1]
