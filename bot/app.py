"""Composition root: builds the Application with knowledge, database, services and handlers."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

import handlers
from bot import log_privacy, memory, texts
from bot.casework import CaseService
from bot.chat_order import PerChatUpdateProcessor
from bot.citizen_desk import CitizenDesk
from bot.complaint_flow import ComplaintFlow
from bot.context import CONTEXT_TYPES, BotContext, BotData
from bot.flood import FloodGate
from bot.handoff import HandoffDesk
from bot.knowledge.loader import load_knowledge
from bot.live_knowledge import LiveKnowledge
from bot.notify import OutboxWorker
from bot.official_actions import OfficialDesk
from bot.polling import KeepingRequest, resume
from bot.ports import Clock, SystemClock
from bot.privacy import PrivacyDesk
from bot.reception_desk import ReceptionDesk
from bot.reports import WEEKLY_PURPOSE, ReportService
from bot.services import Knowledge, QuestionService
from bot.settings import Settings
from bot.storage.chat_lock import ChatLocks
from bot.storage.db import close_engine, make_engine, migrate
from bot.storage.handoff_repo import HandoffStore
from bot.storage.knowledge_state import KnowledgeVersions
from bot.storage.privacy_repo import PrivacyStore
from bot.storage.repositories import SqlStore
from bot.storage.stats_repo import StatsStore
from bot.storage.update_inbox import UpdateInbox
from bot.sweep import sweep_overdue
from bot.telegram_http import JsonRequest

log = logging.getLogger(__name__)

LOCAL_TOKEN = "0:local-terminal-chat"  # stands in for a token when nothing talks to Telegram


async def _post_init(app: Application) -> None:
    """Publish the Vietnamese command descriptions (the "/" menu in Telegram's apps)."""
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])


def _closing(
    engine: Engine, stores: list[SqlStore]
) -> Callable[[Application], Coroutine[Any, Any, None]]:
    """The shutdown step that closes the database connections once updates and jobs are done."""

    async def close(_: Application) -> None:
        for store in stores:
            store.close()
        await close_engine(engine)

    return close


async def _deliver(context: BotContext) -> None:
    """Repeating job: send what the outbox holds (the worker claims rows in the database)."""
    await context.bot_data.outbox.deliver_once(context.bot)


async def _sweep(context: BotContext) -> None:
    """Repeating job: reminders, escalations and apologies as deadlines come and go."""
    report = await sweep_overdue(context.bot_data.cases)
    reminded, closed = await context.bot_data.handoff.sweep()
    if report.escalated or report.reminded or reminded or closed:
        log.info("sweep: %s; handoff reminded %d, closed %d", report, reminded, closed)
        context.bot_data.wake_outbox(context)


async def _follow_knowledge(context: BotContext) -> None:
    """Repeating job: switch to the knowledge another instance's /reload published."""
    await context.bot_data.live.follow()


async def _weekly_report(context: BotContext) -> None:
    """Repeating job: queue the weekly report once it is due (once per week, whichever
    instance comes first; an instance that was down at the time catches up)."""
    if await context.bot_data.reports.queue_weekly():
        log.info("weekly report queued")
        context.bot_data.wake_outbox(context)


def _update_processor(
    settings: Settings, finished: Callable[[int], Awaitable[None]] | None
) -> PerChatUpdateProcessor:
    """Per-chat order in this process, and across instances when they share PostgreSQL."""
    locks = ChatLocks.for_url(settings.database_url)
    if locks is None:
        return PerChatUpdateProcessor(finished=finished)
    # Each update in progress holds one lock connection: no more at once than the pool has.
    return PerChatUpdateProcessor(locks.size, shared=locks, finished=finished)


