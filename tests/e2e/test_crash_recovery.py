"""Crash safety: bot processes killed with SIGKILL at random while citizens file complaints.

Two bot processes in webhook mode share one PostgreSQL schema. Each is killed with SIGKILL at
a random moment of its service and started again, at least 50 times in all, while four citizens
file one complaint after another and the officials' notifications are delivered. (The processes
are forked from a parent that has done the imports, tests/e2e/zygote.py, so fifty restarts take
seconds, not minutes; each runs what `python -m bot run --webhook` runs.)
Meanwhile Telegram (the fake) misbehaves: 429 with retry_after, 500 and 502 answers, and
requests that hang past the client's timeout and are dropped.

The citizens behave like people: each looks at the last thing the bot said and answers it, and
if nothing comes for a while, answers it again. An update lost with a process is re-delivered
by Telegram (the webhook is only answered once an update has been handled), so a step may be
seen twice; the citizen just follows what the bot asks next.

Afterwards: every complaint a citizen was given a tracking code for exists, every
notification the outbox held reached its chat exactly once, and a receipt the outbox held
(Telegram failed the direct reply) reached its citizen. The figures are logged (run with
`-o log_cli=true --log-cli-level=WARNING`) with the random seed of the run.

What cannot be had: a send Telegram applied whose outcome the bot never learnt. The Bot API
has no idempotency key, so the outbox sends such a message again (at least once rather than at
most once). The fake can inject the lost answer (`deliver=True`); it is left out here on
purpose. A kill landing in the moment between Telegram's answer and the outbox row being marked
sent is the same case: such a second copy, which follows a kill within a second, is logged and
allowed; any other is a failure.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot import complaint_texts as t
from bot.storage.db import make_engine
from bot.storage.handoff_repo import HandoffStore
from tests.conftest import throwaway_postgres_url
from tests.e2e.instances import TOKEN, BotProcess, Zygote, bot_process
from tests.e2e.test_complaints_over_http import CODE, LAMP
from tests.fakes import FakeBotApi, FakeUser

log = logging.getLogger(__name__)

KILLS = int(os.environ.get("CRASH_KILLS", 50))
CITIZENS = (5201, 5202, 5203, 5204)
PATIENCE = 5.0  # seconds a citizen waits before answering the same prompt again
TOLD = re.compile(r"Mã tra cứu: ((?:PA|KN|TC)-[A-Z0-9]{5}-[A-Z0-9]{5})")


@dataclass
class Citizen:
    """Files complaints one after another by answering whatever the bot last asked."""

    fake: FakeBotApi
    user: FakeUser
    filings: int = 0
    actions: Counter[str] = field(default_factory=Counter)

    def current(self, messages: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The last message the citizen knows how to answer (an error apology is not one)."""
        for message in reversed(messages):
            if self.answer(message) is not None:
                return message
        return None

    @staticmethod
    def answer(message: dict[str, Any]) -> tuple[str, str] | None:
        """("press", label) or ("say", text) for a message of the filing, else None."""
        text = message.get("text", "")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        labels = [b["text"] for row in rows for b in row]
        for label in (t.TYPE_LABELS["phan-anh"], "Đường sá", t.SKIP, t.ANONYMOUS, t.SEND):
            if label in labels:
                return "press", label
        if "xã, phường nào" in text:
            return "say", "Mỹ Tho"
        if "kể lại sự việc" in text:
            return "say", "description"
        if TOLD.search(text):
            return "say", "/phananh"
        return None

    async def act(self, prompt: dict[str, Any] | None) -> None:
        kind, what = (self.answer(prompt) if prompt else None) or ("say", "/phananh")
        self.actions[what] += 1
        if kind == "press":
            assert prompt is not None
            await self.fake.press(self.user, prompt, button_text=what)
            return
        if what == "description":
            self.filings += 1
            what = f"{LAMP} Lần {self.user.id}-{self.filings}."
        await self.fake.send_text(self.user, what)

    async def run(self, stop: asyncio.Event) -> None:
        unanswered = 0
        while not stop.is_set():
            seen = len(self.fake.messages_to(self.user))
            prompt = self.current(self.fake.messages_to(self.user))
            # Twice without an answer (a button of a step already passed): start afresh.
            await self.act(prompt if unanswered < 2 else None)
            deadline = time.monotonic() + PATIENCE
            while len(self.fake.messages_to(self.user)) == seen and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            unanswered = unanswered + 1 if len(self.fake.messages_to(self.user)) == seen else 0
            await asyncio.sleep(0.15)  # the rest of a burst (a hint after a question)

    def told(self) -> set[str]:
        """Codes the bot gave this citizen: complaints they were told were received."""
        return {
            m.group(1)
            for msg in self.fake.messages_to(self.user)
            for m in TOLD.finditer(msg.get("text", ""))
        }


