"""On PostgreSQL a citizen message's claims (draft step, conversation with staff) are read in the
same round trip as the chat's lock. They must be what the lock's previous holder left, and
serve only the update's first question: after a handler changes the draft, the next question
sees the change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.ports import ChatClaims
from bot.storage.complaint_models import ComplaintDraft
from tests.conftest import LockedStore

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CHAT = 5


@pytest.mark.postgres
async def test_claims_read_with_the_lock_follow_the_previous_holder_then_the_database(
    locked_store: LockedStore,
):
    store, locks = locked_store.store, locked_store.locks
    first_holds = asyncio.Event()

    async def first_update() -> None:
        async with locks.hold(f"chat:{CHAT}", read_ahead=CHAT):
            first_holds.set()
            await asyncio.sleep(0.3)  # the second update waits for the lock meanwhile
            draft = ComplaintDraft(chat_id=CHAT, user_id=CHAT, step="description", updated_at=NOW)
            await store.save_draft(draft)

    async def second_update() -> tuple[ChatClaims, ChatClaims]:
        await first_holds.wait()
        async with locks.hold(f"chat:{CHAT}", read_ahead=CHAT):
            seen = await store.chat_claims(CHAT)  # read with the lock
            await store.drop_draft(CHAT)  # what a "Huỷ" press does
            after = await store.chat_claims(CHAT)  # from the database
        return seen, after

    _, (seen, after) = await asyncio.gather(first_update(), second_update())
    assert seen == ChatClaims(draft_step="description", handoff=False)
    assert after == ChatClaims(draft_step=None, handoff=False)