def _resuming(
    inbox: UpdateInbox, clock: Clock
) -> Callable[[Application], Coroutine[Any, Any, None]]:
    """Polling mode's start: the "/" menu, then what the last run left unfinished."""

    async def start(app: Application) -> None:
        await _post_init(app)
        await resume(app, inbox, clock)

    return start


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    rate_limit: bool = True,
    polling: bool = False,
) -> Application:
    """Wire everything; raises KnowledgeError (bot refuses to start) on invalid knowledge.

    `polling`: the bot will long-poll (`run_polling`); each fetched update is then kept in
    the database until handled, so a crash loses none (bot/polling.py). Needs the default
    transport (no `request`)."""
    log_privacy.install()  # before anything logs: libraries' debug lines carry citizens' words
    knowledge = Knowledge.build(load_knowledge(settings.knowledge_dir))
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = HandoffStore(engine)
    stores: list[SqlStore] = [store]  # closed with the engine when the application shuts down
    clock = clock or SystemClock()
    inbox = UpdateInbox(engine) if polling and request is None else None
    finished = None
    if inbox is not None:
        stores.append(inbox)
        kept = inbox

        async def finished(update_id: int) -> None:
            await kept.handled(update_id, clock.now())

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
        .post_init(_post_init if inbox is None else _resuming(inbox, clock))
        .post_shutdown(_closing(engine, stores))
        .concurrent_updates(_update_processor(settings, finished))
    )
    if rate_limit:
        # Respects Telegram's flood limits and retries RetryAfter instead of failing the handler.
        # (The builder is typed for a limiter without per-call arguments; this one takes them.)
        limiter = AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        fetching = JsonRequest if inbox is None else partial(KeepingRequest, inbox, clock)
        builder = builder.request(JsonRequest()).get_updates_request(
            fetching(connection_pool_size=1)
        )
    app = builder.build()

    data: BotData = app.bot_data
    data.settings = settings
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def install(knowledge: Knowledge) -> None:
        """Every service over one knowledge base; a reload replaces them all at once."""
        kb = knowledge.kb
        data.questions = QuestionService(
            knowledge, store, clock, followup_seconds=settings.followup_seconds
        )
        data.cases = CaseService(kb, store, clock, daily_limit=settings.complaints_per_day)
        data.flow = ComplaintFlow(kb, store, clock, limit=data.cases.refusal_for_limit)
        data.desk = OfficialDesk(data.cases)
        data.citizens = CitizenDesk(data.cases)
        data.handoff = HandoffDesk(kb, store, clock)
        data.reports = ReportService(kb, StatsStore(engine), clock)
        data.outbox = OutboxWorker(
            data.cases,
            worker_id=worker,
            handoff=data.handoff,
            renderers={WEEKLY_PURPOSE: data.reports.render},
            lease_seconds=settings.outbox_lease_seconds,
        )
        if kb.reception is not None:
            desk = ReceptionDesk(kb, kb.reception, data.flow.communes.find, clock)
            data.questions.reception = desk
        memory.settle_if_frozen()  # a /reload: the old index goes, the new one is frozen

    install(knowledge)
    versions, privacy = KnowledgeVersions(engine), PrivacyStore(engine)
    stores += [versions, privacy]
    data.live = LiveKnowledge(
        knowledge, lambda: load_knowledge(settings.knowledge_dir), install, versions, clock
    )
    data.flood = FloodGate(settings.messages_per_minute)
    data.privacy = PrivacyDesk(privacy, clock, settings.personal_data_retention_days)
    handlers.register(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _deliver, interval=settings.outbox_interval_seconds, first=1, name="outbox"
        )
        app.job_queue.run_repeating(
            _sweep, interval=settings.sweep_interval_seconds, first=5, name="sweep"
        )
        app.job_queue.run_repeating(
            _follow_knowledge,
            interval=settings.knowledge_check_seconds,
            first=settings.knowledge_check_seconds,
            name="knowledge",
        )
        # Always scheduled: a /reload may add or change reports.yaml; without it this is a no-op.
        app.job_queue.run_repeating(
            _weekly_report,
            interval=settings.report_check_interval_seconds,
            first=settings.report_check_interval_seconds,
            name="weekly_report",
        )
    log.info("knowledge %s: %d procedures", knowledge.kb.version, len(knowledge.kb.procedures))
    return app


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `Updater.start_webhook` / `Application.run_webhook` from the settings.

    Raises ValueError (in Vietnamese, for the operator) when webhook mode is not configured:
    without a secret anyone who finds the address could post forged updates.
    """
    if not settings.webhook_url or not settings.webhook_secret:
        raise ValueError(
            "Chế độ webhook cần WEBHOOK_URL (địa chỉ HTTPS công khai) và WEBHOOK_SECRET "
            "(16-256 ký tự A-Z a-z 0-9 _ -)."
        )
    path = urlsplit(settings.webhook_url).path.strip("/")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret.get_secret_value(),
        # Updates queued while the bot was down are still citizens' messages: keep them.
        "drop_pending_updates": False,
    }
