"""An update that stops waiting for a chat's lock (cancelled by a shutdown's deadline, say) gives
its database connection back: the locks' small pool must not shrink with every such wait."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.storage.chat_lock import ChatLocks
from tests.conftest import LockedStore


async def _update(locks: ChatLocks, chat: int) -> None:
    async with locks.hold(f"chat:{chat}", read_ahead=chat):
        pass


@pytest.mark.postgres
async def test_cancelled_waits_for_a_busy_chat_leave_the_pool_whole(locked_store: LockedStore):
    locks = locked_store.locks
    async with locks.hold("chat:1", read_ahead=1):  # a long update of chat 1
        for _ in range(locks.size + 1):  # more waits than the pool has connections
            waiting = asyncio.create_task(_update(locks, 1))
            await asyncio.sleep(0.2)  # now waiting inside PostgreSQL
            assert not waiting.done()
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
    # Every connection is free again: as many chats as the pool holds, all at once.
    all_in = asyncio.Event()
    inside = 0

    async def together(chat: int) -> None:
        nonlocal inside
        async with locks.hold(f"chat:{chat}", read_ahead=chat):
            inside += 1
            if inside == locks.size:
                all_in.set()
            await all_in.wait()

    async with asyncio.timeout(10):
        await asyncio.gather(*(together(chat) for chat in range(2, 2 + locks.size)))