KILL_WINDOW = 1.0  # seconds from Telegram accepting a send to the outbox recording it, at worst


def killed_right_after(
    fake: FakeBotApi, key: tuple[int | str | None, str], kills: list[float]
) -> bool:
    """Whether an instance was killed just after the first copy of a message reached Telegram."""
    chat, code = key
    first = min(c.time for c in fake.sent if c.chat_id == chat and code in (c.text or ""))
    return any(first <= kill <= first + KILL_WINDOW for kill in kills)


def codes_in(text: str) -> set[str]:
    return {match.group(0) for match in CODE.finditer(text)}


def filing_of(url: str, code: str) -> tuple[int, float]:
    """The chat a case was filed from, and when (on the fake's clock)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        chat, created = conn.execute(
            sa.text("SELECT citizen_chat_id, received_at FROM complaint WHERE code = :code"),
            {"code": code},
        ).one()
    engine.dispose()
    return chat, created.timestamp()


def stored_codes(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        codes = set(conn.execute(sa.text("SELECT code FROM complaint")).scalars())
    engine.dispose()
    return codes


async def chaos(
    instance: BotProcess, rng: random.Random, kills: list[float], stop: asyncio.Event
) -> None:
    """Serve for a random while, SIGKILL, start again; until enough kills in all."""
    while not stop.is_set():
        began = time.monotonic()
        await instance.healthy()
        log.debug("%s healthy after %.1f s", instance.name, time.monotonic() - began)
        await asyncio.sleep(rng.uniform(0.5, 2.5))
        if len(kills) >= KILLS:
            return
        await instance.kill()
        kills.append(time.time())  # the clock the fake stamps calls with
        await instance.start()
        log.debug("%s restarted as %s at %s", instance.name, instance.pid, time.time())


async def misbehave(fake: FakeBotApi, rng: random.Random, stop: asyncio.Event) -> Counter[str]:
    """Telegram's bad moments: one fault at a time, the next a while after it struck."""
    injected: Counter[str] = Counter()
    while not stop.is_set():
        kind = rng.choice(["429", "500", "502", "timeout"])
        if kind == "429":
            fault = fake.inject("sendMessage", 429, retry_after=1)
        elif kind == "timeout":  # hangs past the client's 5 s read timeout, never applied
            fault = fake.inject("sendMessage", None, delay=5.5, disconnect=True)
        else:
            fault = fake.inject("sendMessage", int(kind))
        while not fault.hits and not stop.is_set():
            await asyncio.sleep(0.05)
        injected[kind] += fault.hits
        await asyncio.sleep(rng.uniform(2.0, 5.0))
    fake.clear_faults()
    return injected


