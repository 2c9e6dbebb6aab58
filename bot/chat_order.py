"""Process one chat's updates in order while different chats run concurrently.

With plain ``concurrent_updates(True)`` a citizen who taps a button twice, or sends
two lines quickly in the middle of a complaint, gets both updates handled at once:
both read the same draft and one answer overwrites the other. Serialising per chat
keeps each conversation a sequence, and keeps the bot fast for everyone else.

With several instances on one PostgreSQL database, a second lock is taken in the database
(bot/storage/chat_lock.py) once the in-process one is held, so the same holds across instances.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


class SharedLocks(Protocol):
    """Locks every instance of the bot sees (a database's), keyed by a string."""

    def hold(
        self, key: str, read_ahead: int | None = None
    ) -> AbstractAsyncContextManager[None]: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within one chat (or one user without a chat)."""

    __slots__ = ("_finished", "_locks", "_shared", "_users")

    def __init__(
        self,
        max_concurrent_updates: int = 256,
        shared: SharedLocks | None = None,
        finished: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        """`finished`: told the id of each update whose handlers have run (polling mode keeps
        fetched updates until then, bot/polling.py)."""
        super().__init__(max_concurrent_updates)
        self._shared = shared
        self._finished = finished
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        # How many updates hold or wait for each lock, so idle locks are dropped
        # and the dict does not grow with every chat the bot has ever seen.
        self._users: dict[tuple[str, int], int] = {}

    @staticmethod
    def _key(update: object) -> tuple[str, int] | None:
        if not isinstance(update, Update):
            return None
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        return None

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine
        # Not reached when the task is cancelled or the process dies: the update is then
        # handled again after a restart. (Application.process_update reports the handlers'
        # own errors to the error handler; it raises nothing they raise.) Still inside the
        # shared lock: on PostgreSQL the mark rides on its transaction.
        if self._finished is not None and isinstance(update, Update):
            try:
                await self._finished(update.update_id)
            except Exception:
                # The update was handled; at worst it is handled again after a restart.
                log.warning(
                    "update %s handled, but could not be marked so", update.update_id, exc_info=True
                )

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await self._handle(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                if self._shared is None:
                    await self._handle(update, coroutine)
                else:
                    # Only the task holding the local lock waits in the database: one
                    # connection per busy chat, however many updates of it are queued here.
                    ahead = _read_ahead(update)
                    async with self._shared.hold(f"{key[0]}:{key[1]}", ahead):
                        await self._handle(update, coroutine)
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Open the shared locks' connections; local locks are created on demand."""
        if self._shared is not None:
            await self._shared.open()

    async def shutdown(self) -> None:
        """Close the shared locks' connections; local locks die with their last waiter."""
        if self._shared is not None:
            await self._shared.close()

    @property
    def open_chats(self) -> int:
        """Chats with an update being processed or waiting (for tests and metrics)."""
        return len(self._locks)


def _read_ahead(update: object) -> int | None:
    """The chat whose claims (draft, conversation with staff) the router asks for first: a
    citizen's message in private. Read with the lock, they cost no round trip of their own."""
    if not isinstance(update, Update) or update.message is None:
        return None
    chat = update.message.chat
    return chat.id if chat.type == "private" else None
