"""The complaint story through the real Application, with a clock the test controls.

Knowledge: tests/data/kb_min (officials chu-tich 9001 > truong-phong 9002 > can-bo 9003;
ha-tang in phuong-my-tho goes to truong-phong, elsewhere to can-bo).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from telegram import Update

from bot import complaint_texts as t
from bot.app import build_application
from bot.local_api import Call, LocalBotApi
from bot.settings import Settings
from bot.storage.complaint_models import CaseEvent, Complaint, OutboxMessage
from bot.sweep import sweep_overdue
from tests import builders
from tests.clock import FakeClock
from tests.conftest import buttons, sent_message, settings_for

MINI = Path(__file__).resolve().parents[1] / "data" / "kb_min"
CITIZEN = builders.CITIZEN
STRANGER = builders.OTHER_CITIZEN
CHU_TICH = {"id": 9001, "is_bot": False, "first_name": "Tỉnh"}
TRUONG = {"id": 9002, "is_bot": False, "first_name": "Phòng"}
CAN_BO = {"id": 9003, "is_bot": False, "first_name": "Bộ"}


class Story:
    """The real Application on SQLite, fed updates; the outbox delivered on demand."""

    def __init__(self, app: Any, api: LocalBotApi, clock: FakeClock) -> None:
        self.app, self.api, self.clock = app, api, clock

    @property
    def data(self) -> Any:
        return self.app.bot_data

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.calls[before:]

    async def say(self, text: str, user: dict[str, Any] = CITIZEN) -> list[Call]:
        return await self.feed(builders.message(text, user))

    async def press(
        self, call: Call, label: str, user: dict[str, Any] = CITIZEN, *, gone: bool = False
    ) -> list[Call]:
        """Press a button; with `gone`, Telegram reports its message as no longer accessible
        (deleted by the user), as it does with `date` 0 and nothing but chat and id."""
        data = next((d for lbl, d in buttons(call) if label in lbl), None)
        assert data is not None, (label, buttons(call))
        sent = sent_message(call)
        if gone:
            sent = {"chat": sent["chat"], "message_id": sent["message_id"], "date": 0}
        return await self.feed(builders.press(data, sent, user))

    async def deliver(self) -> list[Call]:
        before = len(self.api.calls)
        await self.data.outbox.deliver_once(self.app.bot)
        return self.api.calls[before:]

    def citizen_cases(self) -> list[Complaint]:
        with Session(self.engine()) as s:
            return list(s.exec(select(Complaint).where(Complaint.citizen_chat_id == CITIZEN["id"])))

    def engine(self) -> Any:
        return self.data.cases.store.engine

    def case(self, code: str) -> Complaint:
        with Session(self.engine()) as s:
            return s.exec(select(Complaint).where(Complaint.code == code)).one()

    def events(self, code: str) -> list[str]:
        case = self.case(code)
        with Session(self.engine()) as s:
            rows = s.exec(select(CaseEvent).where(CaseEvent.complaint_id == case.id))
            return [e.action for e in rows]


def sends(calls: list[Call], chat_id: int | None = None) -> list[Call]:
    return [
        c
        for c in calls
        if c.method in ("sendMessage", "editMessageText")
        and (chat_id is None or int(c.params["chat_id"]) == chat_id)
    ]


def last_with_buttons(calls: list[Call]) -> Call:
    return [c for c in sends(calls) if buttons(c)][-1]


def code_in(text: str) -> str:
    match = re.search(r"(PA|KN|TC)-[A-Z0-9]{5}-[A-Z0-9]{5}", text)
    assert match, text
    return match.group(0)


def mini_settings(tmp_path: Path) -> Settings:
    """The bot on the small fixture knowledge and an SQLite file of this test's own."""
    return settings_for(MINI, f"sqlite:///{tmp_path / 'bot.sqlite'}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def story(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Story]:
    settings = mini_settings(tmp_path)
    api = LocalBotApi()
    app = build_application(settings, request=api, clock=clock, rate_limit=False)
    async with app:
        yield Story(app, api, clock)


async def file_phan_anh(
    story: Story, commune: str = "Mỹ Tho", *, summary_gone: bool = False
) -> str:
    """A citizen files an anonymous phản ánh about a road, with a photo and a location."""
    [prompt] = sends(await story.say("/phananh"))
    assert "Phản ánh, kiến nghị" in prompt.params["text"]
    calls = await story.press(prompt, "Phản ánh")
    calls = await story.press(last_with_buttons(calls), "Đường sá")
    assert "xã, phường nào" in sends(calls)[-1].params["text"]
    calls = await story.say(commune)
    assert "kể lại sự việc" in sends(calls)[0].params["text"]
    calls = await story.say("Đường trước nhà số 12 ấp 3 bị ổ gà lớn, xe máy té liên tục.")
    assert "ảnh" in sends(calls)[0].params["text"]
    calls = await story.feed(builders.photo())
    assert "1/5" in sends(calls)[0].params["text"]
    calls = await story.feed(builders.message(location={"latitude": 10.36, "longitude": 106.36}))
    calls = await story.press(last_with_buttons(calls), "Xong")
    calls = await story.press(last_with_buttons(calls), "ẩn danh")
    summary = last_with_buttons(calls)
    assert "Ẩn danh" in summary.params["text"] and "Phường Mỹ Tho" in summary.params["text"]
    calls = await story.press(summary, "Gửi", gone=summary_gone)
    [filed] = sends(calls)
    return code_in(filed.params["text"])


async def test_citizen_files_and_is_told_code_official_and_deadline(story: Story):
    code = await file_phan_anh(story)
    filed = sends(story.api.calls)[-1].params["text"]
    assert "Trần Thị Phòng" in filed and "Trưởng phòng" in filed  # routed by the commune rule
    # Monday 07/12/2026: acknowledge in 2 working days, resolve 10 working days after that.
    assert "Hạn xử lý: <b>23/12/2026</b>, còn 12 ngày làm việc" in filed
    case = story.case(code)
    assert case.assigned_official_id == "truong-phong" and len(case.photos) == 1
    assert case.latitude == pytest.approx(10.36) and case.anonymous
    # The official is notified through the outbox, with the case and the action buttons.
    delivered = await story.deliver()
    [note] = sends(delivered, TRUONG["id"])
    assert code in note.params["text"] and "ổ gà" in note.params["text"]
    assert "google.com/maps?q=10.36000,106.36000" in note.params["text"]
    [photo] = [c for c in delivered if c.method == "sendPhoto"]  # the citizen's photo too
    assert photo.params["photo"] == case.photos[0] and int(photo.params["chat_id"]) == TRUONG["id"]
    assert {label for label, _ in buttons(note)} >= {t.BTN_ACK, t.BTN_RESOLVE, t.BTN_TRANSFER}


async def test_sending_from_a_summary_the_citizen_deleted_still_gives_the_code(story: Story):
    """The press carries a message Telegram marks inaccessible (date 0): the case is filed and
    the citizen still gets the code and deadline in that chat."""
    code = await file_phan_anh(story, summary_gone=True)
    assert story.case(code).status == "received"
    [filed] = sends(story.api.calls)[-1:]
    assert int(filed.params["chat_id"]) == CITIZEN["id"] and "Hạn xử lý" in filed.params["text"]


async def test_send_pressed_again_repeats_the_code_and_files_nothing_more(
    story: Story, clock: FakeClock
):
    """A double tap on "Gửi", or Telegram re-delivering the press after an instance died
    between storing the case and replying: the citizen gets the same code, no second case."""
    code = await file_phan_anh(story)
    summary = next(
        c for c in reversed(story.api.calls) if any("Gửi" in label for label, _ in buttons(c))
    )
    [again] = sends(await story.press(summary, "Gửi"))
    assert "đã nhận rồi" in again.params["text"] and code in again.params["text"]
    assert "Hạn xử lý" in again.params["text"]
    assert len(story.citizen_cases()) == 1
    clock.advance(hours=1)  # long after: an old summary's button no longer speaks for a case
    answered = await story.press(summary, "Gửi")
    assert not sends(answered) and len(story.citizen_cases()) == 1


async def test_send_pressed_again_after_a_new_report_began_still_repeats_the_code(
    story: Story,
):
    """Telegram re-delivers a "Gửi" press whose instance died before replying, but the
    citizen, told nothing meanwhile, has already begun another report: they still get the
    code of the case filed (not "this step has passed"), and the new draft is untouched."""
    code = await file_phan_anh(story)
    summary = next(
        c for c in reversed(story.api.calls) if any("Gửi" in label for label, _ in buttons(c))
    )
    [prompt] = sends(await story.say("/phananh"))
    assert "Phản ánh, kiến nghị" in prompt.params["text"]
    [again] = sends(await story.press(summary, "Gửi"))
    assert "đã nhận rồi" in again.params["text"] and code in again.params["text"]
    assert len(story.citizen_cases()) == 1
    calls = await story.press(prompt, "Phản ánh")  # the new report goes on where it was
    assert any("Đường sá" in label for label, _ in buttons(last_with_buttons(calls)))


async def test_a_photo_caption_joins_the_description_within_its_limit(story: Story):
    """What a citizen writes under a photo is part of the report; a caption that would push the
    description past its limit is not kept, and the citizen is told so (the photo is)."""
    [prompt] = sends(await story.say("/phananh"))
    calls = await story.press(prompt, "Phản ánh")
    calls = await story.press(last_with_buttons(calls), "Đường sá")
    await story.say("Mỹ Tho")
    await story.say("Đèn đường ở ấp 3 tắt cả tuần nay.")
    kept = sends(await story.feed(builders.photo(caption="Cột đèn số 7 <gãy>")))[0]
    assert "Chú thích của ảnh đã được thêm" in kept.params["text"]
    calls = await story.feed(builders.photo(caption="x" * 3000))
    refused = sends(calls)[0].params["text"]
    assert "2/5" in refused and "chưa lưu được chú thích" in refused
    calls = await story.press(last_with_buttons(calls), "Xong")
    calls = await story.press(last_with_buttons(calls), "ẩn danh")
    summary = last_with_buttons(calls)
    assert "(ảnh 1) Cột đèn số 7 &lt;gãy&gt;" in summary.params["text"]
    code = code_in(sends(await story.press(summary, "Gửi"))[0].params["text"])
    case = story.case(code)
    assert case.description.endswith("(ảnh 1) Cột đèn số 7 <gãy>") and "xxx" not in case.description
    assert len(case.photos) == 2


async def test_official_acknowledges_answers_transfers_extends_and_resolves(story: Story):
    code = await file_phan_anh(story)
    [note] = sends(await story.deliver(), TRUONG["id"])

    await story.press(note, t.BTN_ACK, TRUONG)
    [ack] = sends(await story.deliver(), CITIZEN["id"])
    assert "đã được <b>Trần Thị Phòng</b>" in ack.params["text"]
    assert story.case(code).status == "acknowledged"

    calls = await story.press(note, t.BTN_ANSWER, TRUONG)
    assert sends(calls)[-1].params["reply_markup"]["force_reply"] is True
    await story.say("Xã đã cử người tới đo đạc, tuần sau sẽ vá.", TRUONG)
    [answer] = sends(await story.deliver(), CITIZEN["id"])
    assert "tuần sau sẽ vá" in answer.params["text"]

    calls = await story.press(note, t.BTN_EXTEND, TRUONG)
    calls = await story.press(last_with_buttons(calls), "+5", TRUONG)
    await story.say("Chờ nhà thầu bố trí máy.", TRUONG)
    [extended] = sends(await story.deliver(), CITIZEN["id"])
    # Acknowledged Monday 07/12 → resolve by 21/12; +5 working days lands on Saturday 26/12,
    # a make-up working day in the fixture's calendar.
    assert "gia hạn đến <b>26/12/2026</b>" in extended.params["text"]
    calls = await story.press(note, t.BTN_EXTEND, TRUONG)
    assert t.EXTENSION_REFUSED.format(left=0) in sends(calls)[-1].params["text"]  # max 5 used

    calls = await story.press(note, t.BTN_TRANSFER, TRUONG)
    calls = await story.press(last_with_buttons(calls), "Lê Văn Bộ", TRUONG)
    await story.say("Thuộc tổ hạ tầng phụ trách.", TRUONG)
    delivered = await story.deliver()
    assert "Lê Văn Bộ" in sends(delivered, CITIZEN["id"])[0].params["text"]
    [handover] = sends(delivered, CAN_BO["id"])
    assert "Thuộc tổ hạ tầng" in handover.params["text"]

    await story.press(handover, t.BTN_RESOLVE, CAN_BO)
    await story.say("Đã vá xong ổ gà ngày 15/12.", CAN_BO)
    [resolved] = sends(await story.deliver(), CITIZEN["id"])
    assert "Đã vá xong" in resolved.params["text"]
    calls = await story.press(resolved, "5")
    assert "⭐⭐⭐⭐⭐" in sends(calls)[-1].params["text"]
    case = story.case(code)
    assert (case.status, case.rating, case.extended_days) == ("resolved", 5, 5)
    assert story.events(code) == [
        "filed",
        "acknowledged",
        "answered",
        "extended",
        "transferred",
        "resolved",
        "rated",
    ]


async def test_only_the_chain_may_act_and_forged_presses_change_nothing(story: Story):
    code = await file_phan_anh(story)  # assigned to truong-phong (9002), chain: chu-tich
    [note] = sends(await story.deliver(), TRUONG["id"])
    ack = next(d for label, d in buttons(note) if label == t.BTN_ACK)
    for user, data in (
        (STRANGER, ack),  # a citizen who got hold of the button
        (CAN_BO, ack),  # an official below the assigned one
        (TRUONG, "o|ack|PA-AAAAA-AAAAA"),  # a made-up code
        (TRUONG, "o|drop-table|" + code),  # a made-up action
        (TRUONG, "o"),
    ):
        calls = await story.feed(builders.press(data, sent_message(note), user))
        assert any(c.method == "answerCallbackQuery" for c in calls)
        assert not sends(calls, CITIZEN["id"])
    assert story.case(code).status == "received" and story.events(code) == ["filed"]
    await story.feed(builders.press(ack, sent_message(note), CHU_TICH))  # above: allowed
    assert story.case(code).status == "acknowledged"


async def test_missed_deadlines_remind_escalate_and_apologise_once(story: Story, clock):
    code = await file_phan_anh(story)
    await story.deliver()
    clock.advance(days=1)  # Tuesday: the acknowledge deadline (Wednesday) is 1 working day away
    assert (await sweep_overdue(story.data.cases)).reminded == 1
    [reminder] = sends(await story.deliver(), TRUONG["id"])
    assert "Nhắc việc" in reminder.params["text"]
    clock.advance(days=2)  # Thursday: not acknowledged by Wednesday night
    report = await sweep_overdue(story.data.cases)
    assert report.escalated == 1 and report.apologised == 0
    delivered = await story.deliver()
    assert "chuyển lên do quá hạn" in sends(delivered, CHU_TICH["id"])[0].params["text"].lower()
    assert "Nguyễn Văn Tỉnh" in sends(delivered, CITIZEN["id"])[0].params["text"]
    assert story.case(code).assigned_official_id == "chu-tich"
    [note] = sends(delivered, CHU_TICH["id"])
    await story.press(note, t.BTN_ACK, CHU_TICH)
    await story.deliver()
    clock.advance(days=30)  # the resolve deadline passes unresolved
    report = await sweep_overdue(story.data.cases)
    assert report.escalated == 1 and report.apologised == 1
    again = await sweep_overdue(story.data.cases)  # a second run, or a second instance
    assert again.escalated == 0 and again.apologised == 0
    apology = [
        c for c in sends(await story.deliver(), CITIZEN["id"]) if "XIN LỖI" in c.params["text"]
    ]
    assert len(apology) == 1
    text = apology[0].params["text"]
    assert code in text and "Nguyễn Văn Tỉnh" in text and "Chủ tịch UBND tỉnh" in text
    assert story.events(code).count("apology") == 1
    assert await story.data.cases.store.count_events("apology") == 1


async def test_a_restart_in_the_middle_of_filing_continues_the_draft(tmp_path, clock):
    settings = mini_settings(tmp_path)
    api = LocalBotApi()
    first = build_application(settings, request=api, clock=clock, rate_limit=False)
    async with first:
        story = Story(first, api, clock)
        [prompt] = sends(await story.say("/phananh"))
        calls = await story.press(prompt, "Phản ánh")
        await story.press(last_with_buttons(calls), "Đường sá")
    second = build_application(settings, request=api, clock=clock, rate_limit=False)  # restart
    async with second:
        story = Story(second, api, clock)
        calls = await story.say("Tân Hiệp")  # the answer to the question asked before restart
        assert "kể lại sự việc" in sends(calls)[0].params["text"]


async def test_to_cao_naming_the_official_never_reaches_them(story: Story):
    [prompt] = sends(await story.say("/phananh"))
    calls = await story.press(prompt, "Tố cáo")
    calls = await story.press(last_with_buttons(calls), "Cán bộ")
    calls = await story.press(last_with_buttons(calls), "Bỏ qua")  # commune not given
    calls = await story.say("Cán bộ tiếp nhận đòi 2 triệu mới nhận hồ sơ của tôi.")
    calls = await story.press(last_with_buttons(calls), "Bỏ qua")  # no photo
    assert "ẩn danh" not in str(buttons(last_with_buttons(calls)))  # identity is required
    await story.say("Nguyễn Thị Lan")
    contact = {"phone_number": "0912345678", "first_name": "Lan", "user_id": CITIZEN["id"]}
    await story.feed(builders.message(contact=contact))
    calls = await story.say("ông Lê Văn Bộ, chuyên viên văn phòng")
    summary = last_with_buttons(calls)
    assert "Lê Văn Bộ" in summary.params["text"] and "0912345678" in summary.params["text"]
    [filed] = sends(await story.press(summary, "Gửi"))
    code = code_in(filed.params["text"])
    case = story.case(code)
    assert case.accused_official_id == "can-bo" and case.assigned_official_id == "truong-phong"
    delivered = await story.deliver()
    assert not sends(delivered, CAN_BO["id"])
    [note] = sends(delivered, TRUONG["id"])
    assert "Nguyễn Thị Lan" in note.params["text"]  # the handler sees the reporter…
    await story.press(note, t.BTN_ACK, CAN_BO)  # …the accused cannot act
    assert story.case(code).status == "received"


async def test_khieu_nai_offers_its_categories_and_requires_identity(story: Story):
    [prompt] = sends(await story.say("/phananh"))
    calls = await story.press(prompt, "Khiếu nại")
    names = [label for label, _ in buttons(last_with_buttons(calls))]
    assert names == ["Quyết định hành chính", t.BACK, t.CANCEL]
    calls = await story.press(last_with_buttons(calls), "Quyết định")
    calls = await story.say("Tân Hiệp")
    calls = await story.say("Tôi không đồng ý quyết định xử phạt số 12 ngày 01/12.")
    calls = await story.press(last_with_buttons(calls), "Bỏ qua")
    assert "cần <b>họ và tên</b>" in sends(calls)[-1].params["text"]
    forged = builders.press("c|name|anon", sent_message(last_with_buttons(calls)))
    calls = await story.feed(forged)  # anonymity is refused for khiếu nại
    draft = await story.data.flow.active(CITIZEN["id"])
    assert draft.step == "name" and not draft.anonymous
    calls = await story.say("Trần Văn Nam")
    calls = await story.say("12345")
    assert sends(calls)[0].params["text"] == t.PHONE_INVALID
    calls = await story.say("0907 123 456")
    assert "0907123456" in last_with_buttons(calls).params["text"]


async def test_tracking_shows_details_only_to_the_citizen(story: Story):
    code = await file_phan_anh(story)
    [mine] = sends(await story.say(f"/tracuu {code.lower().replace('-', ' ')}"))
    assert "ổ gà" in mine.params["text"] and "Diễn biến" in mine.params["text"]
    [other] = sends(await story.say(f"/tracuu {code}", STRANGER))
    assert (
        "ổ gà" not in other.params["text"] and t.STATUS_LABELS["received"] in other.params["text"]
    )
    [bad] = sends(await story.say("/tracuu PA-00000-00000", STRANGER))
    assert bad.params["text"] == t.TRACK_MALFORMED
    [listing] = sends(await story.say("/tracuu"))  # no code: the citizen's own cases
    assert code in listing.params["text"] and "Đường sá" in listing.params["text"]
    [nothing] = sends(await story.say("/tracuu", STRANGER))
    assert nothing.params["text"] == t.MY_CASES_EMPTY
    in_group = builders.message(f"/tracuu {code}", CITIZEN, chat=builders.group_chat())
    [group_view] = sends(await story.feed(in_group))  # the citizen, but the group would read it
    assert "ổ gà" not in group_view.params["text"]


async def test_a_blocked_official_escalates_and_the_operators_are_told(story: Story):
    story.api.blocked.add(TRUONG["id"])
    code = await file_phan_anh(story)
    await story.deliver()
    case = story.case(code)
    assert case.assigned_official_id == "chu-tich" and "undeliverable" in story.events(code)
    [note] = sends(await story.deliver(), CHU_TICH["id"])
    assert "Không gửi được" in note.params["text"]
    with Session(story.engine()) as s:
        statuses = {m.purpose: m.status for m in s.exec(select(OutboxMessage))}
    assert statuses["new_case"] == "failed"


async def test_a_message_read_as_a_complaint_starts_the_flow_with_its_text(story: Story):
    calls = await story.say("đèn đường trước nhà tôi hư cả tháng nay không ai sửa")
    text = sends(calls)[0].params["text"]
    assert t.START_FROM_MESSAGE.split("\n")[0] in text
    draft = await story.data.flow.active(CITIZEN["id"])
    assert draft is not None and "đèn đường" in draft.description
