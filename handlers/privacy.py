"""/xoadulieu: a citizen erases their personal data, after confirming with a button."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.context import BotContext
from handlers.common import is_private, outcome_markup, pressed, reply, settle_press


async def ask(update: Update, context: BotContext) -> None:
    """Explain what goes and ask for confirmation (only in a private chat: it is one's own)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if not is_private(update):
        await reply(message, texts.ERASE_PRIVATE_ONLY)
        return
    outcome = await context.bot_data.privacy.ask(chat.id)
    await reply(message, outcome.text, outcome_markup(outcome))


async def on_button(update: Update, context: BotContext) -> None:
    """ "x|yes" or "x|no"."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    parts = (pressed(query) or "").split("|")
    value = parts[1] if len(parts) == 2 else "no"
    outcome = await context.bot_data.privacy.press(chat.id, value)
    await settle_press(query, context, outcome, refused=False)
