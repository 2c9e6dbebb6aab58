"""Maintainers' commands: /reload switches to the knowledge folder's new content."""

from __future__ import annotations

from telegram import Update

from bot import maintenance_texts as m
from bot.context import BotContext
from handlers.common import reply


async def reload(update: Update, context: BotContext) -> None:
    """/reload: check the folder and switch to it when valid; only for maintainers."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    live = context.bot_data.live
    maintainer = live.maintainer_of(user.id)
    if maintainer is None:
        await reply(message, m.NOT_MAINTAINER)
        return
    result = await live.reload(maintainer)
    await reply(message, m.reload_report(result, context.bot_data.settings.knowledge_check_seconds))
