"""Typed shared state of the Application (bot_data) and the callback context type."""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.casework import CaseService
from bot.citizen_desk import CitizenDesk
from bot.complaint_flow import ComplaintFlow
from bot.flood import FloodGate
from bot.handoff import HandoffDesk
from bot.live_knowledge import LiveKnowledge
from bot.notify import OutboxWorker
from bot.official_actions import OfficialDesk
from bot.privacy import PrivacyDesk
from bot.reports import ReportService
from bot.services import QuestionService
from bot.settings import Settings

log = logging.getLogger(__name__)


class BotData:
    """What every handler may use; filled once by `bot.app.build_application`."""

    settings: Settings
    questions: QuestionService
    flow: ComplaintFlow
    cases: CaseService
    desk: OfficialDesk
    citizens: CitizenDesk
    handoff: HandoffDesk
    outbox: OutboxWorker
    live: LiveKnowledge  # the knowledge in use and its reload
    reports: ReportService
    flood: FloodGate
    privacy: PrivacyDesk

    def wake_outbox(self, context: Any) -> None:
        """Deliver what a change just queued now, not at the next tick of the delivery job.

        Only while the application runs (polling or webhook); a bare Application driven by
        `process_update` delivers when asked to.
        """
        if context.application.running:
            context.application.create_task(self._deliver(context), name="outbox")

    async def _deliver(self, context: Any) -> None:
        try:
            await self.outbox.deliver_once(context.bot)
        except Exception:  # the repeating job will try again; the rows are safe in the outbox
            log.warning("immediate outbox delivery failed", exc_info=True)


BotContext = CallbackContext[ExtBot[None], dict[object, object], dict[object, object], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
