"""Citizens asking when and where leaders receive them, through the real Application on the
shipped knowledge, with the clock on Monday 07/12/2026 (Vietnam time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot import reception_texts as r
from bot.app import build_application
from bot.local_api import LocalBotApi
from bot.settings import Settings
from tests.clock import FakeClock
from tests.conftest import buttons
from tests.html_check import assert_telegram_html
from tests.integration.test_complaints import Story, sends


@pytest.fixture
async def story(settings: Settings) -> AsyncIterator[Story]:
    clock = FakeClock()
    api = LocalBotApi()
    app = build_application(settings, request=api, clock=clock, rate_limit=False)
    async with app:
        yield Story(app, api, clock)


async def ask(story: Story, text: str) -> str:
    [reply] = sends(await story.say(text))
    assert_telegram_html(reply.params["text"])
    return str(reply.params["text"])


@pytest.mark.parametrize(
    "text",
    [
        "lịch tiếp dân",
        "lich tiep dan",
        "tiếp công dân",
        "gặp chủ tịch",
        "gap chu tich xa",
        "chủ tịch tỉnh tiếp dân ngày nào",
        "khi nào chủ tịch xã tiếp dân vậy ạ",
    ],
)
async def test_the_ways_citizens_ask_get_the_schedule_with_concrete_dates(story: Story, text):
    answer = await ask(story, text)
    assert answer.startswith("🗓 <b>Lịch tiếp công dân</b> — tỉnh Đồng Tháp")
    # Monday 07/12/2026: the province's monthly session is the third Thursday (17/12), the
    # Friday meeting in a hamlet is this Friday (11/12).
    assert "thứ Năm, <b>17/12/2026</b>" in answer and "thứ Sáu, <b>11/12/2026</b>" in answer
    assert "Điều 15" in answer and r.ASK_COMMUNE in answer
    assert "chưa được xác nhận" in answer  # the days and places are not verified


async def test_the_commune_typed_next_gives_its_chairmans_dates_and_office(story: Story):
    await ask(story, "lịch tiếp dân")
    answer = await ask(story, "em ở xã Tháp Mười ạ")
    assert answer.startswith("🗓 <b>Lịch tiếp công dân</b> — Xã Tháp Mười")
    assert "Chủ tịch UBND xã, phường" in answer
    assert "thứ Năm, <b>10/12/2026</b>" in answer and "buổi sau: thứ Năm 17/12/2026" in answer
    assert "Trụ sở UBND Xã Tháp Mười" in answer and r.ASK_COMMUNE not in answer


@pytest.mark.parametrize(
    ("text", "commune"),
    [
        ("gặp chủ tịch phường Cao Lãnh", "Phường Cao Lãnh"),
        ("lich tiep dan xa Lap Vo", "Xã Lấp Vò"),
        ("chủ tịch xã Tháp Mười tiếp dân ngày nào", "Xã Tháp Mười"),
    ],
)
async def test_a_first_message_naming_the_commune_gets_its_schedule(
    story: Story, text: str, commune: str
):
    answer = await ask(story, text)
    assert answer.startswith(f"🗓 <b>Lịch tiếp công dân</b> — {commune}")
    assert f"Trụ sở UBND {commune}" in answer


async def test_a_former_commune_name_is_answered_for_the_commune_it_merged_into(story: Story):
    answer = await ask(story, "lịch tiếp dân Tân Hiệp")
    assert answer.startswith(
        "🗓 <b>Lịch tiếp công dân</b> — Xã Châu Thành (nơi Thị trấn Tân Hiệp cũ đã nhập vào)"
    )
    assert "Trụ sở UBND Xã Châu Thành" in answer


async def test_a_commune_named_in_the_question_is_used_and_an_ambiguous_one_offers_buttons(
    story: Story,
):
    answer = await ask(story, "lịch tiếp dân xã Tháp Mười")
    assert "Trụ sở UBND Xã Tháp Mười" in answer
    [reply] = sends(await story.say("gap chu tich xa My Tho"))  # Xã Mỹ Thọ or Phường Mỹ Tho?
    labels = [label for label, _ in buttons(reply)]
    assert {"Xã Mỹ Thọ", "Phường Mỹ Tho"} <= set(labels) and r.BTN_PROCEDURE in labels
    calls = await story.press(reply, "Phường Mỹ Tho")
    [shown] = [c for c in calls if c.method == "editMessageText"]
    assert "Trụ sở UBND Phường Mỹ Tho" in shown.params["text"]
    assert any(c.method == "answerCallbackQuery" for c in calls)


async def test_dates_follow_the_clock_a_session_over_today_is_not_offered(story: Story):
    story.clock.current = datetime(2026, 12, 10, 5, 0, tzinfo=UTC)  # Thursday, 12:00 in Vietnam
    answer = await ask(story, "lịch tiếp dân xã Tháp Mười")
    assert "thứ Năm, <b>17/12/2026</b>" in answer and "10/12/2026" not in answer


async def test_other_questions_about_the_procedure_and_lone_commune_names_are_not_schedules(
    story: Story,
):
    other = await ask(story, "Tháp Mười")  # nobody asked about the schedule just before
    assert "Lịch tiếp công dân" not in other
    card = await ask(story, "tiếp công dân cần giấy tờ gì")
    assert "Hồ sơ" in card and "Lịch tiếp công dân" not in card
    await ask(story, "lịch tiếp dân")
    report = await ask(story, "đèn Tháp Mười hư rồi")  # a report, though it names one
    assert "Lịch tiếp công dân" not in report
    await ask(story, "lịch tiếp dân")
    passport = await ask(story, "làm hộ chiếu ở đâu")
    assert "hộ chiếu" in passport.lower() and "Lịch tiếp công dân" not in passport


async def test_the_procedure_button_shows_the_card(story: Story):
    [reply] = sends(await story.say("lịch tiếp dân"))
    calls = await story.press(reply, r.BTN_PROCEDURE)
    [card] = [c for c in calls if c.method == "editMessageText"]
    assert "<b>Tiếp công dân</b>" in card.params["text"] and "Nơi nộp" in card.params["text"]
