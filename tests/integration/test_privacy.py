"""Citizens' personal data through the real Application, on SQLite and PostgreSQL: nothing of it
in the logs even at DEBUG, /xoadulieu erases it once no open case needs it, and `python -m bot
purge` blanks it after the retention period, keeping each case's statistics and audit trail."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot import complaint_texts as t
from bot import handoff_texts as h
from bot import texts
from bot.app import build_application
from bot.cli import main
from bot.local_api import LocalBotApi
from bot.storage.complaint_models import CaseEvent, OutboxMessage
from bot.storage.handoff_models import HandoffCase
from tests import builders
from tests.clock import FakeClock
from tests.conftest import buttons, sent_message
from tests.integration.test_complaints import (
    CITIZEN,
    STRANGER,
    TRUONG,
    Story,
    code_in,
    file_phan_anh,
    last_with_buttons,
    mini_settings,
    sends,
)

NAME, PHONE = "Huỳnh Thị Thơm", "0907123456"
STORY = "Ông tổ trưởng ấp Bình Hòa thu tiền rác 50 nghìn không biên lai"
QUESTION = "Cho hỏi quy định nuôi chim yến gần trường Tân Thuận ra sao"
LONG_AGO = datetime(2024, 1, 8, 2, 0, tzinfo=UTC)  # a Monday morning in Vietnam


async def running(tmp_path: Path, url: str, clock: FakeClock) -> AsyncIterator[Story]:
    api = LocalBotApi()
    settings = mini_settings(tmp_path).model_copy(update={"database_url": url})
    app = build_application(settings, request=api, clock=clock, rate_limit=False)
    async with app:
        yield Story(app, api, clock)


@pytest.fixture
async def story(tmp_path: Path, database_url: str) -> AsyncIterator[Story]:
    async for s in running(tmp_path, database_url, FakeClock()):
        yield s


async def file_khieu_nai(story: Story) -> str:
    """A khiếu nại with the citizen's name and phone (the law requires them)."""
    [prompt] = sends(await story.say("/phananh"))
    calls = await story.press(prompt, "Khiếu nại")
    calls = await story.press(last_with_buttons(calls), "Quyết định")
    await story.say("Tân Hiệp")
    calls = await story.say(STORY)
    calls = await story.press(last_with_buttons(calls), "Bỏ qua")
    await story.say(NAME)
    calls = await story.say(PHONE)
    [filed] = sends(await story.press(last_with_buttons(calls), "Gửi"))
    return code_in(filed.params["text"])


async def resolve(story: Story, code: str) -> None:
    [note, *_] = [c for c in sends(await story.deliver(), TRUONG["id"]) if code in str(c.params)]
    await story.press(note, t.BTN_RESOLVE, TRUONG)
    await story.say("Đã xử lý, ông tổ trưởng đã hoàn tiền.", TRUONG)
    await story.deliver()


