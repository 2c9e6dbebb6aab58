"""Small helpers every handler shares: who we are talking to, and sending long text safely."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.cards import e, hotline, split
from bot.context import BotContext


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def hotline_html(context: BotContext) -> str:
    return e(hotline(context.bot_data.questions.kb))


async def reply(
    message: Message,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
) -> None:
    """Reply in as many parts as Telegram's 4096-character limit needs; buttons on the last."""
    parts = split(text)
    for i, part in enumerate(parts):
        await message.reply_text(part, reply_markup=markup if i == len(parts) - 1 else None)
