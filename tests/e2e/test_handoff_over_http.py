"""The "ask a person" handoff over HTTP: the real Application polls a loopback Bot API fake.

A citizen whose question the bot cannot answer hands it to the operators' group; two staff
members claim it at the same moment (one wins), the winner answers through a ForceReply prompt,
the citizen's follow-ups reach the winner alone until the citizen closes the conversation. Then
out of hours the citizen is told when a person will answer, an answer to a citizen who blocked
the bot is reported to the group, and a question nobody claims is recalled to the group once.
Two shorter stories: "🙋 Gặp cán bộ" out of hours also says when a person will answer, and a
question left unclaimed across a long gap is recalled once, not once per missed period.

Every actor is a separate Telegram user talking through the fake (getUpdates, sendMessage,
answerCallbackQuery…); the outbox and the sweep run as the bot's own repeating jobs: the test only
moves the clock the bot was built with.

Knowledge: tests/data/kb_min (staff truong-phong 9002 and can-bo 9003; chu-tich 9001 is an
official but not staff; operators' group -1009999; hours Mon–Fri 07:30–11:30 and 13:00–17:00,
Sat 07:30–11:30; remind after 15 minutes; two procedures, khai-sinh and khai-tu).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest

from bot import handoff_texts as h
from bot import texts
from bot.handoff import HandoffDesk
from tests.clock import FakeClock
from tests.e2e.running import (
    RunCounter,
    labels,
    markup_sent_with,
    outbox_settled,
    press,
    running_bot,
    say,
)
from tests.fakes import ApiCall, FakeBotApi, FakeUser, parse_html

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "kb_min"
TOKEN = "123456789:E2E-handoff"
OPERATORS = -1009999
# kb_min knows only khai-sinh and khai-tu: this gets the no-answer reply with the forward button.
BIRDS = "cho hỏi quy định nuôi chim yến trong khu dân cư ra sao"
# Staff text with HTML-special characters: the fake rejects unescaped HTML as Telegram does.
ANSWER = "Nhà yến phải cách khu dân cư > 300 m & cần giấy phép của xã <UBND xã>."
# A procedure question: with a person in the conversation it goes to them, not to the bot.
FOLLOW_UP = "Vậy đăng ký khai sinh cho con cần giấy tờ gì?"
STAFF = {9002: ("Trần Thị Phòng", "Trưởng phòng"), 9003: ("Lê Văn Bộ", "Chuyên viên")}
STAFF_IDS = {9002: "truong-phong", 9003: "can-bo"}
FRIDAY_EVENING = datetime(2026, 12, 11, 11, 0, tzinfo=UTC)  # Friday 11/12/2026 18:00 in Vietnam
HANDOFF_ID = re.compile(r"Câu hỏi #(\d+) cần cán bộ trả lời")

Message = dict[str, Any]


def plain(html_text: str) -> str:
    """What a Telegram client shows for HTML the bot sends (tags gone, entities decoded)."""
    return parse_html(html_text)[0]


def text_is(expected: str) -> Callable[[Message], bool]:
    return lambda m: m.get("text") == expected


async def in_group(fake: FakeBotApi, expected: str, timeout: float = 5.0) -> Message:
    """The one message with exactly this (plain) text the bot sends to the operators' group."""
    [message] = await fake.wait_for(OPERATORS, predicate=text_is(expected), timeout=timeout)
    return message


def understood_in(new: Message) -> str:
    """The "Bot hiểu: …" line of the group's note, without its label."""
    last = new["text"].rsplit("\n", 1)[-1]
    assert last.startswith("Bot hiểu: "), new["text"]
    return last.removeprefix("Bot hiểu: ")


async def ask_unanswerable(fake: FakeBotApi, citizen: FakeUser, question: str) -> Message:
    """The citizen asks what kb_min cannot answer and presses the forward button; returns the
    bot's confirmation."""
    [no_answer] = await say(fake, citizen, question)
    assert no_answer["text"] == plain(texts.NO_MATCH)
    assert labels(no_answer) == [texts.BUTTON_FORWARD]
    await press(fake, citizen, no_answer, texts.BUTTON_FORWARD, text=None)
    [opened] = await fake.wait_for(citizen)
    assert labels(opened) == [h.CITIZEN_CLOSE]
    return opened


async def announced(fake: FakeBotApi, name: str, question: str) -> tuple[int, Message]:
    """The group's "Câu hỏi #N cần cán bộ trả lời" about this question; (N, message)."""
    [new] = await fake.wait_for(
        OPERATORS,
        predicate=lambda m: (
            HANDOFF_ID.search(m.get("text", "")) is not None
            and f"Nội dung: {question}\n" in m["text"]
        ),
    )
    match = HANDOFF_ID.search(new["text"])
    assert match is not None
    handoff_id = int(match.group(1))
    assert new["text"].startswith(f"🙋 Câu hỏi #{handoff_id} cần cán bộ trả lời\n")
    assert f"\nNgười hỏi: {name}\n" in new["text"]
    assert labels(new) == [h.BTN_CLAIM]
    return handoff_id, new


