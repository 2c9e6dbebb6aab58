"""Small helpers every handler shares: who we are talking to, and sending long text safely."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.button_seal import key_from_token, unseal
from bot.cards import e, hotline, split
from bot.casework import Outcome
from bot.context import BotContext
from bot.notify import seal_markup, sealed_json
from bot.telegram_http import ReplyMarkup, send_text
from handlers import keyboards

log = logging.getLogger(__name__)


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def hotline_html(context: BotContext) -> str:
    return e(hotline(context.bot_data.questions.kb))


async def reply(
    message: MaybeInaccessibleMessage,
    text: str,
    markup: ReplyMarkup | None = None,
) -> None:
    """Reply in as many parts as Telegram's 4096-character limit needs; buttons on the last.

    A button's message may be one Telegram no longer shows the bot (deleted by the user):
    the answer then goes to its chat all the same."""
    parts = split(text)
    bot, chat_id = message.get_bot(), message.chat.id
    if isinstance(message, Message) and not _plain_private(message):
        sealed = seal_markup(bot, chat_id, markup)
        for i, part in enumerate(parts):
            last = sealed if i == len(parts) - 1 else None
            await message.reply_text(part, reply_markup=last)  # quoting, topics...
        return
    sealed_wire = sealed_json(bot, chat_id, markup)
    for i, part in enumerate(parts):
        await send_text(bot, chat_id, part, sealed_wire if i == len(parts) - 1 else None)


def _plain_private(message: Message) -> bool:
    """Whether replying to `message` is just sending to its chat: a private chat, no topic, no
    business account (what `reply_text` would add), as for almost every citizen's question."""
    return (
        message.chat.type == ChatType.PRIVATE
        and not message.is_topic_message
        and message.business_connection_id is None
        and message.direct_messages_topic is None
    )


def pressed(query: CallbackQuery) -> str | None:
    """The data of a pressed button, if the bot made it for the chat it is pressed in; None for
    data typed by hand, altered, or pressed elsewhere (a forwarded message)."""
    if query.message is None:  # a button on an inline-mode message: the bot sends none
        return None
    key = key_from_token(query.get_bot().token)
    return unseal(key, query.message.chat.id, query.data)


async def relay_typed(
    update: Update,
    context: BotContext,
    typed: Callable[[int, str], Awaitable[Outcome | None]],
) -> bool:
    """Hand text an official or staff member was asked for to `typed`; False if none was."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return False
    outcome = await typed(user.id, message.text)
    if outcome is None:
        return False
    await reply(message, outcome.text)
    if outcome.changed:
        context.bot_data.wake_outbox(context)
    return True


def outcome_markup(outcome: Outcome) -> InlineKeyboardMarkup | ForceReply | None:
    if outcome.buttons:
        return keyboards.inline(outcome.buttons)
    if outcome.force_reply:
        # In groups the bot sees only replies to itself: ask for one.
        return ForceReply(selective=True)
    return None


async def acknowledge(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answer a button press: stop its spinner, or pop up `text`.

    Telegram answers a press only once, and not after a while. A press it re-delivers because
    the instance handling it died (webhook mode) was often answered already; the refusal must
    not stop the work the press asked for, such as the receipt of a case stored just before
    the instance died (the crash test found citizens never told their code that way).
    """
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as exc:
        log.info("button press not answered: %s", exc)


async def settle_press(
    query: CallbackQuery, context: BotContext, outcome: Outcome, *, refused: bool
) -> None:
    """A refused press pops up its reason and changes nothing in the chat; any other press
    posts its outcome under the pressed message and wakes the outbox if something changed."""
    if refused:
        await acknowledge(query, outcome.text, show_alert=True)
        return
    await acknowledge(query)
    if query.message is not None:
        await reply(query.message, outcome.text, outcome_markup(outcome))
    if outcome.changed:
        context.bot_data.wake_outbox(context)
