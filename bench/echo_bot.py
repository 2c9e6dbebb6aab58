"""A trivial echo bot: the yardstick bench/bench_e2e.py measures the real bot against.

The same python-telegram-bot, transport, rate limiter, concurrency and webhook server
(bot/webhook.py) as the real bot, configured by the same environment variables; it only sends
each text back. Run: `python bench/echo_bot.py [--webhook]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, MessageHandler, filters

from bot.app import webhook_options
from bot.settings import Settings
from bot.telegram_http import JsonRequest
from bot.webhook import serve, webhook_routes


async def echo(update: Update, context: object) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def build(settings: Settings) -> Application:
    assert settings.token is not None
    limiter = AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3)
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        .concurrent_updates(256)
        .rate_limiter(limiter)  # type: ignore[arg-type]
        .request(JsonRequest())
        .get_updates_request(JsonRequest(connection_pool_size=1))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def always() -> bool:
    return True


def main() -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    parser = argparse.ArgumentParser()
    parser.add_argument("--webhook", action="store_true")
    settings = Settings()
    app = build(settings)
    if not parser.parse_args().webhook:
        app.run_polling(drop_pending_updates=False)
        return
    options = webhook_options(settings)
    routes = webhook_routes(
        app, path=options["url_path"], secret=options["secret_token"], database=always
    )
    asyncio.run(serve(app, routes, **options))


if __name__ == "__main__":
    main()