async def claim_and_answer(
    fake: FakeBotApi, staff: FakeUser, new: Message, handoff_id: int, answer: str
) -> None:
    """An uncontested claim, then an answer through the ForceReply prompt, in the group."""
    await press(fake, staff, new, h.BTN_CLAIM, text=None)
    claimed = await in_group(fake, h.CLAIMED_YOU.format(id=handoff_id))
    name, _ = STAFF[staff.id]
    await in_group(fake, plain(h.CLAIMED.format(staff=escape(name), id=handoff_id)))
    await press(fake, staff, claimed, h.BTN_ANSWER, text=None)
    prompt = await in_group(fake, h.ASK_ANSWER.format(id=handoff_id))
    assert markup_sent_with(fake, prompt).get("force_reply") is True
    await fake.send_text(staff, answer, OPERATORS, reply_to=prompt)
    await in_group(fake, h.SENT.format(id=handoff_id))


@dataclass
class Cast:
    """The people on the other side of the fake: each a separate Telegram user."""

    citizen: FakeUser
    neighbour: FakeUser  # another citizen
    chu_tich: FakeUser  # 9001: an official, not staff
    staff_a: FakeUser  # 9002, truong-phong
    staff_b: FakeUser  # 9003, can-bo


def numbered(call: ApiCall) -> object:
    """Duplicate key: messages naming a question number ("#N") by chat and text; anything else
    (the no-answer reply, help texts…) may legitimately repeat, so it never groups."""
    return (call.chat_id, call.text) if "#" in (call.text or "") else call.seq


async def test_handoff_story_over_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    clock = FakeClock()  # Monday 07/12/2026 09:00 in Vietnam: working hours
    sweeps = RunCounter(monkeypatch, HandoffDesk, "sweep", timeout=5.0)
    async with FakeBotApi(token=TOKEN) as fake:
        cast = Cast(
            citizen=fake.user(5001, "Lan"),
            neighbour=fake.user(5002, "Hùng"),
            chu_tich=fake.user(9001, "Tỉnh"),
            staff_a=fake.user(9002, "Phòng"),
            staff_b=fake.user(9003, "Bộ"),
        )
        fake.group(OPERATORS, "Tổ điều hành", "supergroup")
        async with running_bot(fake, tmp_path, clock, TOKEN) as app:
            try:
                await play(fake, app, clock, sweeps, cast)
            except AssertionError as exc:
                doubled = fake.duplicates(numbered)
                if doubled:  # the first symptom of a double delivery is an unexpected message
                    shown = {k: len(v) for k, v in doubled.items()}
                    raise AssertionError(f"messages delivered twice: {shown}") from exc
                raise

        assert fake.duplicates(numbered) == {}
        assert all(texts.ERROR[:30] not in (c.text or "") for c in fake.sent)
        assert fake.redelivered_updates() == {}
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not problems, [r.getMessage() for r in problems]


