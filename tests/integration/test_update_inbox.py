"""Polling mode's kept updates on real SQLite and PostgreSQL (bot/storage/update_inbox.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.storage.chat_lock import ChatLocks
from bot.storage.db import close_engine, make_engine, migrate
from bot.storage.update_inbox import UpdateInbox
from tests.conftest import throwaway_postgres_url

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
DAY_AGO = NOW - timedelta(hours=24)  # Telegram keeps an unconfirmed update this long


def _update(update_id: int, text: str) -> tuple[int, str]:
    message = {"message_id": update_id, "date": 0, "chat": {"id": 7, "type": "private"}}
    return update_id, json.dumps({"update_id": update_id, "message": message | {"text": text}})


@pytest.fixture
async def inbox(database_url: str) -> AsyncIterator[UpdateInbox]:
    engine = make_engine(database_url)
    migrate(engine)
    store = UpdateInbox(engine)
    yield store
    store.close()
    await close_engine(engine)


def _rows(inbox: UpdateInbox) -> list[tuple[int, str | None]]:
    inbox.close()  # SQLite: the held connection's writes are committed; read with a fresh one
    with inbox.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT update_id, body FROM polled_update ORDER BY 1"))
        return [(i, body) for i, body in rows]


async def test_a_batch_cut_short_comes_back_in_order_with_its_words(inbox: UpdateInbox):
    assert await inbox.newest(DAY_AGO) is None  # a new database: nothing to confirm to Telegram
    await inbox.keep([_update(11, "làm căn cước"), _update(12, "giấy độc thân")], NOW)
    await inbox.handled(11, NOW)

    left = await inbox.unfinished()
    assert [(u.update_id, u.restarts) for u in left] == [(12, 0)]
    assert json.loads(left[0].body)["message"]["text"] == "giấy độc thân"
    assert await inbox.newest(DAY_AGO) == 12
    # Each restart that finds it unfinished counts, so an update that kills the process every
    # time can be given up (bot/polling.py).
    assert [u.restarts for u in await inbox.unfinished()] == [1]


async def test_a_batch_fetched_twice_is_kept_once(inbox: UpdateInbox):
    await inbox.keep([_update(20, "sổ đỏ")], NOW)
    await inbox.keep([_update(20, "sổ đỏ"), _update(21, "hộ chiếu")], NOW)
    assert [u.update_id for u in await inbox.unfinished()] == [20, 21]


async def test_handled_updates_keep_no_words_and_only_the_newest_stays(inbox: UpdateInbox):
    await inbox.keep([_update(30, "khai sinh cho con"), _update(31, "đăng ký kết hôn")], NOW)
    await inbox.handled(30, NOW)
    await inbox.handled(31, NOW)
    assert _rows(inbox) == [(30, None), (31, None)]  # the citizens' words are gone at once

    await inbox.keep([_update(32, "tạm trú")], NOW)
    # Handled rows go when a batch comes: the table holds what is in progress and the last
    # batch (a restart confirms up to it).
    assert [i for i, _ in _rows(inbox)] == [32]
    assert await inbox.newest(DAY_AGO) == 32

    await inbox.handled(32, NOW)
    assert await inbox.unfinished() == []
    assert await inbox.newest(DAY_AGO) == 32  # kept, though handled


async def test_an_unfinished_update_older_than_a_new_batch_is_not_forgotten(inbox: UpdateInbox):
    await inbox.keep([_update(40, "đất đai"), _update(41, "xin chào")], NOW)
    await inbox.handled(41, NOW)  # 40 is still being handled (a slow send, say)
    await inbox.keep([_update(42, "cảm ơn")], NOW)
    assert [u.update_id for u in await inbox.unfinished()] == [40, 42]


async def test_the_newest_is_the_last_received_and_only_within_telegrams_day(
    inbox: UpdateInbox,
):
    await inbox.keep([_update(900, "chứng thực bản sao")], NOW - timedelta(days=9))
    await inbox.handled(900, NOW - timedelta(days=9))
    # Received more than a day ago: Telegram holds nothing of it any more, nothing to confirm.
    assert await inbox.newest(DAY_AGO) is None
    # After a quiet week Telegram numbers updates again from a random, maybe lower, id.
    await inbox.keep([_update(5, "xin chào")], NOW)
    assert await inbox.newest(DAY_AGO) == 5


async def test_on_postgresql_the_handled_mark_commits_with_the_chat_lock():
    """Polling on PostgreSQL: an update's mark rides on its chat lock's transaction (no round
    trip of its own), so it is committed when the update ends, and not before."""
    with throwaway_postgres_url() as url:
        engine = make_engine(url)
        migrate(engine)
        inbox, locks = UpdateInbox(engine), ChatLocks.for_url(url)
        assert locks is not None
        await locks.open()
        try:
            await inbox.keep([_update(60, "làm lại căn cước")], NOW)
            async with locks.hold("chat:7", read_ahead=7):
                await inbox.handled(60, NOW)
                assert [u.update_id for u in await inbox.unfinished()] == [60]  # not yet
            assert await inbox.unfinished() == []
            with pytest.raises(RuntimeError):
                async with locks.hold("chat:7", read_ahead=7):
                    await inbox.keep([_update(61, "hộ chiếu")], NOW)
                    await inbox.handled(61, NOW)
                    raise RuntimeError("the update failed")
            # Rolled back with the update: handled again after a restart, never lost.
            assert [u.update_id for u in await inbox.unfinished()] == [61]
        finally:
            await locks.close()
            await close_engine(engine)
