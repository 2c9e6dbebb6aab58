"""On PostgreSQL a citizen's question is logged, and the chat's subject remembered, in the chat
lock's own transaction: visible to everyone once the update ends, never half-done, and the next
update of the chat (on any instance) sees the subject the previous one set.

A question that can be forwarded to staff is written at once (its button needs the id); any
other waits for the update's COMMIT and goes in its round trip: the same guarantees hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.ports import QuestionRecord
from bot.storage.chat_lock import ChatLocks
from bot.storage.db import make_engine, migrate
from bot.storage.handoff_repo import HandoffStore
from tests.conftest import LockedStore, throwaway_postgres_url

CHAT = 9
# Written as SQL literals when deferred: quotes, percent signs and placeholders stay text.
ASKED = "lệ phí khai sinh bao nhiêu? 100% 'miễn' %s %(x)s \\"
VIETNAM = timezone(timedelta(hours=7))


def _record(text: str, forward_token: str | None = "tok") -> QuestionRecord:
    return QuestionRecord(
        created_at=datetime(2026, 11, 27, 23, 0, tzinfo=VIETNAM),  # 16:00 UTC
        text=text,
        intent="procedure",
        aspect="fee",
        outcome="answered",
        best_procedure_id="khai-sinh",
        best_score=91.5,
        forward_token=forward_token,
    )


def _logged(engine: sa.Engine) -> list[tuple[str, datetime, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT text, created_at, forward_token FROM question_log"))
        return [(r.text, r.created_at, r.forward_token) for r in rows]


@pytest.mark.postgres
@pytest.mark.parametrize("token", ["tok", None], ids=["forwardable", "not-forwardable"])
async def test_question_logged_with_the_update_and_only_if_it_completes(
    locked_store: LockedStore, token: str | None
):
    engine, store, locks = locked_store.engine, locked_store.store, locked_store.locks
    since = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    async with locks.hold(f"chat:{CHAT}", read_ahead=CHAT):
        question_id = await store.record_question(_record(ASKED, token), CHAT, "khai-sinh")
        assert _logged(engine) == []  # not yet committed: other connections see nothing
    assert _logged(engine) == [(ASKED, datetime(2026, 11, 27, 16, 0, tzinfo=UTC), token)]
    if token is not None:  # its forward button finds it
        assert question_id is not None and (await store.question(question_id)) is not None
    async with locks.hold(f"chat:{CHAT}", read_ahead=CHAT):  # the chat's next update
        assert await store.last_procedure(CHAT, since) == "khai-sinh"

    with pytest.raises(RuntimeError):
        async with locks.hold(f"chat:{CHAT}", read_ahead=CHAT):
            await store.record_question(_record("đăng ký kết hôn", token), CHAT, "ket-hon")
            raise RuntimeError("the update failed before any answer went out")
    assert [text for text, *_ in _logged(engine)] == [ASKED]
    assert await store.last_procedure(CHAT, since) == "khai-sinh"

    # Outside a lock (another chat's, or none): logged on its own, at once.
    async with locks.hold("chat:10", read_ahead=10):
        await store.record_question(_record("làm cccd", token), CHAT, None)
        assert len(_logged(engine)) == 2


@pytest.mark.postgres
async def test_lock_connections_made_before_the_migration_still_log_and_remember():
    """An instance whose lock connections were made before the database was migrated (another
    instance migrating it at that moment): what they could not prepare, they run in full."""
    since = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    with throwaway_postgres_url() as url:
        locks = ChatLocks.for_url(url, size=1)  # one connection, made while no table exists
        assert locks is not None
        await locks.open()
        engine = make_engine(url)
        try:
            async with locks.hold("chat:1"):
                pass
            migrate(engine)
            store = HandoffStore(engine)
            async with locks.hold(f"chat:{CHAT}", read_ahead=CHAT):
                await store.record_question(_record(ASKED, None), CHAT, "khai-sinh")
            assert [text for text, *_ in _logged(engine)] == [ASKED]
            async with locks.hold(f"chat:{CHAT}", read_ahead=CHAT):
                assert await store.last_procedure(CHAT, since) == "khai-sinh"
        finally:
            await locks.close()
            engine.dispose()
