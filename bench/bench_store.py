"""CPU of the database calls every citizen question makes, on SQLite and on PostgreSQL.

    python bench/bench_store.py [--calls 3000]

For each database, in process and without Telegram: the chat's claims (is a complaint draft or a
conversation with staff waiting for this message?) and the question log with the chat's subject,
`--calls` times each over 50 chats after a warm-up. Printed: microseconds of this process's CPU
per call (the bot's own cost), of the PostgreSQL server's processes (shared by every instance of
the bot: what caps how many can run on one database) and wall time per call.
On PostgreSQL the bot reads the claims with the chat's lock (bot/storage/chat_lock.py) and logs
the question in the lock's transaction: the last rows time the lock alone and the lock with the
log in it (their difference is what logging costs the bot there), for a question answered (its
log goes with the COMMIT) and for one the citizen may forward to staff (logged at once, as its
button needs the id). Last, what long polling's crash safety costs per update
(bot/storage/update_inbox.py): its batch kept (batches of BATCH) and the update marked handled;
on PostgreSQL also inside the chat's lock, whose COMMIT the mark then rides on. For scale, a
bare round trip to PostgreSQL (`SELECT 1` on a plain psycopg connection): the lock needs two.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_e2e import cpu_seconds, postgres_pids  # noqa: E402
from bot.ports import QuestionRecord  # noqa: E402  (after the path is set)
from bot.storage.chat_lock import ChatLocks  # noqa: E402
from bot.storage.db import make_engine, migrate  # noqa: E402
from bot.storage.handoff_repo import HandoffStore  # noqa: E402
from bot.storage.update_inbox import UpdateInbox  # noqa: E402
from tests.conftest import throwaway_postgres_url  # noqa: E402

CHATS = 50
BATCH = 5  # updates per getUpdates answer (bench_e2e's polling run: 3-10 under load)


async def measure(url: str, calls: int) -> list[tuple[str, float, float, float]]:
    engine = make_engine(url)
    migrate(engine)
    store = HandoffStore(engine)
    record = QuestionRecord(
        datetime.now(UTC), "cho em hỏi làm giấy khai sinh", "procedure", "general", "answered",
        "khai-sinh", 88.0,
    )  # fmt: skip

    async def claims(i: int) -> None:
        await store.chat_claims(i % CHATS)

    forwardable = dataclasses.replace(record, outcome="unanswered", forward_token="Zm9yd2Fy")

    async def log(i: int) -> None:
        await store.record_question(record, i % CHATS, "khai-sinh")

    locks = ChatLocks.for_url(url)
    if locks is not None:
        await locks.open()

    async def lock(i: int) -> None:
        assert locks is not None
        async with locks.hold(f"chat:{i % CHATS}", read_ahead=i % CHATS):
            pass

    async def lock_and_log(i: int) -> None:
        assert locks is not None
        async with locks.hold(f"chat:{i % CHATS}", read_ahead=i % CHATS):
            await store.record_question(record, i % CHATS, "khai-sinh")

    async def lock_and_log_forwardable(i: int) -> None:
        assert locks is not None
        async with locks.hold(f"chat:{i % CHATS}", read_ahead=i % CHATS):
            await store.record_question(forwardable, i % CHATS, None)

    inbox = UpdateInbox(engine)
    body = '{"update_id":1,"message":{"message_id":1,"date":1,"text":"%s"}}' % ("x" * 60)
    offset = 0  # update ids never repeat, however many passes

    async def polled(i: int) -> None:
        nonlocal offset
        if i % BATCH == 0:
            offset += BATCH
            batch = [(offset + k, body) for k in range(BATCH)]
            await inbox.keep(batch, record.created_at)
        await inbox.handled(offset + i % BATCH, record.created_at)

    calls_measured = [
        ("chat's claims", claims),
        ("question log + subject", log),
        ("polled update kept+handled", polled),
    ]

    async def lock_and_polled(i: int) -> None:
        assert locks is not None
        async with locks.hold(f"chat:{i % CHATS}", read_ahead=i % CHATS):
            await polled(i)

    bare: psycopg.AsyncConnection | None = None
    if locks is not None:
        bare = await psycopg.AsyncConnection.connect(locks.pool.conninfo, autocommit=True)

    async def round_trip(i: int) -> None:
        assert bare is not None
        await bare.execute("SELECT 1")

    if locks is not None:
        calls_measured += [
            ("a bare round trip", round_trip),
            ("chat's lock (+ claims)", lock),
            ("lock, then log in it", lock_and_log),
            ("lock, forwardable log", lock_and_log_forwardable),
            ("lock, polled update in it", lock_and_polled),
        ]
    rows = []
    for name, call in calls_measured:
        for i in range(200):
            await call(i)
        server = cpu_seconds(postgres_pids())
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(calls):
            await call(i)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        server = cpu_seconds(postgres_pids()) - server
        rows.append((name, cpu / calls * 1e6, server / calls * 1e6, wall / calls * 1e6))
    if locks is not None:
        await locks.close()
    if bare is not None:
        await bare.close()
    inbox.close()
    store.close()
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    calls = parser.parse_args().calls
    print(f"{calls} calls each, {CHATS} chats; µs per call")
    with tempfile.TemporaryDirectory() as folder:
        sqlite = asyncio.run(measure(f"sqlite:///{folder}/bench.sqlite", calls))
    with throwaway_postgres_url() as url:
        postgres = asyncio.run(measure(url, calls))
    for base, rows in (("SQLite", sqlite), ("PostgreSQL", postgres)):
        for name, cpu, server, wall in rows:
            # SQLite runs in this process: its CPU is the bot's.
            database = f"PostgreSQL CPU {server:5.0f}   " if base == "PostgreSQL" else " " * 23
            print(f"  {base:<11} {name:<27} CPU {cpu:7.0f}   {database}wall {wall:7.0f}")


if __name__ == "__main__":
    main()
