"""Shared fixtures: settings on a temporary database, and the real Application on a local API."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from telegram import Update

from bot.app import build_application
from bot.local_api import Call, LocalBotApi
from bot.settings import Settings
from bot.storage.chat_lock import ChatLocks
from bot.storage.db import make_engine, migrate
from bot.storage.handoff_repo import HandoffStore
from tests import builders

os.environ.setdefault("PTB_TIMEDELTA", "1")  # as `python -m bot` sets it

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def throwaway_postgres_url() -> Iterator[str]:
    """A URL of the test database whose search path is a fresh schema, dropped afterwards, so
    runs never see each other's rows. An unreachable server fails the test (never skips)."""
    admin = make_engine(POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One database per test: an SQLite file, or a throwaway PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.sqlite'}"
        return
    with throwaway_postgres_url() as url:
        yield url


def settings_for(knowledge: Path, database_url: str, **extra: Any) -> Settings:
    """Settings of a test bot on a given knowledge folder and database, nothing from `.env`."""
    values: dict[str, Any] = {
        "telegram_bot_token": "123:TEST",
        "database_url": database_url,
        "knowledge_dir": knowledge,
        # Tests type faster than people and their clock stands still (limits: test_flood).
        "messages_per_minute": 1000,
    }
    return Settings(_env_file=None, **(values | extra))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(
        KNOWLEDGE, f"sqlite:///{tmp_path / 'bot.sqlite'}", telegram_bot_token="123456:TEST"
    )


class Harness:
    """The real Application fed updates through `process_update`; replies land in `api`."""

    def __init__(self, app: Any, api: LocalBotApi) -> None:
        self.app = app
        self.api = api

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.calls[before:]

    async def say(self, text: str, user: dict[str, Any] = builders.CITIZEN) -> list[Call]:
        return await self.feed(builders.message(text, user))

    async def press(
        self, call: Call, label_part: str, user: dict[str, Any] = builders.CITIZEN
    ) -> list[Call]:
        """Press the button whose label contains `label_part` on a message the bot sent."""
        data = button_data(call, label_part)
        return await self.feed(builders.press(data, sent_message(call), user))


def sent_message(call: Call) -> dict[str, Any]:
    assert isinstance(call.result, dict), call
    return call.result


def buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def button_data(call: Call, label_part: str) -> str:
    for label, data in buttons(call):
        if label_part in label:
            return data
    raise AssertionError(f"no button with {label_part!r} in {buttons(call)}")


def texts_of(calls: list[Call]) -> list[str]:
    return [str(c.params.get("text", "")) for c in calls if "text" in c.params]


@pytest.fixture
async def harness(settings: Settings) -> AsyncIterator[Harness]:
    api = LocalBotApi()
    app = build_application(settings, request=api, rate_limit=False)
    async with app:
        yield Harness(app, api)


@dataclass
class LockedStore:
    """A migrated throwaway PostgreSQL schema: its engine, the bot's store and the chat locks."""

    engine: sa.Engine
    store: HandoffStore
    locks: ChatLocks


@pytest.fixture
async def locked_store() -> AsyncIterator[LockedStore]:
    with throwaway_postgres_url() as url:
        engine = make_engine(url)
        migrate(engine)
        locks = ChatLocks.for_url(url, size=4)
        assert locks is not None
        await locks.open()
        try:
            yield LockedStore(engine, HandoffStore(engine), locks)
        finally:
            await locks.close()
            engine.dispose()
