"""Typed shared state of the Application (bot_data) and the callback context type."""

from __future__ import annotations

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.services import QuestionService
from bot.settings import Settings


class BotData:
    """What every handler may use; filled once by `bot.app.build_application`."""

    settings: Settings
    questions: QuestionService


BotContext = CallbackContext[ExtBot[None], dict[object, object], dict[object, object], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
