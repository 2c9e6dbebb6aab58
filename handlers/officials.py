"""Officials in Telegram: the buttons on a case, the text they are asked for, /myid."""

from __future__ import annotations

from telegram import Update

from bot import complaint_texts as t
from bot.context import BotContext
from handlers.common import pressed, relay_typed, reply, settle_press


async def on_button(update: Update, context: BotContext) -> None:
    """ "o|action|code[|argument]": checked against the case and the chain of officials."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    parts = (pressed(query) or "").split("|")
    action, args = (parts[1], parts[2:]) if len(parts) >= 3 else ("", [])
    outcome = await context.bot_data.desk.press(user.id, chat.id, action, args)
    refused = outcome.text in (t.REFUSED, t.CASE_CLOSED, t.ALREADY_DONE) and not outcome.changed
    await settle_press(query, context, outcome, refused=refused)


async def on_typed(update: Update, context: BotContext) -> bool:
    """The answer, reason or result an official was asked to type; False if none was asked."""
    return await relay_typed(update, context, context.bot_data.desk.typed)


async def myid(update: Update, context: BotContext) -> None:
    """/myid: the ids an official gives the maintainers for officials.yaml."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message and user and chat:
        await reply(message, t.MYID.format(user_id=user.id, chat_id=chat.id))
