"""Thousands of random and malformed updates through the real Application (hypothesis).

Each generated step is a recipe resolved against what the bot has sent so far, so the fuzzer
goes deep (real buttons pressed by the wrong people, in the wrong chats, twice; officials typing
answers; drafts abandoned half-way) as well as wide (random text, commands, callback data, chat
types, edits, media, updates with parts missing). After every batch: no handler raised, every
callback query was answered, every reply is HTML Telegram accepts (within 4096 characters);
at the end the database is consistent.

Deterministic in CI (`derandomize=True`, no example database): 300 batches, over 5,000 updates.
Its time and the number of updates: `pytest --durations=1 -o junit_family=legacy
--junitxml=fuzz.xml tests/integration/test_fuzz.py` (property "updates"); a longer local run:
`FUZZ_EXAMPLES=3000 pytest tests/integration/test_fuzz.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select
from telegram import Update

from bot import texts
from bot.app import build_application
from bot.complaint_flow import STEPS
from bot.local_api import Call, LocalBotApi
from bot.storage.complaint_models import (
    CaseEvent,
    Complaint,
    ComplaintDraft,
    OutboxMessage,
    PendingInput,
)
from bot.sweep import sweep_overdue
from tests import builders
from tests.clock import FakeClock
from tests.conftest import buttons
from tests.html_check import assert_telegram_html
from tests.integration.test_complaints import mini_settings

UPDATES_PER_RUN = 5_000
STAFF_GROUP = -1009999  # the officials' group named in kb_min
USERS = [
    builders.CITIZEN,
    builders.OTHER_CITIZEN,
    {"id": 9001, "is_bot": False, "first_name": "Tỉnh"},
    {"id": 9002, "is_bot": False, "first_name": "Phòng"},
    {"id": 9003, "is_bot": False, "first_name": "Bộ"},
    {"id": 6666, "is_bot": False, "first_name": "\u202eKẻ\u200b<b>lạ</b>"},
]
CHATS = ["own", "own", "own", "staff", "group", "channel"]
MEANINGFUL = [
    "/start",
    "/phananh",
    "/tracuu",
    "/tracuu {code}",
    "/tracuu pa 22222 33333",
    "/xoadulieu",
    "/hangdoi",
    "/myid",
    "/huy",
    "/thutuc",
    "/khong-co-lenh",
    "/thongke",
    "/thongke 7",
    "/reload",
    "lịch tiếp dân",
    "gap chu tich xa my tho",
    texts.MENU_COMPLAINT,
    texts.MENU_TRACK,
    texts.MENU_HUMAN,
    "gặp cán bộ",
    "làm giấy khai sinh cần gì",
    "còn lệ phí?",
    "Mỹ Tho",
    "Tân Hiệp",
    "Đường trước nhà số 12 ấp 3 bị ổ gà lớn, xe máy té liên tục.",
    "Cán bộ xã đòi tiền mới nhận hồ sơ",
    "Nguyễn Thị Lan",
    "0907 123 456",
    "ông Lê Văn Bộ",
    "Đã xử lý xong, cảm ơn anh chị.",
    "Hủy",
    "<b>đậm</b> <a href='x'>",
    "\u202e\u200b\x07",
    "x" * 5000,
]
MEDIA = ["photo", "location", "contact", "sticker", "voice", "document"]

text = st.one_of(
    st.sampled_from(MEANINGFUL),
    st.text(max_size=300),
    st.builds(lambda w: "/" + w, st.text(alphabet="abcdefghijklmnopqrstuvwxyz_@", max_size=20)),
)
forged_data = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda kind, a, b: f"{kind}|{a}|{b}",
        st.sampled_from([*"ocrhxspgfG", "stat"]),
        st.sampled_from(
            ["ack", "ans", "res", "trto", "claim", "yes", "1", "no", "chart", "{code}"]
        ),
        st.text(max_size=20),
    ),
)
who = st.integers(0, len(USERS) - 1)
where = st.sampled_from(CHATS)
typed = st.tuples(st.just("text"), who, where, text)
typed_at_home = st.tuples(st.just("text"), who, st.just("own"), st.sampled_from(MEANINGFUL))
pressed = st.tuples(st.just("press"), who, where, st.integers(0, 40))
pressed_at_home = st.tuples(st.just("press"), who, st.just("own"), st.integers(0, 40))
# One of these per step; the common kinds are listed twice to come up twice as often.
step = st.one_of(
    typed,
    typed_at_home,
    typed_at_home,
    pressed,
    pressed_at_home,
    pressed_at_home,
    st.tuples(st.just("forged"), who, where, forged_data),
    st.tuples(st.just("edited"), who, where, text),
    st.tuples(st.just("media"), who, where, st.sampled_from(MEDIA)),
    st.tuples(st.just("bare"), who, where, st.sampled_from(["no_from", "no_text", "inline"])),
    st.tuples(st.just("member"), who, where, st.just("")),
    st.tuples(st.just("file"), st.integers(0, 1), st.just("own"), st.integers(0, 8)),
    st.tuples(
        st.sampled_from(["deliver", "tick"]), who, where, st.sampled_from([1, 30, 600, 4320])
    ),
)


class Fuzzer:
    """Turns recipes into updates for the running bot and checks each one."""

    def __init__(self, app: Any, api: LocalBotApi, clock: FakeClock) -> None:
        self.app, self.api, self.clock = app, api, clock
        self.ids = itertools.count(10_000_000)
        self.errors: list[BaseException] = []
        self.fed = 0
        self.keyboards: list[Call] = []  # messages the bot sent with inline buttons, in order
        api.listeners.append(self._seen)

    def _seen(self, call: Call) -> None:
        if buttons(call) and isinstance(call.result, dict):
            self.keyboards = [*self.keyboards[-300:], call]

    def chat(self, user: dict[str, Any], kind: str) -> dict[str, Any]:
        if kind == "own":
            return builders.private_chat(user)
        if kind == "staff":
            return builders.group_chat(STAFF_GROUP, "Cán bộ")
        if kind == "channel":
            return {"id": -1007001, "type": "channel", "title": "Kênh"}
        return builders.group_chat()

    def code(self) -> str:
        with Session(self.app.bot_data.cases.store.engine) as s:
            row = s.exec(select(Complaint.code)).first()
        return row or "PA-22222-33333"

    def with_buttons(self) -> list[Call]:
        return self.keyboards

    def update(self, recipe: tuple[str, int, str, Any]) -> dict[str, Any] | None:
        kind, u, place, arg = recipe
        user, uid = USERS[u], next(self.ids)
        chat = self.chat(user, place)
        if kind in ("text", "edited"):
            typed = str(arg).replace("{code}", self.code())
            upd = builders.message(typed, user, chat=chat)
            if kind == "edited":
                upd["edited_message"] = upd.pop("message") | {"edit_date": int(time.time())}
            return upd
        if kind == "press":
            sent = self.with_buttons()
            own = [c for c in sent if int(c.params["chat_id"]) == chat["id"]]
            if not sent:
                return None
            # Mostly the newest buttons of the presser's own chat (so flows move forward),
            # sometimes any recent button of anyone's (pressed where it was not sent).
            call = own[-1] if own and arg % 4 else sent[-1 - arg % len(sent)]
            data = buttons(call)[arg % len(buttons(call))][1]
            message = dict(call.result)
            if place != "own":  # the button forwarded into another chat
                message["chat"] = chat
            return builders.press(data, message, user)
        if kind == "forged":
            message = {"message_id": 1, "date": 0, "chat": chat}
            return builders.press(str(arg).replace("{code}", self.code()), message, user)
        if kind == "media":
            extra = {
                "photo": {
                    "photo": [{"file_id": "F", "file_unique_id": "U", "width": 9, "height": 9}]
                },
                "location": {"location": {"latitude": 10.3, "longitude": 106.3}},
                "contact": {"contact": {"phone_number": "0907123456", "first_name": "A"}},
                "sticker": {"sticker": builders.sticker()["message"]["sticker"]},
                "voice": {"voice": {"file_id": "V", "file_unique_id": "W", "duration": 1}},
                "document": {
                    "document": {"file_id": "D", "file_unique_id": "E"},
                    "caption": "x" * 900,
                },
            }[arg]
            return builders.message(None, user, chat=chat, **extra)
        if kind == "bare":
            if arg == "inline":  # a button on an inline-mode message: no message, no chat
                upd = builders.press("o|ack|PA-22222-33333", {}, user)
                upd["callback_query"].pop("message")
                upd["callback_query"]["inline_message_id"] = "inl"
                return upd
            upd = builders.message("ai đó" if arg == "no_from" else None, user, chat=chat)
            if arg == "no_from":
                del upd["message"]["from"]
            return upd
        if kind == "member":
            status = {"user": {**user, "is_bot": True, "id": 100000001}, "status": "member"}
            left = status | {"status": "left"}
            return {
                "update_id": uid,
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": 0,
                    "old_chat_member": left,
                    "new_chat_member": status,
                },
            }
        return None

    async def run(self, recipes: list[tuple[str, int, str, Any]]) -> None:
        data = self.app.bot_data
        self.errors.clear()  # hypothesis replays batches while it shrinks a failure
        for recipe in recipes:
            if recipe[0] == "deliver":
                before = len(self.api.calls)
                await data.outbox.deliver_once(self.app.bot)  # officials' notes, answers…
                self.check_html(before)
                continue
            if recipe[0] == "tick":
                self.clock.advance(minutes=recipe[3])
                await sweep_overdue(data.cases)
                await data.handoff.sweep()
                continue
            if recipe[0] == "file" and recipe[3] < 4:  # a whole filing, a third of the time…
                await self.file(USERS[recipe[1]], recipe[3])
                continue
            if recipe[0] == "file":  # …else one press of the citizen's newest button
                recipe = ("press", recipe[1], "own", recipe[3])
            await self.feed(self.update(recipe), recipe)

    async def file(self, user: dict[str, Any], variant: int) -> None:
        """A whole filing by a citizen, pressing the bot's own buttons: deep states for the
        random steps that follow (officials' notes, their buttons, ratings, erasure)."""
        own = builders.private_chat(user)
        script: list[tuple[str, str]] = [
            ("say", "/phananh"),
            ("press", ["Phản ánh", "Khiếu nại", "Tố cáo", "Phản ánh"][variant]),
            ("press", ""),
            ("say", "Mỹ Tho" if variant % 2 else "Tân Hiệp"),
            ("say", "Cán bộ xã đòi tiền mới nhận hồ sơ, đường hư lâu ngày."),
            ("press", "Bỏ qua"),
            ("say", "Nguyễn Thị Lan"),
            ("say", "0907 123 456"),
            ("say", "ông Lê Văn Bộ"),
            ("press", "ẩn danh"),
            ("press", "Gửi"),
        ]
        for action, arg in script:
            if action == "say":
                upd = builders.message(arg, user, chat=own)
            else:
                mine = [c for c in self.with_buttons() if int(c.params["chat_id"]) == own["id"]]
                labels = buttons(mine[-1]) if mine else []
                data = next((d for label, d in labels if arg in label), None)
                if data is None:
                    continue  # this type skips the step
                upd = builders.press(data, dict(mine[-1].result), user)
            await self.feed(upd, ("file", action, arg))

    async def feed(self, upd: dict[str, Any] | None, recipe: Any) -> None:
        """One update through the Application: no error, a pressed button answered once."""
        if upd is None:
            return
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(upd, self.app.bot))
        self.fed += 1
        if "callback_query" in upd:
            query_id = upd["callback_query"]["id"]
            answered = [
                c
                for c in self.api.calls[before:]
                if c.method == "answerCallbackQuery"
                and str(c.params.get("callback_query_id")) == query_id
            ]
            assert len(answered) == 1, (recipe, upd["callback_query"].get("data"), answered)
        assert not self.errors, (recipe, self.errors)
        self.check_html(before)

    def check_html(self, since: int) -> None:
        """Whatever was typed, what the bot sent is HTML Telegram accepts."""
        for call in self.api.calls[since:]:
            if call.method in ("sendMessage", "editMessageText"):
                assert_telegram_html(str(call.params["text"]))


