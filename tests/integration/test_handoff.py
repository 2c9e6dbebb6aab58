"""Asking a person, through the real Application with a controlled clock (kb_min: staff
truong-phong 9002 and can-bo 9003; chu-tich 9001 is not staff; group -1009999)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot import handoff_texts as h
from bot.app import build_application
from bot.local_api import LocalBotApi
from bot.storage.handoff_models import HandoffCase
from tests import builders
from tests.clock import FakeClock
from tests.conftest import buttons, sent_message
from tests.integration.test_complaints import (
    CAN_BO,
    CHU_TICH,
    CITIZEN,
    TRUONG,
    Story,
    last_with_buttons,
    mini_settings,
    sends,
)

GROUP = -1009999
UNANSWERABLE = "cho hỏi quy định nuôi chim yến trong khu dân cư ra sao"


@pytest.fixture
async def story(tmp_path: Path) -> AsyncIterator[Story]:
    clock = FakeClock()  # Monday 07/12/2026, 09:00 in Vietnam: office hours
    api = LocalBotApi()
    app = build_application(mini_settings(tmp_path), request=api, clock=clock, rate_limit=False)
    async with app:
        yield Story(app, api, clock)


def cases(story: Story) -> list[HandoffCase]:
    with Session(story.engine()) as s:
        return list(s.exec(select(HandoffCase)))


async def hand_over(story: Story) -> Story:
    [reply] = sends(await story.say(UNANSWERABLE))
    calls = await story.press(reply, "Gửi câu hỏi")
    assert sends(calls)[-1].params["text"] == h.OPENED
    return story


async def test_the_question_reaches_the_group_with_what_the_bot_understood(story: Story):
    await hand_over(story)
    [note] = sends(await story.deliver(), GROUP)
    text = note.params["text"]
    assert "nuôi chim yến" in text and "Lan" in text and "Bot hiểu" in text
    assert h.BOT_ANSWERED["unanswered"] in text  # and what it had answered
    assert [label for label, _ in buttons(note)] == [h.BTN_CLAIM]


async def test_two_staff_claim_at_once_and_one_wins(story: Story):
    await hand_over(story)
    [note] = sends(await story.deliver(), GROUP)
    claim = buttons(note)[0][1]
    results = await asyncio.gather(
        story.feed(builders.press(claim, sent_message(note), TRUONG)),
        story.feed(builders.press(claim, sent_message(note), CAN_BO)),
    )
    [case] = cases(story)
    assert case.status == "claimed" and case.claimed_by in ("truong-phong", "can-bo")
    alerts = [
        c.params.get("text", "")
        for calls in results
        for c in calls
        if c.method == "answerCallbackQuery" and c.params.get("show_alert")
    ]
    assert len(alerts) == 1 and alerts[0].startswith("Câu hỏi này đã có người nhận")
    outsider = await story.feed(builders.press(claim, sent_message(note), CHU_TICH))
    [refusal] = [c for c in outsider if c.method == "answerCallbackQuery"]
    assert refusal.params["text"] == h.NOT_STAFF


async def test_the_answer_reaches_the_citizen_and_follow_ups_reach_the_same_staff(story: Story):
    await hand_over(story)
    [note] = sends(await story.deliver(), GROUP)
    calls = await story.press(note, h.BTN_CLAIM, TRUONG)
    calls = await story.press(last_with_buttons(calls), h.BTN_ANSWER, TRUONG)
    assert sends(calls)[-1].params["reply_markup"]["force_reply"] is True
    await story.say("Nuôi chim yến cần <giấy phép> của UBND xã & cách nhà dân 300m.", TRUONG)
    [answer] = sends(await story.deliver(), CITIZEN["id"])
    assert "Trần Thị Phòng (Trưởng phòng)" in answer.params["text"]
    assert "&lt;giấy phép&gt;" in answer.params["text"] and "&amp; cách" in answer.params["text"]
    [case] = cases(story)
    assert (
        case.answers[0]["text"].startswith("Nuôi chim yến")
        and case.answers[0]["by"] == "truong-phong"
    )

    calls = await story.say("Vậy em nộp đơn ở đâu ạ?")  # a follow-up, not a new question
    assert sends(calls)[-1].params["text"] == h.ADDED
    delivered = await story.deliver()
    [to_staff] = sends(delivered, TRUONG["id"])
    assert "nộp đơn ở đâu" in to_staff.params["text"] and not sends(delivered, CAN_BO["id"])

    calls = await story.press(answer, "Đã rõ")  # the citizen closes
    assert sends(calls)[-1].params["text"] == h.CLOSED_BY_CITIZEN
    calls = await story.say("làm giấy khai sinh cần gì")  # the bot answers again
    assert "khai sinh" in sends(calls)[-1].params["text"].lower()


async def test_out_of_hours_the_citizen_is_told_when(story: Story):
    story.clock.current = datetime(2026, 12, 11, 11, 0, tzinfo=UTC)  # Friday 18:00 in Vietnam
    calls = await story.say("cho tôi gặp cán bộ")
    assert "sáng mai, 7 giờ 30" in sends(calls)[-1].params["text"]


async def test_an_undeliverable_answer_is_reported_to_the_group(story: Story):
    await hand_over(story)
    [note] = sends(await story.deliver(), GROUP)
    calls = await story.press(note, h.BTN_CLAIM, CAN_BO)
    await story.press(last_with_buttons(calls), h.BTN_ANSWER, CAN_BO)
    story.api.blocked.add(CITIZEN["id"])
    await story.say("Anh/chị liên hệ UBND xã nhé.", CAN_BO)
    await story.deliver()
    [report] = sends(await story.deliver(), GROUP)[-1:]
    assert report.params["text"].startswith("⚠️ Không gửi được câu trả lời")


async def test_the_queue_and_the_reminder(story: Story):
    await hand_over(story)
    await story.deliver()
    [queue] = sends(await story.say("/hangdoi", CAN_BO))
    assert "#1" in queue.params["text"] and h.QUEUE_WAITING in queue.params["text"]
    [not_staff] = sends(await story.say("/hangdoi", CHU_TICH))
    assert "#1" not in not_staff.params["text"]
    story.clock.advance(minutes=16)
    for _ in range(3):  # several sweeps, one reminder
        await story.data.handoff.sweep()
    reminders = [c for c in sends(await story.deliver(), GROUP) if "⏰" in c.params["text"]]
    assert len(reminders) == 1 and "#1" in reminders[0].params["text"]


async def test_an_idle_conversation_closes(story: Story):
    await hand_over(story)
    [note] = sends(await story.deliver(), GROUP)
    await story.press(note, h.BTN_CLAIM, TRUONG)
    story.clock.advance(minutes=61)
    assert await story.data.handoff.sweep() == (0, 1)
    delivered = await story.deliver()
    assert sends(delivered, CITIZEN["id"])[0].params["text"] == h.CLOSED_IDLE
    assert cases(story)[0].status == "closed"


async def test_asking_for_a_person_twice_keeps_one_conversation(story: Story):
    from bot import texts

    await story.say(texts.MENU_HUMAN)
    await story.say(texts.MENU_HUMAN)
    assert len(cases(story)) == 1
    await story.say("cho hỏi về đất ruộng bị sạt lở")
    assert cases(story)[0].question == "cho hỏi về đất ruộng bị sạt lở"
    story.clock.advance(minutes=61)  # it has a question now: it waits for staff, not closed
    await story.data.handoff.sweep()
    assert cases(story)[0].status == "waiting"


async def test_asking_for_a_person_and_writing_nothing_closes_after_a_while(story: Story):
    from bot import texts

    await story.say(texts.MENU_HUMAN)
    story.clock.advance(minutes=61)
    await story.data.handoff.sweep()
    assert cases(story)[0].status == "closed"
