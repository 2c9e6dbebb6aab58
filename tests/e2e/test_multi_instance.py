"""Two bot processes in webhook mode share one PostgreSQL database behind one bot token.

The Bot API fake hands updates to the two instances in turn (as a load balancer would), so a
citizen's filing hops between processes at every step; nothing one instance keeps in memory
can carry it. A deadline then passes while both run and both sweep every 0.3 s: exactly one
escalation and one apology. Finally SIGTERM stops an instance in the middle of handling an
update and delivering a notification: both complete and the process exits 0.

Time: the instances run on the real clock. The case's resolve deadline is moved into the past
in the database, which is what the passing of ten working days does to a case; the sweep's
working-day arithmetic is exercised by tests/integration with a controlled clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot import complaint_texts as t
from bot.storage.db import make_engine
from bot.storage.handoff_repo import HandoffStore
from tests.conftest import throwaway_postgres_url
from tests.e2e.instances import TOKEN, BotProcess, bot_process
from tests.e2e.running import labels, say
from tests.e2e.test_complaints_over_http import (
    LAMP,
    about,
    case_message,
    check,
    file_road_report,
    press_and_read,
)
from tests.fakes import FakeBotApi

CITIZEN, TRUONG_PHONG, CHU_TICH = 5101, 9002, 9001  # kb_min: chu-tich supervises truong-phong


async def stop_all(*instances: BotProcess) -> list[int]:
    return list(await asyncio.gather(*(i.terminate() for i in instances)))


def move_resolve_deadline(url: str, code: str, to: datetime) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE complaint SET resolve_due = :due, version = version + 1 WHERE code = :c"
            ),
            {"due": to, "c": code},
        )
    engine.dispose()


async def test_filing_hops_between_instances_and_a_missed_deadline_acts_once(
    tmp_path: Path,
) -> None:
    with throwaway_postgres_url() as url:
        async with FakeBotApi(token=TOKEN, multi_webhook=True) as fake:
            citizen = fake.user(CITIZEN, "Lan")
            official = fake.user(TRUONG_PHONG, "Phòng")
            supervisor = fake.user(CHU_TICH, "Tỉnh")
            a = bot_process(fake, url, tmp_path, "a")
            b = bot_process(fake, url, tmp_path, "b")
            await a.start()
            await b.start()  # both migrate the fresh schema at once: one waits for the other
            try:
                await asyncio.gather(a.healthy(), b.healthy())
                assert {w.url for w in fake.webhooks} == {a.url, b.url}

                # 1. The filing: every step may land on either instance.
                code, filed, _ = await file_road_report(fake, citizen, LAMP, attachments=False)
                assert "Trần Thị Phòng" in filed["text"]
                served = {d.url for d in fake.webhook_deliveries if d.ok}
                assert served == {a.url, b.url}, "the updates did not hop between instances"

                # 2. The official is notified once (both outbox workers run) and acknowledges.
                [note] = await fake.wait_for(official, timeout=10)
                check(note, code, LAMP)
                [done] = await press_and_read(fake, official, note, t.BTN_ACK)
                assert f"Đã tiếp nhận {code}" in done["text"]
                [ack] = await fake.wait_for(citizen, timeout=10)
                check(ack, code, "tiếp nhận")

                # 3. The resolve deadline passes while both instances sweep.
                move_resolve_deadline(url, code, datetime.now(UTC) - timedelta(hours=1))
                escalated = await fake.wait_for(
                    supervisor, predicate=about(code, "Chuyển lên"), timeout=10
                )
                told, apology = await fake.wait_for(citizen, count=2, timeout=10)
                check(told, code, "chưa được xử lý đúng hạn")
                check(apology, code, "THƯ XIN LỖI")
                assert t.BTN_ACK in labels(escalated[0])
                await asyncio.sleep(1.5)  # about five more sweeps on each instance
                await fake.assert_no_message(citizen, within=0.1)
                await fake.assert_no_message(supervisor, within=0.01)
                store = HandoffStore(make_engine(url))
                assert await store.count_events("escalated") == 1
                assert await store.count_events("apology") == 1
                assert fake.duplicates(case_message) == {}

                # 4. Either instance answers the citizen's tracking request alike.
                for _ in range(2):
                    [card] = await say(fake, citizen, f"/tracuu {code}")
                    assert "Diễn biến" in card["text"] and LAMP in card["text"]
            finally:
                codes = await stop_all(a, b)
            assert codes == [0, 0], (a.tail(), b.tail())


async def test_sigterm_finishes_the_update_and_the_notification_in_flight(tmp_path: Path) -> None:
    with throwaway_postgres_url() as url:
        async with FakeBotApi(token=TOKEN, multi_webhook=True) as fake:
            citizen = fake.user(CITIZEN, "Lan")
            official = fake.user(TRUONG_PHONG, "Phòng")
            bot = bot_process(fake, url, tmp_path, "only")
            await bot.start()
            try:
                await bot.healthy()
                code, _, _ = await file_road_report(fake, citizen, LAMP, attachments=False)
                [note] = await fake.wait_for(official, timeout=10)
                # Telegram turns slow: the reply to the official's press (part of handling the
                # update) and the notification it queues for the citizen (an outbox batch)
                # each take two seconds. SIGTERM arrives while both are on their way.
                reply = fake.inject("sendMessage", None, delay=2, chat_id=official.id)
                notification = fake.inject("sendMessage", None, delay=2, chat_id=citizen.id)
                await fake.press(official, note, button_text=t.BTN_ACK)
                async with asyncio.timeout(10):
                    while not (reply.hits and notification.hits):
                        await asyncio.sleep(0.02)
            finally:
                exit_code = await bot.terminate()
            assert exit_code == 0, bot.tail()
            [done] = fake.messages_to(official)[-1:]
            assert f"Đã tiếp nhận {code}" in done["text"]
            [told] = fake.messages_to(citizen)[-1:]
            check(told, code, "tiếp nhận")
            assert fake.pending_updates == []  # the post was answered: Telegram will not resend
            store = HandoffStore(make_engine(url))
            assert [m.status for m in await store.outbox()] == ["sent"] * len(await store.outbox())
