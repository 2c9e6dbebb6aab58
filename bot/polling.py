"""Long polling that loses no update to a crash (the default mode, one instance).

python-telegram-bot's Updater queues a fetched batch and at once asks for the next one, which
tells Telegram the batch arrived: Telegram then forgets it. A process killed while the batch is
still being handled (out of memory, a host restart) used to take those citizens' messages with
it, unanswered. Here the batch is written to the database (bot/storage/update_inbox.py) before
that next call can be made, each update is marked handled when its handlers have run
(bot/chat_order.py), and on start:

1. Telegram is told that everything up to the update received last has arrived (if it came
   within the 24 hours Telegram keeps updates): one kept and even handled, whose confirmation
   the crash prevented, is not received a second time;
2. the updates left unfinished are queued again, before any new one.

Webhook mode needs none of this: Telegram gets its answer only once the update is handled.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.ports import Clock, PolledUpdates
from bot.telegram_http import JsonRequest

log = logging.getLogger(__name__)

# An update whose handling was cut short this many times is given up: the likeliest cause is
# the update itself (it crashes the process), and every citizen after it must still be served.
MAX_RESTARTS = 3
TELEGRAM_KEEPS = timedelta(hours=24)  # how long Telegram holds an update nobody confirmed


class KeepingRequest(JsonRequest):
    """The getUpdates transport: each batch Telegram sends is kept before it is returned.

    The raw answer is at hand here, so the kept JSON is exactly what Telegram sent. A batch
    that cannot be kept fails the call (python-telegram-bot then asks again, with the same
    offset: Telegram sends the batch again)."""

    def __init__(self, inbox: PolledUpdates, clock: Clock, **options: Any) -> None:
        super().__init__(**options)
        self.inbox = inbox
        self.clock = clock

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        status, content = await super().do_request(url, method, *args, **kwargs)
        if status == 200 and url.endswith("/getUpdates"):
            await self.inbox.keep(_batch(content), self.clock.now())
        return status, content


def _batch(content: bytes) -> list[tuple[int, str]]:
    """(update id, JSON) of each update in a getUpdates answer."""
    result = json.loads(content).get("result") or []
    return [
        (int(u["update_id"]), json.dumps(u, ensure_ascii=False, separators=(",", ":")))
        for u in result
    ]


async def resume(application: Application, inbox: PolledUpdates, clock: Clock) -> int:
    """Before polling starts: confirm what the inbox holds, queue what a crash left unfinished.
    Returns how many updates were queued again."""
    # Read before the call below, which keeps (through KeepingRequest) the update after
    # `newest` if Telegram has one: that one is the Updater's to fetch, not a leftover.
    unfinished = await inbox.unfinished()
    # Telegram keeps an unconfirmed update for 24 hours: what was received before that is
    # gone from it (and its ids may have started again lower since, after a quiet week).
    newest = await inbox.newest(since=clock.now() - TELEGRAM_KEEPS)
    if newest is not None:
        # getUpdates is refused while a webhook is set (a run in webhook mode since the last
        # polling one); the Updater would delete it next anyway, keeping what Telegram holds.
        await application.bot.delete_webhook(drop_pending_updates=False)
        # Confirms every update up to `newest`.
        await application.bot.get_updates(offset=newest + 1, limit=1, timeout=0)
    queued = 0
    for left in unfinished:
        if left.restarts >= MAX_RESTARTS:
            log.error(
                "update %s given up: its handling was cut short %d times",
                left.update_id,
                left.restarts + 1,
            )
            await inbox.handled(left.update_id, clock.now())
            continue
        try:
            update = Update.de_json(json.loads(left.body), application.bot)
        except (ValueError, TypeError, KeyError):
            log.error("update %s given up: it could not be read back", left.update_id)
            await inbox.handled(left.update_id, clock.now())
            continue
        await application.update_queue.put(update)
        queued += 1
    if queued:
        log.warning("%d update(s) left unfinished by the last run are handled again", queued)
    return queued
