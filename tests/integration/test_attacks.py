"""Hostile input through the real Application: forged, altered and forwarded buttons, authority
lost between a press and the text, formatting and Unicode tricks, oversized input.

Each attack is refused politely and leaves the cases, the audit trail and the outbox as they
were (kb_min: chu-tich 9001 > truong-phong 9002 > can-bo 9003).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot import complaint_texts as t
from bot import texts
from bot.app import build_application
from bot.button_seal import MARK
from bot.local_api import LocalBotApi
from bot.storage.complaint_models import OutboxMessage
from tests import builders
from tests.clock import FakeClock
from tests.conftest import buttons, sent_message
from tests.html_check import assert_telegram_html
from tests.integration.test_complaints import (
    CHU_TICH,
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


@pytest.fixture
async def story(tmp_path: Path) -> AsyncIterator[Story]:
    api, clock = LocalBotApi(), FakeClock()
    app = build_application(mini_settings(tmp_path), request=api, clock=clock, rate_limit=False)
    async with app:
        yield Story(app, api, clock)


GROUP = builders.group_chat(-100424242, "Nhóm bàn tán")
HIDDEN = (
    "\u202e\u202d\u2066\u200b\u200d\ufeff\u00ad\x07\x1b"  # bidi overrides, zero-width, controls
)


def answers(calls: list) -> list[dict]:
    return [c.params for c in calls if c.method == "answerCallbackQuery"]


def data_of(call, label: str) -> str:
    return next(d for lbl, d in buttons(call) if label in lbl)


def _outbox(story: Story) -> list[OutboxMessage]:
    with Session(story.engine()) as s:
        return list(s.exec(select(OutboxMessage)))


async def refused(story: Story, data: str, sent: dict, user: dict) -> None:
    """Press, and check the press is answered with a polite refusal and nothing is queued."""
    before = len(_outbox(story))
    calls = await story.feed(builders.press(data, sent, user))
    [answer] = answers(calls)
    assert answer.get("text") in (texts.BUTTON_REFUSED, t.REFUSED), answer
    assert not sends(calls), "a refused press posts nothing in the chat"
    assert len(_outbox(story)) == before


async def test_a_button_altered_to_point_at_another_case_is_refused(story: Story):
    mine = await file_phan_anh(story)
    theirs = await file_phan_anh(story_as(story, STRANGER))
    [note, _] = sends(await story.deliver(), TRUONG["id"])
    assert mine in note.params["text"]
    ack = data_of(note, t.BTN_ACK)
    for forged in (
        ack.replace(mine, theirs),  # the seal of case A on the data of case B
        f"o|ack|{theirs}",  # typed by hand, no seal
        f"o|ack|{theirs}{MARK}AAAAAAAAAA",  # a made-up seal
        ack[:-1] + ("B" if ack[-1] != "B" else "C"),  # one character of the seal changed
        "o",
        "",
        "x" * 65,
    ):
        await refused(story, forged, sent_message(note), TRUONG)
    assert story.case(theirs).status == "received" and story.events(theirs) == ["filed"]
    await story.feed(builders.press(ack, sent_message(note), TRUONG))  # the real button works
    assert story.case(mine).status == "acknowledged"


def story_as(story: Story, user: dict) -> Story:
    """The same story, with `say`/`feed` of the filing helper coming from another citizen."""

    class As(Story):
        async def say(self, text: str, who: dict = user) -> list:
            return await super().say(text, who)

        async def feed(self, update: dict) -> list:
            _retarget(update, user)
            return await super().feed(update)

    return As(story.app, story.api, story.clock)


def _retarget(update: dict, user: dict) -> None:
    for kind in ("message", "callback_query"):
        if kind in update:
            update[kind]["from"] = user
    if "message" in update:
        update["message"]["chat"] = builders.private_chat(user)


async def test_an_officials_button_forwarded_elsewhere_does_nothing(story: Story):
    code = await file_phan_anh(story)
    [note, *_] = sends(await story.deliver(), TRUONG["id"])
    ack, resolve = data_of(note, t.BTN_ACK), data_of(note, t.BTN_RESOLVE)
    in_citizen_chat = sent_message(note) | {"chat": builders.private_chat(CITIZEN)}
    in_group = sent_message(note) | {"chat": GROUP}
    for data in (ack, resolve):
        await refused(story, data, in_citizen_chat, CITIZEN)  # forwarded to a citizen
        await refused(story, data, in_group, TRUONG)  # forwarded by the official to a group
        await refused(story, data, sent_message(note), STRANGER)  # the official's chat, not him
    assert story.case(code).status == "received" and story.events(code) == ["filed"]


async def test_authority_is_checked_again_when_the_official_types(story: Story):
    """Truong-phong asks to answer; before she types, the chairman takes the case to himself:
    her answer no longer reaches the citizen."""
    code = await file_phan_anh(story)  # assigned to truong-phong
    [note, *_] = sends(await story.deliver(), TRUONG["id"])
    await story.press(note, t.BTN_ANSWER, TRUONG)
    calls = await story.press(note, t.BTN_TRANSFER, CHU_TICH)  # above her: may act
    await story.press(last_with_buttons(calls), "Nguyễn Văn Tỉnh", CHU_TICH)
    await story.say("Tôi trực tiếp xử lý.", CHU_TICH)
    assert story.case(code).assigned_official_id == "chu-tich"
    await story.deliver()
    calls = await story.say("Dạ em trả lời: đã vá xong.", TRUONG)
    assert sends(calls)[-1].params["text"] == t.REFUSED
    assert "answered" not in story.events(code)
    assert not [m for m in _outbox(story) if "đã vá xong" in m.text]


async def test_citizen_text_reaches_officials_escaped_and_without_hidden_characters(story: Story):
    [prompt] = sends(await story.say("/phananh"))
    calls = await story.press(prompt, "Khiếu nại")
    calls = await story.press(last_with_buttons(calls), "Quyết định")
    await story.say("Tân Hiệp")
    description = f'Quyết định <b>số 12</b> <a href="https://lừa.vn">bấm</a>{HIDDEN} sai & vô lý'
    calls = await story.say(description)
    calls = await story.press(last_with_buttons(calls), "Bỏ qua")
    await story.say(f"Trần{HIDDEN} Văn <i>Nam</i>")
    calls = await story.say("0907 123 456")
    [filed] = sends(await story.press(last_with_buttons(calls), "Gửi"))
    code = code_in(filed.params["text"])
    [note] = sends(await story.deliver(), TRUONG["id"])
    text = note.params["text"]
    assert "&lt;b&gt;số 12&lt;/b&gt;" in text and "&lt;a href=" in text and "&amp; vô lý" in text
    assert "Trần Văn &lt;i&gt;Nam&lt;/i&gt;" in text
    assert not set(HIDDEN) & set(text), "hidden characters reached the official"
    assert_telegram_html(text)
    assert story.case(code).full_name == "Trần Văn <i>Nam</i>"


async def test_a_staff_member_sees_a_citizens_name_without_hidden_characters(story: Story):
    tricky = {**CITIZEN, "first_name": f"Lan\u202e<b>{HIDDEN}nimdA"}
    await story.feed(builders.message("gặp cán bộ", tricky))
    await story.say("Cho hỏi thủ tục nuôi chim yến ạ.", tricky)
    group = [c for c in await story.deliver() if int(c.params["chat_id"]) == -1009999]
    assert group
    for call in group:
        text = call.params["text"]
        assert not set(HIDDEN) & set(text) and "&lt;b&gt;" in text
        assert_telegram_html(text)


async def test_tracking_codes_refuse_look_alike_characters(story: Story):
    code = await file_phan_anh(story)
    for ambiguous in ("0", "O", "1", "I", "L", "5", "S", "8", "B"):
        typed = code[:3] + ambiguous + code[4:]
        [reply] = sends(await story.say(f"/tracuu {typed}"))
        assert reply.params["text"] == t.TRACK_MALFORMED, typed
    [found] = sends(await story.say(f"/tracuu {code.lower()}"))
    assert code in found.params["text"] and "ổ gà" in found.params["text"]


async def test_oversized_input_is_refused_with_a_clear_message(story: Story):
    [prompt] = sends(await story.say("/phananh"))
    calls = await story.press(prompt, "Phản ánh")
    calls = await story.press(last_with_buttons(calls), "Đường sá")
    await story.say("Tân Hiệp")
    [too_long] = sends(await story.say("Đường hư. " * 400))  # 4,000 characters
    assert too_long.params["text"].startswith(t.DESCRIPTION_TOO_LONG.split("{")[0])
    draft = await story.data.flow.active(CITIZEN["id"])
    assert draft.step == "description" and draft.description is None
    await story.say("Đường trước nhà số 12 bị ổ gà lớn.")
    for _ in range(5):
        await story.feed(builders.photo())
    [sixth] = sends(await story.feed(builders.photo()))
    assert sixth.params["text"] == t.PHOTO_LIMIT.format(max_photos=5)
    assert len((await story.data.flow.active(CITIZEN["id"])).photos) == 5


async def test_a_long_question_is_read_in_part_and_said_so(story: Story):
    calls = await story.say("làm giấy khai sinh cho con cần gì " * 60)  # ~2,000 characters
    assert re.search(
        r"tin nhắn hơi dài \(\d+ ký tự\), em chỉ đọc 1000", sends(calls)[0].params["text"]
    )


async def test_a_queue_longer_than_one_message_comes_in_clean_parts(story: Story):
    """/hangdoi with 70 waiting citizens: several messages, each within 4096 characters and
    valid HTML, every citizen listed once."""
    for n in range(70):
        citizen = {"id": 7000 + n, "is_bot": False, "first_name": f"Người<{n}>" + "x" * 60}
        await story.feed(builders.message(texts.MENU_HUMAN, citizen))
    parts = sends(await story.say("/hangdoi", TRUONG))
    assert len(parts) >= 2
    joined = "\n".join(p.params["text"] for p in parts)
    for part in parts:
        assert_telegram_html(part.params["text"])
    assert all(joined.count(f"Người&lt;{n}&gt;") == 1 for n in range(70))


async def test_an_overlong_name_of_the_accused_is_refused_with_a_clear_message(story: Story):
    [prompt] = sends(await story.say("/phananh"))
    calls = await story.press(prompt, "Tố cáo")
    calls = await story.press(last_with_buttons(calls), "Cán bộ")
    calls = await story.press(last_with_buttons(calls), "Bỏ qua")
    calls = await story.say("Cán bộ tiếp nhận đòi 2 triệu mới nhận hồ sơ của tôi.")
    await story.press(last_with_buttons(calls), "Bỏ qua")
    await story.say("Nguyễn Thị Lan")
    await story.say("0912345678")
    [refusal] = sends(await story.say("ông Bộ " * 60))  # 420 characters
    assert refusal.params["text"] == t.ACCUSED_TOO_LONG.format(limit=300, length=419)
    draft = await story.data.flow.active(CITIZEN["id"])
    assert draft.step == "accused" and draft.accused is None


async def test_a_group_never_sees_a_citizens_cases(story: Story):
    code = await file_phan_anh(story)
    in_group = builders.message(texts.MENU_TRACK, CITIZEN, chat=GROUP)
    [listing] = sends(await story.feed(in_group))
    assert code not in listing.params["text"] and listing.params["text"] == t.MY_CASES_EMPTY
    [status] = sends(await story.feed(builders.message(f"/tracuu {code}", CITIZEN, chat=GROUP)))
    assert code in status.params["text"] and "ổ gà" not in status.params["text"]


async def test_the_staff_queue_is_never_listed_in_an_outside_group(story: Story):
    """/hangdoi names the citizens waiting: a staff member typing it in some other group gets
    the help text; in the staff's own group it lists them."""
    await story.feed(builders.message(texts.MENU_HUMAN, {**CITIZEN, "first_name": "Thơm"}))
    [outside] = sends(await story.feed(builders.message("/hangdoi", TRUONG, chat=GROUP)))
    assert "Thơm" not in outside.params["text"] and outside.params["text"] == texts.HELP
    staff_group = builders.group_chat(-1009999, "Cán bộ")
    [inside] = sends(await story.feed(builders.message("/hangdoi", TRUONG, chat=staff_group)))
    assert "Thơm" in inside.params["text"]