def check_database(app: Any) -> None:
    """No orphan drafts, no case without an official, no outbox row without a target."""
    kb = app.bot_data.cases.kb
    with Session(app.bot_data.cases.store.engine) as s:
        cases = list(s.exec(select(Complaint)))
        for c in cases:
            assert c.assigned_official_id in kb.officials, c.code
            assert c.accused_official_id is None or c.assigned_official_id != c.accused_official_id
            events = s.exec(select(CaseEvent.action).where(CaseEvent.complaint_id == c.id)).all()
            assert events and events[0] == "filed", (c.code, events)
        for d in s.exec(select(ComplaintDraft)):
            assert d.chat_id == d.user_id > 0, d  # drafts exist only in private chats
            assert d.step in STEPS and (d.step == "type" or d.type in kb.deadlines.types), d
        for m in s.exec(select(OutboxMessage)):
            assert m.chat_id, m  # a target, always
            # Something to send while pending (a sent one may have been blanked by erasure).
            assert m.status != "pending" or m.text or m.photo, m
            assert m.status in ("pending", "sent", "failed"), m
        for p in s.exec(select(PendingInput)):
            assert p.complaint_id is not None or p.handoff_id is not None, p


@pytest.fixture
def memory_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder in RAM where there is one: SQLite's fsync per commit would make the run a
    test of the disk (the storage itself is tested on disk elsewhere)."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm) as folder:
        yield Path(folder)


