"""Checks before any handler: a user sending too fast, and buttons the bot did not make there."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.context import BotContext
from bot.flood import Verdict
from handlers.common import acknowledge, is_private, pressed


async def throttle(update: Update, context: BotContext) -> None:
    """Over the per-minute limit: one polite answer, then silence until the minute is over.
    A pressed button is always answered (Telegram shows a spinner until it is)."""
    user = update.effective_user
    if user is None:
        return
    now = context.bot_data.cases.clock.now()
    verdict = context.bot_data.flood.check(user.id, now)
    if verdict is Verdict.allow:
        return
    query = update.callback_query
    if query is not None:
        await acknowledge(query, texts.TOO_FAST)
    elif verdict is Verdict.refuse and update.message is not None and is_private(update):
        await update.message.reply_text(texts.TOO_FAST)  # in groups: never answer a flood
    raise ApplicationHandlerStop


async def check_press(update: Update, context: BotContext) -> None:
    """A button whose data was typed by hand, altered, or pressed outside the chat it was sent
    to (a forwarded message) is refused politely and changes nothing."""
    query = update.callback_query
    if query is not None and pressed(query) is None:
        await acknowledge(query, texts.BUTTON_REFUSED, show_alert=True)
        raise ApplicationHandlerStop
