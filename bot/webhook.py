"""Webhook mode: Telegram's posts and the load balancer's health checks on one small server.

Built as python-telegram-bot's `customwebhookbot` example builds it (Starlette served by
uvicorn, the Application started without its own webhook server), because the built-in server
has no health endpoint. Two choices differ from the example, on purpose:

* An update is answered 200 only once it has been handled. If the instance dies in between,
  Telegram gets no answer and delivers the update again (to another instance behind the load
  balancer), so a citizen's message is never lost to a crash.
* SIGTERM stops the server from taking new posts, lets the posts in progress finish, then stops
  the Application, which waits for the outbox batch being delivered; the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.settings import Settings
from bot.storage.db import database_reachable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_routes(
    application: Application,
    *,
    path: str,
    secret: str,
    database: Callable[[], Awaitable[bool]],
) -> Starlette:
    """The ASGI app: POST /<path> for updates (secret required), GET /healthz for probes
    (200 while the Application runs and `database()` says the database answers, else 503)."""
    expected = secret.encode()

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secrets.compare_digest(given, expected):
            return Response(status_code=403)  # a forged post never reaches a handler
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        # The same path as a polled update: the per-chat order, then the handlers.
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
        return Response()

    async def healthz(request: Request) -> Response:
        reachable = await database()
        ready = reachable and application.running
        body = {"status": "ok" if ready else "unavailable", "database": reachable}
        return JSONResponse(body, status_code=200 if ready else 503)

    return Starlette(
        routes=[
            Route(f"/{path}", telegram, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn's server, told to stop by SIGTERM/SIGINT without re-raising the signal after
    shutdown (its default), so the Application can still be stopped and the process exit 0."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        handled = (signal.SIGTERM, signal.SIGINT)
        for sig in handled:
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)


async def serve_webhook(application: Application, settings: Settings, **options: Any) -> None:
    """The bot in webhook mode; `options` are those of `bot.app.webhook_options` (listen, port,
    url_path, webhook_url, secret_token, drop_pending_updates)."""
    engine = application.bot_data.cases.store.engine
    asgi = webhook_routes(
        application,
        path=options["url_path"],
        secret=options["secret_token"],
        database=lambda: database_reachable(engine),
    )
    await serve(application, asgi, **options)


async def serve(application: Application, asgi: Starlette, **options: Any) -> None:
    """Register the webhook with Telegram, serve `asgi` until SIGTERM, then stop gracefully."""
    config = uvicorn.Config(
        asgi,
        host=options["listen"],
        port=options["port"],
        log_config=None,  # our logging setup (bot/log_format.py) applies
        access_log=False,  # an access line per update would be noise, and carries no reason
        lifespan="off",
        timeout_graceful_shutdown=None,  # posts in progress are citizens' messages: finish them
    )
    server = _Server(config)
    # The hooks python-telegram-bot's own run_polling/run_webhook call (the "/" command menu,
    # closing the database), which a hand-made server loop must call itself.
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.set_webhook(
            url=options["webhook_url"],
            secret_token=options["secret_token"],
            drop_pending_updates=options["drop_pending_updates"],
        )
        await application.start()
        log.info("webhook mode: listening on %s:%s", options["listen"], options["port"])
        try:
            await server.serve()
        finally:
            # Waits for running jobs (an outbox batch) and tasks (a delivery right after a
            # change) before the connections close.
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    log.info("webhook mode: stopped")


def run_webhook(application: Application, settings: Settings, **options: Any) -> None:
    """Blocking entry point for `python -m bot run --webhook`."""
    asyncio.run(serve_webhook(application, settings, **options))
