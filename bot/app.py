"""Composition root: builds the Application with knowledge, database, services and handlers."""

from __future__ import annotations

import logging

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

import handlers
from bot import texts
from bot.context import CONTEXT_TYPES, BotData
from bot.knowledge.loader import load_knowledge
from bot.ports import Clock, SystemClock
from bot.services import Knowledge, QuestionService
from bot.settings import Settings
from bot.storage.db import make_engine, migrate
from bot.storage.repositories import SqlStore

log = logging.getLogger(__name__)

LOCAL_TOKEN = "0:local-terminal-chat"  # stands in for a token when nothing talks to Telegram


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Publish the Vietnamese command descriptions (the "/" menu in Telegram's apps)."""
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    rate_limit: bool = True,
) -> Application:  # type: ignore[type-arg]
    """Wire everything; raises KnowledgeError (bot refuses to start) on invalid knowledge."""
    knowledge = Knowledge.build(load_knowledge(settings.knowledge_dir))
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = SqlStore(engine)

    builder = (
        ApplicationBuilder()
        .token(settings.token or LOCAL_TOKEN)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        .context_types(CONTEXT_TYPES)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init)
        .concurrent_updates(True)
    )
    if rate_limit:
        # Respects Telegram's flood limits and retries RetryAfter instead of failing the handler.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()

    data: BotData = app.bot_data
    data.settings = settings
    data.questions = QuestionService(
        knowledge, store, clock or SystemClock(), followup_seconds=settings.followup_seconds
    )
    handlers.register(app)
    log.info("knowledge %s: %d procedures", knowledge.kb.version, len(knowledge.kb.procedures))
    return app