async def play(
    fake: FakeBotApi, app: Any, clock: FakeClock, sweeps: RunCounter, cast: Cast
) -> None:
    """The story; every message goes through the fake over HTTP."""
    citizen, neighbour, chu_tich = cast.citizen, cast.neighbour, cast.chu_tich
    store = app.bot_data.handoff.store

    # 1. In working hours the citizen forwards a question the bot cannot answer.
    opened = await ask_unanswerable(fake, citizen, BIRDS)
    assert opened["text"] == plain(h.OPENED)
    assert "ngoài giờ" not in opened["text"]
    first, new = await announced(fake, "Lan", BIRDS)
    assert understood_in(new) == f"{h.NOTHING_UNDERSTOOD}; {h.BOT_ANSWERED['unanswered']}"

    # 2. Both staff members press "Tôi nhận" at once: exactly one wins.
    queries = await asyncio.gather(
        fake.press(cast.staff_a, new, button_text=h.BTN_CLAIM),
        fake.press(cast.staff_b, new, button_text=h.BTN_CLAIM),
    )
    answers = await asyncio.gather(*(fake.wait_for_callback_answer(q) for q in queries))
    pressed = list(zip((cast.staff_a, cast.staff_b), answers, strict=True))
    winners = [user for user, answer in pressed if not answer.get("text")]
    assert len(winners) == 1, answers
    [winner] = winners
    [(loser, refusal)] = [(user, answer) for user, answer in pressed if user is not winner]
    name, title = STAFF[winner.id]
    assert refusal.get("text") == h.TAKEN.format(staff=name), refusal
    assert refusal.get("show_alert") is True
    claimed = await in_group(fake, h.CLAIMED_YOU.format(id=first))
    assert claimed["reply_to_message"]["message_id"] == new["message_id"]
    assert labels(claimed) == [h.BTN_ANSWER]
    await in_group(fake, plain(h.CLAIMED.format(staff=escape(name), id=first)))
    case = await store.handoff(first)
    assert (case.status, case.claimed_by) == ("claimed", STAFF_IDS[winner.id])
    # An official who is not staff is refused; the loser cannot answer the winner's question.
    await press(fake, chu_tich, new, h.BTN_CLAIM, text=h.NOT_STAFF, show_alert=True)
    await press(fake, loser, claimed, h.BTN_ANSWER, text=h.NOT_CLAIMER.format(staff=name))
    assert await store.pending_input(loser.id) is None
    await fake.assert_no_message(OPERATORS, within=0.3)  # no second winner, no second claim
    claims = [m for m in fake.messages_to(OPERATORS) if f"đã nhận câu hỏi #{first}" in m["text"]]
    assert len(claims) == 2, claims  # "Anh/chị đã nhận…" and "✅ … đã nhận…"

    # 3. The winner answers through the ForceReply prompt, replying in the group.
    await press(fake, winner, claimed, h.BTN_ANSWER, text=None)
    prompt = await in_group(fake, h.ASK_ANSWER.format(id=first))
    assert markup_sent_with(fake, prompt).get("force_reply") is True
    await fake.send_text(winner, ANSWER, OPERATORS, reply_to=prompt)
    await in_group(fake, h.SENT.format(id=first))
    [relayed] = await fake.wait_for(citizen)
    assert relayed["text"] == f"👤 Trả lời của cán bộ {name} ({title}):\n\n{ANSWER}"
    assert labels(relayed) == [h.CITIZEN_DONE]

    # 4. A follow-up goes to the winner's own chat, not to the bot's answering, not the loser.
    [passed_on] = await say(fake, citizen, FOLLOW_UP)
    assert passed_on["text"] == h.ADDED
    [to_winner] = await fake.wait_for(winner)
    assert to_winner["text"] == plain(h.TO_STAFF.format(id=first, name="Lan", text=FOLLOW_UP))
    assert labels(to_winner) == [h.BTN_ANSWER, h.BTN_CLOSE]
    await fake.assert_no_message(citizen, within=0.3)  # no procedure card besides "passed on"
    await fake.assert_no_message(loser, within=0.01)
    await fake.assert_no_message(OPERATORS, within=0.01)

    # 5. /hangdoi: staff see the queue in the group; the citizen is not shown it.
    await fake.send_text(loser, "/hangdoi", OPERATORS)
    [queue] = await fake.wait_for(
        OPERATORS, predicate=lambda m: m["text"].startswith("Câu hỏi đang chờ cán bộ")
    )
    assert queue["text"] == plain(
        "\n".join(
            (
                h.QUEUE_TITLE,
                h.QUEUE_LINE.format(
                    id=first,
                    name="Lan",
                    waited=h.MINUTES.format(n=0),
                    status=h.QUEUE_CLAIMED.format(staff=name),
                ),
            )
        )
    )
    [not_queue] = await say(fake, citizen, "/hangdoi")
    assert not_queue["text"] == plain(texts.HELP)
    assert f"#{first}" not in not_queue["text"]
    await fake.assert_no_message(winner, within=0.3)  # a command is not a follow-up

    # 6. The citizen closes the conversation; the bot answers them itself again.
    await press(fake, citizen, relayed, h.CITIZEN_DONE, text=None)
    [closed] = await fake.wait_for(citizen)
    assert closed["text"] == h.CLOSED_BY_CITIZEN
    [told] = await fake.wait_for(winner)
    assert told["text"] == h.CLOSED.format(id=first)
    case = await store.handoff(first)
    assert (case.status, case.closed_by) == ("closed", "citizen")
    await press(fake, citizen, opened, h.CITIZEN_CLOSE, text=h.ALREADY_CLOSED.format(id=first))
    [card] = await say(fake, citizen, FOLLOW_UP)
    assert "Đăng ký khai sinh" in card["text"]
    assert texts.SECTION_LABELS["documents"] in " ".join(labels(card))
    await fake.assert_no_message(winner, within=0.3)
    await fake.assert_no_message(OPERATORS, within=0.01)

    # 7. Friday 18:00: the citizen asks for a person and is told when one will answer.
    await outbox_settled(store)
    clock.current = FRIDAY_EVENING
    [later] = await say(fake, citizen, "cho tôi gặp cán bộ")
    assert later["text"] == plain(h.OPENED_LATER.format(when="sáng mai, 7 giờ 30"))
    assert labels(later) == [h.CITIZEN_CLOSE]
    second, new2 = await announced(fake, "Lan", "cho tôi gặp cán bộ")
    assert second != first
    assert understood_in(new2).endswith(f"; {h.ASKED_FOR_PERSON}")

    # 8. The citizen blocks the bot; the staff member's answer is reported undeliverable.
    fake.fail_chat(citizen.id, 403)
    await claim_and_answer(fake, loser, new2, second, "Sáng mai cán bộ sẽ gọi lại ạ.")
    alert = await in_group(
        fake,
        plain(h.UNDELIVERABLE.format(id=second, reason="Forbidden: bot was blocked by the user")),
    )
    assert "⚠️" in alert["text"]
    to_citizen = [c for c in fake.calls if c.method == "sendMessage" and c.chat_id == citizen.id]
    assert "Sáng mai cán bộ sẽ gọi lại ạ." in (to_citizen[-1].text or "")
    assert not to_citizen[-1].ok

    # 9. A question nobody claims is recalled to the group once, 15 minutes on.
    opened3 = await ask_unanswerable(fake, neighbour, BIRDS)
    assert "sáng mai, 7 giờ 30" in opened3["text"]
    third, _ = await announced(fake, "Hùng", BIRDS)
    await outbox_settled(store)
    await sweeps.ticks(2)
    await fake.assert_no_message(OPERATORS, within=0.01)  # nothing before its time
    clock.advance(minutes=16)
    reminder = await in_group(
        fake, plain(h.REMINDER.format(id=third, name="Hùng", minutes=16)), timeout=5
    )
    assert labels(reminder) == [h.BTN_CLAIM]
    await sweeps.ticks(4)
    await fake.assert_no_message(OPERATORS, within=0.3)
    reminders = [m for m in fake.messages_to(OPERATORS) if m["text"].startswith("⏰")]
    assert len(reminders) == 1, reminders
    waiting = await store.handoff(third)
    assert (waiting.status, waiting.reminded) == ("waiting", 1)
    still = await store.handoff(second)
    assert still.status == "claimed"  # 16 minutes is not idle


