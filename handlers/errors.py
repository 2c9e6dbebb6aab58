"""The one error handler: log with traceback, apologise to the user, tell the operators."""

from __future__ import annotations

import html
import logging

from telegram import Update

from bot import texts
from bot.context import BotContext
from handlers.common import acknowledge, hotline_html

log = logging.getLogger("bot.errors")


async def on_error(update: object, context: BotContext) -> None:
    """Never let a failure pass silently, and never leave the user without an answer."""
    log.error("update failed", exc_info=context.error)
    if isinstance(update, Update):
        try:
            if update.callback_query is not None:
                await acknowledge(update.callback_query)  # maybe answered before the failure
            if update.effective_message is not None and update.effective_chat is not None:
                await context.bot.send_message(
                    update.effective_chat.id, texts.ERROR.format(hotline=hotline_html(context))
                )
        except Exception:  # the apology itself failed (network); the log above has the cause
            log.warning("could not tell the user about the error", exc_info=True)
    # The setting wins; otherwise the operators' group named in routing.yaml.
    operators = (
        context.bot_data.settings.operators_chat_id
        or context.bot_data.cases.kb.routing.operators_chat_id
    )
    if operators is not None:
        error = html.escape(f"{type(context.error).__name__}: {context.error}")[:3000]
        try:
            await context.bot.send_message(operators, texts.ERROR_FOR_OPERATORS.format(error=error))
        except Exception:
            log.warning("could not notify the operators' chat", exc_info=True)
