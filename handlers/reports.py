"""Statistics for officials and leaders: /thongke [days] and its chart button."""

from __future__ import annotations

from telegram import Update

from bot import stats_texts as t
from bot.context import BotContext
from bot.reports import DEFAULT_DAYS
from handlers import keyboards
from handlers.common import acknowledge, is_private, pressed, reply

MAX_DAYS = 3650


def _days(words: list[str]) -> int | None:
    """The number of days asked for ("/thongke 90"); the default without one; None if bad."""
    if not words:
        return DEFAULT_DAYS
    word = words[0]
    return int(word) if word.isdigit() and 1 <= int(word) <= MAX_DAYS else None


async def stats(update: Update, context: BotContext) -> None:
    """/thongke [days]: the summary of the cases received in the last days, and a chart button."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    reports = context.bot_data.reports
    refusal = reports.refusal(user.id, chat.id, private=is_private(update))
    if refusal is not None:
        await reply(message, refusal)
        return
    days = _days(context.args or [])
    if days is None:
        await reply(message, t.ASK_DAYS)
        return
    markup = keyboards.inline([[(t.CHART_BUTTON, f"stat|chart|{days}")]])
    await reply(message, await reports.summary_text(days), markup)


async def on_button(update: Update, context: BotContext) -> None:
    """ "stat|chart|days": the chart as a photo, for the same people as /thongke."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    data = pressed(query) if query is not None else None
    if query is None or user is None or chat is None or not data:
        return
    reports = context.bot_data.reports
    refusal = reports.refusal(user.id, chat.id, private=is_private(update))
    days = _days(data.split("|")[2:])
    if refusal is not None or days is None:
        await acknowledge(query, refusal or t.ASK_DAYS, show_alert=True)
        return
    await acknowledge(query)
    png, caption = await reports.chart(days)
    await context.bot.send_photo(chat.id, png, caption=caption)
