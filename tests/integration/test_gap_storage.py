"""The questions `gaps` reads, on real SQLite and real PostgreSQL: unanswered and guessed ones,
each forwarded question once with the staff's answers, direct requests for a person, --since,
and a database of the previous release upgraded with its rows kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.ports import QuestionRecord
from bot.storage.db import alembic_config, migrate
from bot.storage.gap_repo import GapLog
from bot.storage.handoff_models import HandoffCase
from bot.storage.knowledge_state import KnowledgeVersions
from tests.integration.test_storage import engine  # noqa: F401  (sqlite and postgres)

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def record(text: str, outcome: str, intent: str = "procedure", minutes: int = 0) -> QuestionRecord:
    at = NOW + timedelta(minutes=minutes)
    return QuestionRecord(at, text, intent, "general", outcome, None, None, "tok")


def handoff(chat: int, question: str, answers: list[str], minutes: int = 0) -> HandoffCase:
    at = NOW + timedelta(minutes=minutes)
    return HandoffCase(
        citizen_chat_id=chat,
        citizen_name="Lan",
        question=question,
        understood="—",
        status="closed",
        created_at=at,
        last_activity_at=at,
        answers=[{"at": at.isoformat(), "by": "can-bo", "text": a} for a in answers],
    )


async def fill(log: GapLog) -> None:
    await log.record_question(record("nuôi chim yến ở đâu", "unanswered"))
    forwarded = await log.record_question(record("giấy phép karaoke", "suggested", minutes=1))
    await log.forward_question(forwarded, "tok", 5001, NOW)
    await log.record_question(record("làm hộ chiếu ở đâu", "answered", minutes=2))
    await log.record_question(record("đèn đường hư", "unanswered", "complaint", minutes=3))
    await log.record_question(record("chào em", "other", "help", minutes=4))
    await log.record_question(record("xin phép đào ao", "unanswered", minutes=60 * 48))
    with Session(log.engine) as s:
        s.add(handoff(5001, "giấy phép karaoke", ["Hỏi phòng Văn hóa xã."], minutes=1))
        s.add(handoff(5002, "gặp cán bộ hỏi về nuôi ong", ["Không cần giấy phép."], minutes=5))
        s.add(handoff(5003, "(muốn gặp cán bộ)", [], minutes=6))
        s.commit()


def test_gap_questions_join_handoffs_and_leave_out_answers_reports_and_chatter(
    engine: Engine,  # noqa: F811
):
    migrate(engine)
    log = GapLog(engine)
    asyncio.run(fill(log))
    got = asyncio.run(log.gap_questions())
    assert [(q.text, q.handed_off, q.staff_answers) for q in got] == [
        ("nuôi chim yến ở đâu", False, ()),
        ("giấy phép karaoke", True, ("Hỏi phòng Văn hóa xã.",)),  # logged and handed off: once
        ("gặp cán bộ hỏi về nuôi ong", True, ("Không cần giấy phép.",)),
        ("xin phép đào ao", False, ()),
    ]
    later = asyncio.run(log.gap_questions(NOW + timedelta(days=1)))
    assert [q.text for q in later] == ["xin phép đào ao"]


def test_the_previous_release_upgrades_keeping_its_rows_and_publishes_versions(
    engine: Engine,  # noqa: F811
):
    command.upgrade(alembic_config(engine), "0004")
    log = GapLog(engine)
    asyncio.run(log.record_question(record("nuôi chim yến ở đâu", "unanswered")))
    migrate(engine)
    assert "knowledge_state" in sa.inspect(engine).get_table_names()
    assert [q.text for q in asyncio.run(log.gap_questions())] == ["nuôi chim yến ở đâu"]
    versions = KnowledgeVersions(engine)
    assert asyncio.run(versions.published()) is None
    asyncio.run(versions.publish("abc123", "truong-phong", NOW))
    asyncio.run(versions.publish("def456", None, NOW))
    assert asyncio.run(versions.published()) == "def456"
