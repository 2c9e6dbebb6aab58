"""Process one chat's updates in order while different chats run concurrently.

With plain ``concurrent_updates(True)`` a citizen who taps a button twice, or sends
two lines quickly in the middle of a complaint, gets both updates handled at once:
both read the same draft and one answer overwrites the other. Serialising per chat
keeps each conversation a sequence, and keeps the bot fast for everyone else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within one chat (or one user without a chat)."""

    __slots__ = ("_locks", "_users")

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, asyncio.Lock] = {}
        # How many updates hold or wait for each lock, so idle locks are dropped
        # and the dict does not grow with every chat the bot has ever seen.
        self._users: dict[object, int] = {}

    @staticmethod
    def _key(update: object) -> object | None:
        if not isinstance(update, Update):
            return None
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up: locks are created on demand."""

    async def shutdown(self) -> None:
        """Nothing to release: locks die with their last waiter."""

    @property
    def open_chats(self) -> int:
        """Chats with an update being processed or waiting (for tests and metrics)."""
        return len(self._locks)
