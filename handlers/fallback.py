"""Polite answers to what the bot cannot read: stickers, photos, voice, files, locations."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.context import BotContext
from handlers.common import is_private, reply


async def non_text(update: Update, context: BotContext) -> None:
    """In private chats, thank and ask for text; in groups, stay quiet."""
    if update.effective_message and is_private(update):
        await reply(update.effective_message, texts.NON_TEXT)