async def test_menu_button_out_of_hours_tells_when(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Out of hours, "🙋 Gặp cán bộ" then a question: the citizen learns when a person will
    answer, as when they write "cho tôi gặp cán bộ"."""
    caplog.set_level(logging.WARNING)
    clock = FakeClock(FRIDAY_EVENING)
    async with FakeBotApi(token=TOKEN) as fake:
        citizen = fake.user(5003, "Mai")
        fake.group(OPERATORS, "Tổ điều hành", "supergroup")
        async with running_bot(fake, tmp_path, clock, TOKEN):
            [invited] = await say(fake, citizen, texts.MENU_HUMAN)
            handoff_id, _ = await announced(fake, "Mai", "(muốn gặp cán bộ)")
            [passed_on] = await say(fake, citizen, BIRDS)
            more = await in_group(fake, plain(h.MORE.format(id=handoff_id, name="Mai", text=BIRDS)))
            assert labels(more) == [h.BTN_CLAIM]
            told = (invited["text"], passed_on["text"])
            assert any("sáng mai, 7 giờ 30" in text for text in told), told
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not problems, [r.getMessage() for r in problems]


async def test_reminders_after_a_gap_are_not_a_burst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An unclaimed question is recalled once per sweep at most, even when more than one
    reminder period passed since the last sweep (the bot was down, the host slept)."""
    caplog.set_level(logging.WARNING)
    clock = FakeClock()  # Monday 09:00: working hours throughout
    sweeps = RunCounter(monkeypatch, HandoffDesk, "sweep", timeout=5.0)
    async with FakeBotApi(token=TOKEN) as fake:
        citizen = fake.user(5004, "Tâm")
        fake.group(OPERATORS, "Tổ điều hành", "supergroup")
        async with running_bot(fake, tmp_path, clock, TOKEN) as app:
            store = app.bot_data.handoff.store
            await ask_unanswerable(fake, citizen, BIRDS)
            handoff_id, _ = await announced(fake, "Tâm", BIRDS)
            await outbox_settled(store)
            clock.advance(minutes=16)
            await in_group(fake, plain(h.REMINDER.format(id=handoff_id, name="Tâm", minutes=16)))
            await outbox_settled(store)
            clock.advance(minutes=60)  # 76 minutes waited: four reminder periods, one sweep
            await sweeps.ticks(5)
            await outbox_settled(store)
            reminders = [m["text"] for m in fake.messages_to(OPERATORS) if "⏰" in m["text"]]
            after_gap = [text for text in reminders if "đã chờ 76 phút" in text]
            assert len(after_gap) == 1, reminders
            assert fake.duplicates(numbered) == {}
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not problems, [r.getMessage() for r in problems]
