"""Flood limits through the real Application: a user sending too fast is told once and then
ignored for the minute; complaints per day are counted in the database, so a second instance
of the bot enforces them too; a citizen cannot make the bot flood the staff group."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot import complaint_texts as t
from bot import texts
from bot.app import build_application
from bot.local_api import LocalBotApi
from bot.settings import Settings
from tests import builders
from tests.clock import FakeClock
from tests.conftest import sent_message
from tests.integration.test_complaints import (
    CITIZEN,
    STRANGER,
    Story,
    file_phan_anh,
    last_with_buttons,
    mini_settings,
    sends,
)

STAFF_GROUP = -1009999


def limited(tmp_path: Path, **limits: int) -> Settings:
    return mini_settings(tmp_path).model_copy(update=limits)


async def test_a_user_sending_too_fast_is_told_once_then_ignored_for_a_minute(tmp_path: Path):
    api, clock = LocalBotApi(), FakeClock()
    app = build_application(limited(tmp_path, messages_per_minute=5), request=api, clock=clock)
    async with app:
        story = Story(app, api, clock)
        replies = [sends(await story.say("làm giấy khai sinh cần gì")) for _ in range(9)]
        assert all(replies[:5]) and all(r[0].params["text"] != texts.TOO_FAST for r in replies[:5])
        assert [r.params["text"] for r in replies[5]] == [texts.TOO_FAST]
        assert replies[6:] == [[], [], []]  # no answer to a flood, not even a refusal
        assert sends(await story.say("xin chào", STRANGER))  # others are not slowed down
        # A button pressed while over the limit is still answered (else it spins forever).
        [card] = [c for c in replies[0] if c.params.get("reply_markup")]
        calls = await story.feed(builders.press("anything", sent_message(card)))
        [answer] = [c.params for c in calls if c.method == "answerCallbackQuery"]
        assert answer["text"] == texts.TOO_FAST and not sends(calls)
        clock.advance(minutes=1)
        assert sends(await story.say("làm giấy khai sinh cần gì"))[0].params["text"] != (
            texts.TOO_FAST
        )


async def test_complaints_per_day_are_counted_across_instances(tmp_path: Path):
    settings = limited(tmp_path, complaints_per_day=2)
    clock = FakeClock()
    api_a, api_b = LocalBotApi(), LocalBotApi()
    first = build_application(settings, request=api_a, clock=clock, rate_limit=False)
    second = build_application(settings, request=api_b, clock=clock, rate_limit=False)
    async with first, second:
        a, b = Story(first, api_a, clock), Story(second, api_b, clock)
        await file_phan_anh(a)
        await file_phan_anh(b)  # the same citizen, through the other instance
        for story in (a, b):
            [refusal] = sends(await story.say("/phananh"))
            assert refusal.params["text"] == t.DAILY_LIMIT.format(limit=2)
            assert await story.data.flow.active(CITIZEN["id"]) is None  # no draft begun
        assert sends(await a.say("/phananh", STRANGER))[0].params["text"] != (
            t.DAILY_LIMIT.format(limit=2)
        )
        clock.advance(days=1, minutes=1)
        await file_phan_anh(a)  # a day later: welcome again


async def test_a_citizen_cannot_make_the_bot_flood_the_staff_group(tmp_path: Path):
    api, clock = LocalBotApi(), FakeClock()
    app = build_application(limited(tmp_path, messages_per_minute=10), request=api, clock=clock)
    async with app:
        story = Story(app, api, clock)
        [reply] = sends(await story.say("cho hỏi nuôi chim yến trong khu dân cư ra sao"))
        await story.press(reply, "Gửi câu hỏi")
        for n in range(60):
            await story.say(f"Anh ơi trả lời giúp em với, lần {n}")
        to_group = sends(await story.deliver(), STAFF_GROUP)
        assert 1 <= len(to_group) <= 10
        assert last_with_buttons(to_group)  # the question itself, with its claim button


class TooManyRequestsOnce(LocalBotApi):
    """Answers the first sendMessage with Telegram's 429 "retry after 1 second"."""

    refused: int = 0

    async def do_request(self, url: str, method: str, request_data=None, *args, **kwargs):
        if url.endswith("/sendMessage") and not self.refused:
            self.refused += 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            return 429, json.dumps(body).encode()
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_telegrams_own_flood_limit_is_waited_out_not_turned_into_an_error(tmp_path: Path):
    api, clock = TooManyRequestsOnce(), FakeClock()
    app = build_application(mini_settings(tmp_path), request=api, clock=clock)  # with limiter
    errors: list[object] = []

    async def collect(update: object, context: Any) -> None:
        errors.append(context.error)

    app.add_error_handler(collect)
    async with app:
        story = Story(app, api, clock)
        [answer] = sends(await story.say("xin chào"))
    assert api.refused == 1 and answer.params["text"] == texts.GREETING_REPLY and not errors
