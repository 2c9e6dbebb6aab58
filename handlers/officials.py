"""Officials in Telegram: the buttons on a case, the text they are asked for, /myid."""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardMarkup, Update

from bot import complaint_texts as t
from bot.casework import Outcome
from bot.context import BotContext
from handlers import keyboards
from handlers.common import relay_typed, reply


def outcome_markup(outcome: Outcome) -> InlineKeyboardMarkup | ForceReply | None:
    if outcome.buttons:
        return keyboards.inline(outcome.buttons)
    if outcome.force_reply:
        # In officials' groups the bot sees only replies to itself: ask for one.
        return ForceReply(selective=True)
    return None


async def on_button(update: Update, context: BotContext) -> None:
    """ "o|action|code[|argument]": checked against the case and the chain of officials."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None or not query.data:
        return
    _, action, *args = query.data.split("|")
    outcome = await context.bot_data.desk.press(user.id, chat.id, action, args)
    if outcome.text in (t.REFUSED, t.CASE_CLOSED, t.ALREADY_DONE) and not outcome.changed:
        await query.answer(outcome.text, show_alert=True)
        return
    await query.answer()
    if query.message is not None:
        await reply(query.message, outcome.text, outcome_markup(outcome))  # type: ignore[arg-type]
    if outcome.changed:
        context.bot_data.wake_outbox(context)


async def on_typed(update: Update, context: BotContext) -> bool:
    """The answer, reason or result an official was asked to type; False if none was asked."""
    return await relay_typed(update, context, context.bot_data.desk.typed)


async def myid(update: Update, context: BotContext) -> None:
    """/myid: the ids an official gives the maintainers for officials.yaml."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message and user and chat:
        await reply(message, t.MYID.format(user_id=user.id, chat_id=chat.id))