async def test_sigkill_at_random_loses_no_complaint_and_duplicates_no_notification(
    tmp_path: Path,
) -> None:
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    with throwaway_postgres_url() as url:
        fake = FakeBotApi(
            token=TOKEN,
            multi_webhook=True,
            webhook_timeout=30,  # Telegram waits long for an answer; a hang is not a failure
            webhook_max_attempts=None,  # and keeps re-delivering while the instances are down
            webhook_retry_delay=0.05,
            strict_chats=False,  # officials and groups exist without having written first
        )
        async with fake, Zygote() as zygote:
            citizens = [Citizen(fake, fake.user(uid, f"Dân {uid}")) for uid in CITIZENS]
            instances = [
                bot_process(fake, url, tmp_path, name, zygote, outbox_lease_seconds="15")
                for name in ("a", "b")
            ]
            for instance in instances:
                await instance.start()
            kills: list[float] = []
            stop, calm = asyncio.Event(), asyncio.Event()
            started = time.monotonic()
            try:
                await asyncio.gather(*(i.healthy() for i in instances))
                filing = [asyncio.create_task(c.run(calm)) for c in citizens]
                faults = asyncio.create_task(misbehave(fake, rng, calm))
                await asyncio.wait_for(
                    asyncio.gather(*(chaos(i, rng, kills, stop) for i in instances)), 240
                )
                calm.set()
                injected = await faults
                await asyncio.gather(*filing)
                await asyncio.gather(*(i.healthy() for i in instances))
                store = HandoffStore(make_engine(url))
                async with asyncio.timeout(60):  # killed instances' claims expire after 15 s
                    while any(m.status == "pending" for m in await store.outbox()):
                        await asyncio.sleep(0.2)
                    # And Telegram's re-deliveries of what the last kills cut short (a "Gửi"
                    # whose receipt had not gone out yet) have been answered.
                    while fake.pending_updates:
                        await asyncio.sleep(0.2)
            finally:
                stop.set()
                calm.set()
                exits = await asyncio.gather(*(i.terminate() for i in instances))

            told = set().union(*(c.told() for c in citizens))
            filed = stored_codes(url)
            outbox = await store.outbox()
            # What the outbox was asked to deliver about each case, and what reached each chat.
            # A citizen's receipt is queued only when Telegram failed the direct reply; whether
            # it arrived is checked apart (the citizens' chats also hold the direct replies).
            receipts = {(m.chat_id, m.text) for m in outbox if m.purpose == "receipt"}
            due = Counter(
                (m.chat_id, code)
                for m in outbox
                if m.purpose != "receipt"
                for code in codes_in(m.text)
            )
            arrived = Counter(
                (call.chat_id, code)
                for call in fake.sent
                if call.chat_id not in CITIZENS  # their replies come from handlers, not the outbox
                for code in codes_in(call.text or "")
            )
            log.warning(
                "crash test (seed %s): %d kills in %.0f s, %d complaints told / %d stored, "
                "faults %s, %d webhook posts failed, %d notifications queued "
                "(%d of them receipts whose direct reply failed)",
                seed,
                len(kills),
                time.monotonic() - started,
                len(told),
                len(filed),
                dict(injected),
                sum(not d.ok for d in fake.webhook_deliveries),
                len(outbox),
                len(receipts),
            )
            for code in sorted(filed - told):
                # Stored, and the citizen never saw its code: what the bot sent that chat last,
                # against the kills around it, to tell which path left it untold.
                chat, created = filing_of(url, code)
                calls = [c for c in fake.calls if str(c.params.get("chat_id")) == str(chat)]
                log.warning(
                    "stored, not told: %s (chat %s); kills from 3 s before its filing: %s; "
                    "calls to the chat from 1 s before: %s",
                    code,
                    chat,
                    [round(k - created, 2) for k in kills if k > created - 3],
                    [
                        (
                            round(c.time - created, 2),
                            c.method,
                            c.status,
                            c.fault is not None,
                            str(c.params.get("text", ""))[:40],
                        )
                        for c in calls
                        if c.time > created - 1
                    ][:12],
                )
                log.warning(
                    "callback answers from 0.5 s before to 15 s after it: %s",
                    [
                        (round(c.time - created, 2), c.status, str(c.params.get("text", ""))[:40])
                        for c in fake.calls
                        if c.method == "answerCallbackQuery" and -0.5 < c.time - created < 15
                    ],
                )
            for c in citizens:
                log.debug(
                    "%s %s: %s",
                    c.user.id,
                    dict(c.actions),
                    [m.get("text", "")[:60] for m in fake.messages_to(c.user)][-6:],
                )
            assert len(kills) >= KILLS
            assert exits == [0, 0]
            assert len(told) >= 10, "too few filings completed to mean anything"
            assert told - filed == set(), "told received, but not stored"
            assert [(m.purpose, m.last_error) for m in outbox if m.status != "sent"] == []
            assert {code for _, code in due} == filed  # every case notified someone
            missing = {key: n for key, n in due.items() if arrived[key] < n}
            assert missing == {}, f"seed {seed}"
            by_chat = {c.user.id: c.told() for c in citizens}
            unreceived = {
                (chat, code)
                for chat, text in receipts
                for code in codes_in(text)
                if code not in by_chat[chat]
            }
            assert unreceived == set(), f"seed {seed}"
            # A copy sent again because its instance died between Telegram accepting it and
            # the outbox recording that (see the module docstring) follows a kill at once. Any
            # other second copy is a bug: two workers holding one claim, a lease lost mid-send.
            doubled = {key: n for key, n in arrived.items() if n > due[key]}
            unexplained = {
                key: n for key, n in doubled.items() if not killed_right_after(fake, key, kills)
            }
            log.warning("notifications sent twice after a kill in their last moments: %s", doubled)
            assert unexplained == {}, f"seed {seed}"
