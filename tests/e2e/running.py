"""Shared pieces of the end-to-end tests: the real bot polling a Bot API fake, and waiting for
repeating jobs without sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.settings import Settings
from tests.clock import FakeClock
from tests.fakes import FakeBotApi, FakeUser

MINI = Path(__file__).resolve().parents[1] / "data" / "kb_min"
Message = dict[str, Any]


def e2e_settings(fake: FakeBotApi, tmp_path: Path, token: str, **extra: Any) -> Settings:
    """The bot on the small fixture knowledge and its own SQLite file, talking to the fake."""
    return Settings(
        _env_file=None,
        telegram_bot_token=token,
        telegram_api_base_url=fake.base_url,
        telegram_api_file_url=fake.base_file_url,
        database_url=f"sqlite:///{tmp_path}/e2e.sqlite",
        knowledge_dir=MINI,
        **({"messages_per_minute": 1000} | extra),  # stories run faster than people type
    )


@asynccontextmanager
async def running_bot(
    fake: FakeBotApi, tmp_path: Path, clock: FakeClock, token: str = "123456789:E2E"
) -> AsyncIterator[Any]:
    """The real Application, polling the fake in this event loop, with its jobs running, as
    `python -m bot run` polls (each fetched update kept until handled)."""
    settings = e2e_settings(
        fake, tmp_path, token, outbox_interval_seconds=0.2, sweep_interval_seconds=0.3
    )
    app = build_application(settings, clock=clock, polling=True)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)  # as run_polling does: what a previous run left unfinished
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        await fake.wait_for_poller()
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


class RunCounter:
    """Counts completed calls of an async function the bot's jobs call (the real one still
    runs), so a test can wait for "n more sweeps" instead of sleeping."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, timeout: float = 10.0
    ) -> None:
        self.runs = 0
        self.timeout = timeout
        self._changed = asyncio.Condition()
        real = getattr(owner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            try:
                return await real(*args, **kwargs)
            finally:
                async with self._changed:
                    self.runs += 1
                    self._changed.notify_all()

        monkeypatch.setattr(owner, name, counted)

    async def ticks(self, n: int) -> None:
        """Wait until `n` more calls have completed."""
        target = self.runs + n
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.runs >= target), self.timeout
            )


def labels(message: Message) -> list[str]:
    """The inline button labels of a message as the citizen sees it."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def say(
    fake: FakeBotApi, user: FakeUser, text: str, count: int = 1, **kw: Any
) -> list[Message]:
    await fake.send_text(user, text, **kw)
    return await fake.wait_for(user, count=count)


async def press(
    fake: FakeBotApi, user: FakeUser, message: Message, label: str, **expect: Any
) -> dict[str, Any]:
    """Press a button and wait for the bot to answer the callback query; check the answer."""
    query = await fake.press(user, message, button_text=label)
    answer = await fake.wait_for_callback_answer(query)
    for key, value in expect.items():
        assert answer.get(key) == value, (label, answer)
    return answer


def markup_sent_with(fake: FakeBotApi, message: Message) -> dict[str, Any]:
    """The reply_markup the bot sent with a message (ForceReply is not part of the Message)."""
    key = (message["chat"]["id"], message["message_id"])
    call = next(
        c
        for c in fake.sent
        if c.message is not None and (c.message["chat"]["id"], c.message["message_id"]) == key
    )
    return call.reply_markup or {}


async def outbox_settled(store: Any, timeout: float = 5.0) -> None:
    """Wait until every queued message is sent (none claimed and in flight), so that moving the
    fake clock cannot make a claim's lease expire under a send."""
    async with asyncio.timeout(timeout):
        while any(m.status == "pending" for m in await store.outbox()):
            await asyncio.sleep(0.05)
