"""Handing a question to a person: the citizen's side, the operators' group, /hangdoi."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.context import BotContext
from handlers import keyboards
from handlers.common import (
    acknowledge,
    hotline_html,
    is_private,
    pressed,
    relay_typed,
    reply,
    settle_press,
)


def _citizen_name(update: Update) -> str:
    user = update.effective_user
    return user.first_name if user and user.first_name else "Người dân"


async def open_for(
    update: Update, context: BotContext, question: str | None, understood: str
) -> None:
    """Pass a question to the operators' group (or, with no group configured, say where to
    call), and tell the citizen when a person will answer."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    desk = context.bot_data.handoff
    if not desk.enabled:
        await reply(message, texts.HUMAN_NOTE.format(hotline=hotline_html(context)))
        return
    answer = await desk.open(chat.id, _citizen_name(update), question, understood)
    markup = keyboards.inline(answer.buttons)
    await reply(message, answer.text, markup)
    context.bot_data.wake_outbox(context)


async def from_menu(update: Update, context: BotContext) -> None:
    """The 🙋 Gặp cán bộ button: a conversation whose first message is yet to come."""
    if is_private(update):
        await open_for(update, context, None, "")


async def citizen_message(update: Update, context: BotContext) -> bool:
    """A private message while the citizen has a question with staff: it goes to them."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.text is None or not is_private(update):
        return False
    answer = await context.bot_data.handoff.citizen_message(
        chat.id, _citizen_name(update), message.text
    )
    if answer is None:
        return False
    await reply(message, answer.text)
    context.bot_data.wake_outbox(context)
    return True


async def staff_typed(update: Update, context: BotContext) -> bool:
    """A staff member's answer, typed as a reply to the bot's prompt."""
    return await relay_typed(update, context, context.bot_data.handoff.typed)


async def on_button(update: Update, context: BotContext) -> None:
    """ "h|claim|id", "h|ans|id", "h|close|id" (staff) and "h|done|id" (the citizen)."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    parts = (pressed(query) or "").split("|")
    if len(parts) != 3:
        await acknowledge(query, texts.STALE_BUTTON)
        return
    outcome = await context.bot_data.handoff.press(user.id, chat.id, parts[1], parts[2])
    refused = not outcome.changed and not outcome.force_reply
    await settle_press(query, context, outcome, refused=refused)


async def queue(update: Update, context: BotContext) -> None:
    """/hangdoi: open questions, oldest first, for staff (not shown to citizens)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    desk = context.bot_data.handoff
    if (
        not desk.enabled
        or desk.staff_of(user.id) is None
        or not desk.may_list_here(chat.id, is_private(update))
    ):
        await reply(message, texts.HELP)
        return
    await reply(message, await desk.queue())
