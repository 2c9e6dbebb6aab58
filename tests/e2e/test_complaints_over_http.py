"""The complaint story over HTTP: the real Application polls a loopback Bot API fake.

The over-HTTP twin of tests/integration/test_complaints.py. Nothing is fed to the bot in
process: a citizen, two officials, their supervisor and a second citizen, each a separate
Telegram user, talk to it through the fake (getUpdates, sendMessage, answerCallbackQuery…); the
outbox is delivered by the bot's own repeating job (and right after each change) and deadlines
are swept by its own repeating job: the test only moves the clock the bot was built with.

Knowledge: tests/data/kb_min (officials chu-tich 9001 > truong-phong 9002 > can-bo 9003;
ha-tang in phuong-my-tho goes to truong-phong, elsewhere to can-bo; operators -1009999).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import bot.app as bot_app
from bot import complaint_texts as t
from bot import texts
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
from tests.fakes import ApiCall, FakeBotApi, FakeUser

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "kb_min"
TOKEN = "123456789:E2E-complaints"
OPERATORS = -1009999
CODE = re.compile(r"(PA|KN|TC)-[A-Z0-9]{5}-[A-Z0-9]{5}")
# Citizens' text with HTML-special characters: the fake rejects unescaped HTML as Telegram does.
ROAD = "Đường trước nhà số 12 <ấp 3> bị ổ gà lớn & ngập, xe máy té liên tục."
LAMP = "Đèn đường ở ấp 5 hư cả tháng nay, tối đi rất nguy hiểm."

Message = dict[str, Any]


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match, text
    return match.group(0)


def about(code: str, *words: str) -> Callable[[Message], bool]:
    """A predicate: a message about case `code` containing every one of `words`."""
    return lambda m: code in m.get("text", "") and all(w in m["text"] for w in words)


def check(message: Message, code: str, *words: str) -> None:
    """Assert that a message is about case `code` and contains every one of `words`."""
    text = message.get("text", "")
    missing = [w for w in (code, *words) if w not in text]
    assert not missing, f"missing {missing} in {text!r}"


async def press_and_read(
    fake: FakeBotApi, user: FakeUser, message: Message, label: str, count: int = 1
) -> list[Message]:
    """A press that is accepted (no alert) and answered with `count` messages to the user."""
    answer = await press(fake, user, message, label)
    assert not answer.get("text"), (label, answer)
    return await fake.wait_for(user, count=count)


async def file_road_report(
    fake: FakeBotApi, citizen: FakeUser, description: str, *, attachments: bool
) -> tuple[str, Message, str | None]:
    """The citizen files an anonymous phản ánh about a road in Mỹ Tho, through the buttons."""
    summary, photo_id = await draft_road_report(fake, citizen, description, attachments=attachments)
    [filed] = await press_and_read(fake, citizen, summary, t.SEND)
    return code_in(filed["text"]), filed, photo_id


async def draft_road_report(
    fake: FakeBotApi, citizen: FakeUser, description: str, *, attachments: bool
) -> tuple[Message, str | None]:
    """The same filing up to its summary, whose "Gửi" button is not pressed yet."""
    [ask_type] = await say(fake, citizen, "/phananh")
    assert "Phản ánh, kiến nghị" in ask_type["text"]
    [ask_category] = await press_and_read(fake, citizen, ask_type, t.TYPE_LABELS["phan-anh"])
    assert "Đường sá" in labels(ask_category)
    [ask_commune] = await press_and_read(fake, citizen, ask_category, "Đường sá")
    assert "xã, phường nào" in ask_commune["text"]
    [ask_description] = await say(fake, citizen, "Mỹ Tho")
    assert "kể lại sự việc" in ask_description["text"]
    ask_attachments, hint = await say(fake, citizen, description, count=2)
    assert "ảnh" in ask_attachments["text"] and hint["text"] == "👇"
    keyboard = fake.reply_keyboard(citizen)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_location"] is True
    if attachments:
        sent = await fake.send_photo(citizen)
        photo_id = sent["photo"][-1]["file_id"]
        photo_added, _ = await fake.wait_for(citizen, count=2)
        assert "1/5" in photo_added["text"]
        await fake.send_location(citizen, 10.36, 106.36)
        location_added, _ = await fake.wait_for(citizen, count=2)
        assert "Đã nhận vị trí" in location_added["text"]
        [ask_name] = await press_and_read(fake, citizen, location_added, t.DONE_ATTACHING)
    else:
        photo_id = None
        [ask_name] = await press_and_read(fake, citizen, ask_attachments, t.SKIP)
    [summary] = await press_and_read(fake, citizen, ask_name, t.ANONYMOUS)
    text = summary["text"]
    assert "Người gửi: Ẩn danh" in text and "Xã, phường: Phường Mỹ Tho" in text
    assert f"Nội dung: {description}" in text and "Nhóm việc: Đường sá" in text
    located = "Ảnh: 1 · Vị trí: có" if attachments else "Ảnh: 0 · Vị trí: không"
    assert located in text
    return summary, photo_id


@dataclass
class Cast:
    """The people on the other side of the fake: each a separate Telegram user."""

    citizen: FakeUser
    stranger: FakeUser  # another citizen
    chu_tich: FakeUser  # 9001, supervisor of official A
    official_a: FakeUser  # 9002, truong-phong
    official_b: FakeUser  # 9003, can-bo


def case_message(call: ApiCall) -> object:
    """Duplicate key: a message about a case (it names a tracking code) by chat and text; the
    flow's own prompts (the "👇" keyboard hint, the questions of a second filing) legitimately
    repeat, so they never group."""
    return (call.chat_id, call.text) if CODE.search(call.text or "") else call.seq


async def test_complaint_story_over_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    clock = FakeClock()  # Monday 07/12/2026 09:00 in Vietnam
    sweeps = RunCounter(monkeypatch, bot_app, "sweep_overdue")
    async with FakeBotApi(token=TOKEN) as fake:
        cast = Cast(
            citizen=fake.user(5001, "Lan"),
            stranger=fake.user(5002, "Hùng"),
            chu_tich=fake.user(9001, "Tỉnh"),
            official_a=fake.user(9002, "Phòng"),
            official_b=fake.user(9003, "Bộ"),
        )
        fake.group(OPERATORS, "Tổ điều hành", "supergroup")  # alerts, if any, can be sent
        async with running_bot(fake, tmp_path, clock, TOKEN) as app:
            try:
                await play(fake, app, clock, sweeps, cast)
            except AssertionError as exc:
                doubled = fake.duplicates(case_message)
                if doubled:  # the first symptom of a double delivery is an unexpected message
                    shown = {k: len(v) for k, v in doubled.items()}
                    raise AssertionError(f"case messages delivered twice: {shown}") from exc
                raise

        # Nothing about a case reached anyone twice, the citizen above all.
        doubled = fake.duplicates(case_message)
        assert {k: v for k, v in doubled.items() if k[0] == cast.citizen.id} == {}  # type: ignore[index]
        assert doubled == {}
        assert all(texts.ERROR[:30] not in (c.text or "") for c in fake.sent)
        assert fake.redelivered_updates() == {}
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not problems, [r.getMessage() for r in problems]


async def play(
    fake: FakeBotApi, app: Any, clock: FakeClock, sweeps: RunCounter, cast: Cast
) -> None:
    """The story; every message goes through the fake over HTTP."""
    citizen, stranger, chu_tich = cast.citizen, cast.stranger, cast.chu_tich
    official_a, official_b = cast.official_a, cast.official_b
    store = app.bot_data.cases.store

    # 1. The citizen files a report; it is routed by the commune rule to official A.
    [greeting] = await say(fake, citizen, "/start")
    assert "Lan" in greeting["text"] and fake.reply_keyboard(citizen) is not None
    code, filed, photo_id = await file_road_report(fake, citizen, ROAD, attachments=True)
    assert f"Mã tra cứu: {code}" in filed["text"]
    assert "Cán bộ phụ trách: Trần Thị Phòng, Trưởng phòng" in filed["text"]
    # Monday 07/12: acknowledge in 2 working days, resolve 10 working days after that.
    assert "Hạn tiếp nhận: 09/12/2026" in filed["text"]
    assert "Hạn xử lý: 23/12/2026, còn 12 ngày làm việc" in filed["text"]

    # 2. Official A is notified through the outbox, with the case and its buttons.
    # The citizen's photo comes first, so the buttons stay at the bottom of the chat.
    photo, note = await fake.wait_for(official_a, count=2)
    assert photo["caption"] == f"{code} · ảnh 1/1"
    assert photo["photo"][-1]["file_id"] == photo_id
    check(note, code, ROAD, "Người gửi: Ẩn danh", "Xã, phường: Phường Mỹ Tho")
    assert "Ảnh: 1 ảnh đính kèm" in note["text"]
    assert "Vị trí: 10.36000,106.36000" in note["text"]
    map_links = [e.get("url") for e in note.get("entities", []) if e["type"] == "text_link"]
    assert map_links == ["https://www.google.com/maps?q=10.36000,106.36000"]
    assert labels(note) == [
        t.BTN_ACK,
        t.BTN_ANSWER,
        t.BTN_TRANSFER,
        t.BTN_EXTEND,
        t.BTN_RESOLVE,
        t.BTN_ERROR,
    ]
    [done] = await press_and_read(fake, official_a, note, t.BTN_ACK)
    assert f"Đã tiếp nhận {code}" in done["text"]
    [ack] = await fake.wait_for(citizen)
    check(ack, code, "đã được Trần Thị Phòng (Trưởng phòng) tiếp nhận")
    assert "Hạn xử lý: 21/12/2026" in ack["text"]  # counted from acceptance

    # 3. Official B presses A's buttons: refused with an alert, nothing changes.
    before = await store.by_code(code)
    for label in (t.BTN_RESOLVE, t.BTN_TRANSFER, t.BTN_ACK):
        await press(fake, official_b, note, label, text=t.REFUSED, show_alert=True)
    forged = f"o|trto|{code}|can-bo"  # made-up data: B transfers it to himself
    query = await fake.press(official_b, note, forged, check=False)
    answer = await fake.wait_for_callback_answer(query)
    assert answer.get("text") == texts.BUTTON_REFUSED and answer.get("show_alert") is True
    await fake.assert_no_message(citizen, within=0.5)
    await fake.assert_no_message(official_a, within=0.01)
    await fake.assert_no_message(official_b, within=0.01)
    after = await store.by_code(code)
    assert (after.status, after.version, after.assigned_official_id) == (
        before.status,
        before.version,
        before.assigned_official_id,
    )
    assert await store.pending_input(official_b.id) is None

    # 4. A answers the citizen through a ForceReply prompt, replying as in a group.
    [prompt] = await press_and_read(fake, official_a, note, t.BTN_ANSWER)
    assert code in prompt["text"]
    assert markup_sent_with(fake, prompt).get("force_reply") is True
    reply = "Xã đã cử người tới đo đạc & tuần sau sẽ vá <gấp>."
    [done] = await say(fake, official_a, reply, reply_to=prompt)
    assert done["text"] == f"Đã gửi trả lời tới người gửi {code}."
    [answered] = await fake.wait_for(citizen)
    check(answered, code, "Trả lời của Trần Thị Phòng (Trưởng phòng)", reply)

    # 5. A transfers the case to B with a reason; B receives it, the citizen is told.
    [choices] = await press_and_read(fake, official_a, note, t.BTN_TRANSFER)
    assert "Lê Văn Bộ – Chuyên viên" in labels(choices)
    assert "Trần Thị Phòng – Trưởng phòng" not in labels(choices)
    [ask_reason] = await press_and_read(fake, official_a, choices, "Lê Văn Bộ – Chuyên viên")
    assert "Lê Văn Bộ" in ask_reason["text"]
    assert markup_sent_with(fake, ask_reason).get("force_reply") is True
    reason = "Thuộc tổ hạ tầng phụ trách."
    [done] = await say(fake, official_a, reason, reply_to=ask_reason)
    assert f"Đã chuyển {code} cho Lê Văn Bộ" in done["text"]
    photo, handover = await fake.wait_for(official_b, count=2)
    assert photo["photo"][-1]["file_id"] == photo_id
    check(handover, code, "Được chuyển tới anh/chị", reason, ROAD)
    assert t.BTN_RESOLVE in labels(handover)
    [moved] = await fake.wait_for(citizen)
    check(moved, code, "đã được chuyển tới Lê Văn Bộ (Chuyên viên – Văn phòng)", reason)

    # 6. B resolves it; the citizen gets the result with rating buttons and rates 5.
    [ask_result] = await press_and_read(fake, official_b, handover, t.BTN_RESOLVE)
    assert markup_sent_with(fake, ask_result).get("force_reply") is True
    result = "Đã vá xong ổ gà ngày 15/12."
    [done] = await say(fake, official_b, result, reply_to=ask_result)
    assert f"giải quyết xong {code}" in done["text"]
    [resolved] = await fake.wait_for(citizen)
    check(resolved, code, "đã được giải quyết", f"Kết quả: {result}")
    assert labels(resolved) == ["1", "2", "3", "4", "5", t.NOT_SOLVED]
    [thanks] = await press_and_read(fake, citizen, resolved, "5")
    assert "⭐⭐⭐⭐⭐" in thanks["text"]
    # A button on the closed case changes nothing.
    await press(fake, official_a, note, t.BTN_ACK, text=t.CASE_CLOSED, show_alert=True)

    # 7. Tracking: everything for the citizen, only the status for anyone else.
    [card] = await say(fake, citizen, f"/tracuu {code}")
    assert f"Trạng thái: {t.STATUS_LABELS['resolved']}" in card["text"]
    assert ROAD in card["text"] and "Diễn biến" in card["text"]
    history = [line for line in card["text"].splitlines() if line.startswith("• ")]
    assert [line.split(" – ", 1)[1] for line in history] == [
        t.EVENT_LABELS[e]
        for e in (
            "filed",
            "acknowledged",
            "answered",
            "transferred",
            "resolved",
            "rated",
        )
    ]
    [public] = await say(fake, stranger, f"/tracuu {code}")
    assert f"Trạng thái: {t.STATUS_LABELS['resolved']}" in public["text"]
    assert "ổ gà" not in public["text"] and "Diễn biến" not in public["text"]
    assert "Chi tiết chỉ người gửi" in public["text"]

    # 8. A second case is left unacknowledged: the sweep escalates it to A's supervisor.
    second, _, _ = await file_road_report(fake, citizen, LAMP, attachments=False)
    assert second != code
    [note2] = await fake.wait_for(official_a)
    check(note2, second, LAMP)
    await outbox_settled(store)  # nothing in flight when time jumps
    clock.advance(days=3)  # Thursday 10/12: not acknowledged by Wednesday night
    [escalated] = await fake.wait_for(
        chu_tich, predicate=about(second, "Chuyển lên do quá hạn"), timeout=10
    )
    assert "Trần Thị Phòng" in escalated["text"] and t.BTN_ACK in labels(escalated)
    [told] = await fake.wait_for(citizen, timeout=5)
    check(told, second, "chuyển lên Nguyễn Văn Tỉnh (Chủ tịch UBND tỉnh)")
    await sweeps.ticks(4)  # several more sweeps: nothing is sent again
    await fake.assert_no_message(citizen, within=0.3)
    await fake.assert_no_message(chu_tich, within=0.01)
    await fake.assert_no_message(official_a, within=0.01)
    assert len([m for m in fake.messages_to(chu_tich) if second in m["text"]]) == 1
    assert len([m for m in fake.messages_to(citizen) if about(second, "chuyển lên")(m)]) == 1
    assert not [k for k in fake.duplicates() if k[0] in (chu_tich.id, official_a.id)]
    current = await store.by_code(second)
    assert current.assigned_official_id == "chu-tich"

    # The supervisor acknowledges; the resolve deadline then passes: one apology.
    [done] = await press_and_read(fake, chu_tich, escalated, t.BTN_ACK)
    assert f"Đã tiếp nhận {second}" in done["text"]
    [ack2] = await fake.wait_for(citizen)
    check(ack2, second, "đã được Nguyễn Văn Tỉnh (Chủ tịch UBND tỉnh) tiếp nhận")
    await outbox_settled(store)
    clock.advance(days=30)
    escalated_again, apology = await fake.wait_for(citizen, count=2, timeout=10)
    check(escalated_again, second, "chưa được xử lý đúng hạn")
    check(apology, second, "THƯ XIN LỖI", "Nguyễn Văn Tỉnh, Chủ tịch UBND tỉnh")
    [again] = await fake.wait_for(chu_tich, predicate=about(second, "Chuyển lên"))
    assert "chưa được giải quyết đúng hạn" in again["text"]
    await sweeps.ticks(4)
    await fake.assert_no_message(citizen, within=0.3)
    await fake.assert_no_message(chu_tich, within=0.01)
    apologies = [m for m in fake.messages_to(citizen) if "THƯ XIN LỖI" in m["text"]]
    assert len(apologies) == 1
    assert await store.count_events("apology") == 1


@pytest.mark.parametrize(
    ("status", "arrived"),
    [(502, False), (500, True)],
    ids=["receipt-refused", "receipt-arrived-but-error-answered"],
)
async def test_a_receipt_telegram_fails_to_take_still_reaches_the_citizen(
    tmp_path: Path, status: int, arrived: bool
) -> None:
    """The case is stored before its receipt is sent. If Telegram fails that send, the citizen
    must still get the code (through the outbox), never an apology for an error, which would
    make them file the same report again."""
    async with FakeBotApi(token=TOKEN) as fake:
        citizen = fake.user(5001, "Lan")
        async with running_bot(fake, tmp_path, FakeClock(), TOKEN) as app:
            summary, _ = await draft_road_report(fake, citizen, LAMP, attachments=False)
            before = fake.messages_to(citizen)
            fault = fake.inject("sendMessage", status, chat_id=citizen.id, deliver=arrived)
            answer = await press(fake, citizen, summary, t.SEND)
            assert not answer.get("text"), answer
            copies = 2 if arrived else 1  # a copy Telegram took despite the error, then ours
            receipts = await fake.wait_for(citizen, count=copies, timeout=10)
            store = app.bot_data.cases.store
            await outbox_settled(store)
            assert fault.hits == 1
            codes = {code_in(m["text"]) for m in receipts}
            assert len(codes) == 1 and all("Mã tra cứu" in m["text"] for m in receipts)
            assert await store.by_code(codes.pop()) is not None
        assert all(texts.ERROR[:30] not in (c.text or "") for c in fake.sent)
        assert len(fake.messages_to(citizen)) == len(before) + copies  # nothing else either


async def test_a_press_telegram_will_not_answer_still_files_and_tells_the_code(
    tmp_path: Path,
) -> None:
    """Telegram answers a button press only once: a press it re-delivers because its instance
    died (webhook mode) was often answered already, and answering again is refused ("query
    is too old"). That answer only stops a spinner; the case is still filed and the citizen
    still told its code."""
    async with FakeBotApi(token=TOKEN) as fake:
        citizen = fake.user(5002, "Hoa")
        async with running_bot(fake, tmp_path, FakeClock(), TOKEN) as app:
            summary, _ = await draft_road_report(fake, citizen, LAMP, attachments=False)
            refused = fake.inject(
                "answerCallbackQuery",
                400,
                description="Bad Request: query is too old and response timeout expired",
            )
            await fake.press(citizen, summary, button_text=t.SEND)
            [receipt] = await fake.wait_for(citizen, timeout=10)
            assert refused.hits == 1 and "Mã tra cứu" in receipt["text"]
            assert await app.bot_data.cases.store.by_code(code_in(receipt["text"])) is not None
