"""One chat's updates are handled one after another; different chats are not held up."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Chat, Message, Update, User

from bot.chat_order import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(id=chat_id, type=Chat.PRIVATE)
    user = User(id=chat_id, first_name="Dân", is_bot=False)
    message = Message(
        message_id=update_id, date=None, chat=chat, from_user=user, text=f"tin {update_id}"
    )
    return Update(update_id=update_id, message=message)


async def _run(processor: PerChatUpdateProcessor, updates: list[Update]) -> list[str]:
    """Process updates concurrently, recording when each handler starts and ends."""
    events: list[str] = []

    async def handler(update: Update) -> None:
        events.append(f"start {update.update_id}")
        await asyncio.sleep(0.02)
        events.append(f"end {update.update_id}")

    async with processor:
        await asyncio.gather(*(processor.process_update(u, handler(u)) for u in updates))
    return events


@pytest.mark.asyncio
async def test_same_chat_updates_do_not_overlap() -> None:
    processor = PerChatUpdateProcessor()
    events = await _run(processor, [_update(1, 42), _update(2, 42), _update(3, 42)])
    assert events == ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]
    assert processor.open_chats == 0


@pytest.mark.asyncio
async def test_different_chats_run_side_by_side() -> None:
    processor = PerChatUpdateProcessor()
    events = await _run(processor, [_update(1, 42), _update(2, 43)])
    assert events[:2] == ["start 1", "start 2"]
    assert processor.open_chats == 0


@pytest.mark.asyncio
async def test_a_failing_update_does_not_block_the_chat() -> None:
    processor = PerChatUpdateProcessor()
    handled: list[int] = []

    async def failing() -> None:
        raise RuntimeError("handler crashed")

    async def ok() -> None:
        handled.append(2)

    async with processor:
        with pytest.raises(RuntimeError):
            await processor.process_update(_update(1, 42), failing())
        await asyncio.wait_for(processor.process_update(_update(2, 42), ok()), timeout=1)
    assert handled == [2]
    assert processor.open_chats == 0
