"""CPU of reading Telegram's answer to a reply: what `send_text` (bot/telegram_http.py) saves.

    python bench/bench_reply.py [--calls 4000]

Telegram answers every sendMessage with the whole message sent: text, entities and keyboard.
python-telegram-bot's `send_message` builds a `Message` from it; the bot's handlers never read
it, so they send with `send_text`, which leaves it unread. This sends the shipped knowledge's
answer cards (with their section buttons) and a short echo-like text to the loopback Bot API
fake once each, then prints the microseconds of CPU that building a `Message` from each answer
takes (in process, `--calls` times over the answers).

Also what a card's section buttons cost to seal for the chat (bot/notify.py): as new button
objects that python-telegram-bot turns into JSON when it sends them (`seal_inline`, then
`to_dict`), and straight into JSON (`sealed_json`, what `send_text` gets).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from telegram import LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cards import card  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.notify import seal_inline, seal_markup, sealed_json  # noqa: E402
from bot.telegram_http import JsonRequest  # noqa: E402
from handlers import keyboards  # noqa: E402
from tests.fakes import FakeBotApi  # noqa: E402


async def answers(cards: int) -> tuple[list[Any], list[Any]]:
    """Telegram's (the fake's) answers to sending answer cards, and to a short text."""
    kb = load_knowledge(ROOT / "knowledge")
    async with FakeBotApi() as fake:
        citizen = fake.user(7001, "Lan")
        defaults = Defaults(
            parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        )
        async with ExtBot(
            "123:bench",
            base_url=fake.base_url,
            base_file_url=fake.base_file_url,
            request=JsonRequest(),
            defaults=defaults,
        ) as bot:
            sent = [
                await bot.send_message(
                    citizen.id,
                    card(kb, p, "documents"),
                    reply_markup=seal_markup(bot, citizen.id, keyboards.sections(p.id)),
                )
                for p in list(kb.by_id.values())[:cards]
            ]
            short = await bot.send_message(citizen.id, "lam cccd mat bn tien")
        # As Telegram sent them (a Message turns back into the JSON it was built from).
        return [m.to_dict() for m in sent], [short.to_dict()]


def per_call(raw: list[Any], calls: int) -> float:
    """Microseconds of CPU to build a Message from one of `raw`."""
    bot = ExtBot("123:bench")
    start = time.process_time()
    for i in range(calls):
        Message.de_json(raw[i % len(raw)], bot)
    return (time.process_time() - start) / calls * 1e6


def sealing(calls: int) -> tuple[float, float]:
    """Microseconds of CPU to seal a card's section buttons: as objects turned into JSON, and
    straight into JSON."""
    bot = ExtBot("123:bench")
    kb = load_knowledge(ROOT / "knowledge")
    markups = [keyboards.sections(p.id) for p in kb.by_id.values()]
    figures = []
    for seal in (
        lambda chat, markup: seal_inline(bot, chat, markup).to_dict(),
        lambda chat, markup: sealed_json(bot, chat, markup),
    ):
        start = time.process_time()
        for i in range(calls):
            seal(200_000 + i % 50, markups[i % len(markups)])
        figures.append((time.process_time() - start) / calls * 1e6)
    return figures[0], figures[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4000)
    args = parser.parse_args()
    cards, short = asyncio.run(answers(20))
    chars = sum(len(c["text"]) for c in cards) // len(cards)
    for name, raw in ((f"answer card (~{chars} characters)", cards), ("short text", short)):
        print(f"{name:34} {per_call(raw, args.calls):6.0f} µs of CPU per Message built")
    as_objects, as_json = sealing(args.calls)
    print(f"a card's buttons sealed as objects, then JSON {as_objects:6.0f} µs of CPU")
    print(f"a card's buttons sealed straight into JSON   {as_json:6.0f} µs of CPU")


if __name__ == "__main__":
    main()