async def test_no_name_phone_or_complaint_text_reaches_the_logs(
    story: Story, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    code = await file_khieu_nai(story)
    await resolve(story, code)
    [reply] = sends(await story.say(QUESTION))
    await story.press(reply, "Gửi câu hỏi")
    [note] = sends(await story.deliver(), -1009999)
    calls = await story.press(note, h.BTN_CLAIM, TRUONG)
    await story.press(last_with_buttons(calls), h.BTN_ANSWER, TRUONG)
    await story.say("Dạ, chị liên hệ phòng Nông nghiệp giúp em.", TRUONG)
    await story.deliver()
    assert len(caplog.records) > 50  # the libraries did talk at DEBUG
    formatter = logging.Formatter("%(name)s %(message)s")
    logged = "\n".join(formatter.format(r) for r in caplog.records)
    for secret in (NAME, PHONE, STORY[:30], QUESTION[:30], "hoàn tiền", CITIZEN["first_name"]):
        assert secret not in logged, secret


async def test_erasure_waits_for_open_cases_then_blanks_what_is_personal(story: Story):
    code = await file_khieu_nai(story)
    [refusal] = sends(await story.say("/xoadulieu"))
    assert code in refusal.params["text"] and not refusal.params.get("reply_markup")
    await resolve(story, code)
    [reply] = sends(await story.say(QUESTION))
    await story.press(reply, "Gửi câu hỏi")  # a question waiting for staff needs the chat too
    [refusal] = sends(await story.say("/xoadulieu"))
    assert refusal.params["text"] == texts.ERASE_REFUSED_HANDOFF
    [note] = sends(await story.deliver(), -1009999)
    await story.press(note, h.BTN_CLAIM, TRUONG)
    story.clock.advance(hours=3)
    assert (await story.data.handoff.sweep())[1] == 1  # idle: the conversation closes

    [ask] = sends(await story.say("/xoadulieu"))
    assert ask.params["text"] == texts.ERASE_CONFIRM
    [kept] = sends(await story.press(ask, texts.BTN_KEEP))
    assert kept.params["text"] == texts.ERASE_KEPT and story.case(code).full_name == NAME
    # Another citizen with the button (forwarded to them) erases nothing.
    forwarded = sent_message(ask) | {"chat": builders.private_chat(STRANGER)}
    yes = next(d for lbl, d in buttons(ask) if lbl == texts.BTN_ERASE)
    calls = await story.feed(builders.press(yes, forwarded, STRANGER))
    assert not sends(calls) and story.case(code).phone == PHONE

    events = story.events(code)
    [done] = sends(await story.press(ask, texts.BTN_ERASE))
    assert done.params["text"] == texts.ERASE_DONE
    case = story.case(code)
    assert (case.full_name, case.phone, case.description, case.citizen_chat_id) == (
        None,
        None,
        "",
        0,
    )
    assert (case.type, case.category, case.status) == ("khieu-nai", "quyet-dinh", "resolved")
    assert story.events(code) == events  # the audit trail stays
    with Session(story.engine()) as s:
        [handoff] = s.exec(select(HandoffCase))
    assert (handoff.status, handoff.question, handoff.citizen_chat_id) == ("closed", "", 0)
    assert not [m for m in _outbox(story) if NAME in m.text or STORY[:20] in m.text]
    [mine] = sends(await story.say("/tracuu"))
    assert mine.params["text"] == t.MY_CASES_EMPTY
    [group] = sends(await story.feed(builders.message("/xoadulieu", chat=builders.group_chat())))
    assert group.params["text"] == texts.ERASE_PRIVATE_ONLY


async def test_purge_blanks_cases_closed_beyond_retention_and_keeps_open_ones(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys
):
    clock = FakeClock(LONG_AGO)
    async for story in running(tmp_path, database_url, clock):
        closed = await file_khieu_nai(story)
        await resolve(story, closed)
        clock.advance(days=2)
        still_open = await file_phan_anh(story)
        assert (await story.data.privacy.purge()).cases == 0  # within the year: nothing goes
        events = story.events(closed)
    monkeypatch.setenv("DATABASE_URL", database_url)
    # The command, as cron would run it (its own event loop: off this test's loop).
    assert await asyncio.to_thread(main, ["purge", "--days", "365"]) == 0  # two years later
    assert "1 phản ánh" in capsys.readouterr().out
    async for story in running(tmp_path, database_url, clock):
        case = story.case(closed)
        assert (case.full_name, case.phone, case.description) == (None, None, "")
        assert (case.assigned_official_id, case.received_at is not None) == ("truong-phong", True)
        assert story.events(closed) == events
        assert story.case(still_open).description.startswith("Đường trước nhà")
        with Session(story.engine()) as s:
            sent = s.exec(select(OutboxMessage).where(OutboxMessage.complaint_id == case.id))
            assert all(m.text == "" for m in sent)
            assert s.exec(select(CaseEvent).where(CaseEvent.complaint_id == case.id)).first()
    assert await asyncio.to_thread(main, ["purge", "--days", "365"]) == 0
    assert "0 phản ánh" in capsys.readouterr().out  # nothing twice


def _outbox(story: Story) -> list[OutboxMessage]:
    with Session(story.engine()) as s:
        return list(s.exec(select(OutboxMessage)))
