"""Two bot instances on one PostgreSQL database take one chat's updates in turn.

A citizen in the middle of a complaint sends five photos at once; a load balancer hands them to
two instances. Each instance is the real Application (its own process state, its own update
processor) on the same throwaway PostgreSQL schema, and each update goes through the instance's
update processor as it does when it arrives by webhook. Without a lock in the database both
instances read the same draft and the last write wins: photos are lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.local_api import LocalBotApi
from bot.settings import Settings
from tests import builders
from tests.clock import FakeClock
from tests.conftest import button_data, sent_message, throwaway_postgres_url

MINI = Path(__file__).resolve().parents[1] / "data" / "kb_min"
CITIZEN = builders.CITIZEN


async def handle(app: Application, update: dict[str, Any]) -> None:
    """Hand an update to an instance the way its webhook listener does."""
    parsed = Update.de_json(update, app.bot)
    await app.update_processor.process_update(parsed, app.process_update(parsed))


def last_prompt(api: LocalBotApi) -> Any:
    return next(c for c in reversed(api.calls) if c.params.get("reply_markup"))


@pytest.fixture
async def two_instances() -> AsyncIterator[tuple[Application, Application, LocalBotApi]]:
    with throwaway_postgres_url() as url:
        settings = Settings(
            _env_file=None, telegram_bot_token="123:TEST", database_url=url, knowledge_dir=MINI
        )
        api = LocalBotApi()  # one Telegram for both instances
        first = build_application(settings, request=api, clock=FakeClock(), rate_limit=False)
        second = build_application(settings, request=api, clock=FakeClock(), rate_limit=False)
        async with first, second:
            yield first, second, api


@pytest.mark.postgres
async def test_photos_sent_at_once_to_two_instances_all_reach_the_draft(
    two_instances: tuple[Application, Application, LocalBotApi],
) -> None:
    first, second, api = two_instances
    # The filing hops between the instances up to the attachments step.
    await handle(first, builders.message("/phananh"))
    for app, label in ((second, "Phản ánh"), (first, "Đường sá")):
        prompt = last_prompt(api)
        await handle(app, builders.press(button_data(prompt, label), sent_message(prompt)))
    await handle(second, builders.message("Mỹ Tho"))
    await handle(first, builders.message("Đèn đường ấp 5 hư cả tháng nay, tối rất nguy hiểm."))
    assert "ảnh" in api.calls[-2].params["text"]

    photos = []
    for n in range(5):
        update = builders.photo()
        update["message"]["photo"][0]["file_id"] = f"photo-{n}"
        photos.append(update)
    await asyncio.gather(*(handle((first, second)[n % 2], u) for n, u in enumerate(photos)))

    draft = await first.bot_data.flow.store.draft(CITIZEN["id"])
    assert draft is not None
    assert sorted(draft.photos) == [f"photo-{n}" for n in range(5)]
    counts = [c.params["text"] for c in api.calls if "/5" in str(c.params.get("text", ""))]
    # Each photo was acknowledged with its own count: the updates ran one after another.
    assert sorted(counts) == sorted({*counts}) and len(counts) == 5
