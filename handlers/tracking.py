"""The citizen's view of their cases: /tracuu, "Phản ánh của tôi", rating and reopening."""

from __future__ import annotations

from telegram import Update

from bot import complaint_texts as t
from bot.complaints import normalise_code
from bot.context import BotContext
from handlers.common import acknowledge, is_private, pressed, reply


async def track(update: Update, context: BotContext) -> None:
    """/tracuu CODE: status for anyone, details only for the citizen who filed."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    typed = " ".join(context.args or [])
    if not typed:  # no code: the citizen's own cases, and how to look one up
        await reply(message, await context.bot_data.citizens.my_cases(chat.id))
        return
    code = normalise_code(typed)
    if code is None:
        await reply(message, t.TRACK_MALFORMED)
        return
    user = update.effective_user
    asker = user.id if user else chat.id  # in a private chat, the user is the chat
    text = await context.bot_data.citizens.track(code, asker, private=is_private(update))
    await reply(message, text)


async def my_cases(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message and chat:
        await reply(message, await context.bot_data.citizens.my_cases(chat.id))


async def on_rating(update: Update, context: BotContext) -> None:
    """ "r|code|1..5" or "r|code|no" (not solved: reopen and escalate)."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    parts = (pressed(query) or "").split("|")
    code = normalise_code(parts[1]) if len(parts) == 3 else None
    if code is None:
        await acknowledge(query, t.NOT_YOURS)
        return
    outcome = await context.bot_data.citizens.rate(chat.id, code, parts[2])
    await acknowledge(query)
    if query.message is not None:
        await reply(query.message, outcome.text)
    if outcome.changed:
        context.bot_data.wake_outbox(context)