def test_thousands_of_random_updates_break_nothing(
    tmp_path: Path, memory_dir: Path, record_property: Any
) -> None:
    settings_ = mini_settings(tmp_path).model_copy(
        update={
            "messages_per_minute": 40,
            "complaints_per_day": 3,
            "database_url": f"sqlite:///{memory_dir / 'fuzz.sqlite'}",
        }
    )
    api, clock = LocalBotApi(), FakeClock()
    app = build_application(settings_, request=api, clock=clock, rate_limit=False)
    fuzzer = Fuzzer(app, api, clock)

    async def collect(update: object, context: Any) -> None:
        fuzzer.errors.append(context.error)

    app.add_error_handler(collect)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(app.initialize())

    @settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(step, min_size=14, max_size=16))
    def batch(recipes: list[tuple[str, int, str, Any]]) -> None:
        loop.run_until_complete(fuzzer.run(recipes))

    try:
        batch()
        check_database(app)
    finally:
        loop.run_until_complete(app.shutdown())
        loop.close()
    record_property("updates", fuzzer.fed)  # in the JUnit report (--junitxml)
    assert fuzzer.fed >= UPDATES_PER_RUN
    with Session(app.bot_data.cases.store.engine) as s:
        assert s.exec(select(Complaint)).first() is not None, "the fuzzer never filed a case"
