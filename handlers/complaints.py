"""The citizen's filing flow in Telegram: prompts, flow buttons, photos, location, contact."""

from __future__ import annotations

import logging

from telegram import (
    KeyboardButton,
    MaybeInaccessibleMessage,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import NetworkError, RetryAfter

from bot import complaint_texts as t
from bot.complaint_flow import Prompt
from bot.context import BotContext
from handlers import keyboards
from handlers.common import acknowledge, is_private, pressed, reply

BUTTON_STEPS = frozenset({"type", "category", "confirm"})

log = logging.getLogger(__name__)


async def show(message: MaybeInaccessibleMessage, prompt: Prompt) -> None:
    """A flow prompt: inline buttons on the question; a reply keyboard when Telegram's own
    location or contact button is wanted; the main menu back when the flow ends."""
    markup = keyboards.inline(prompt.buttons)
    if prompt.done:
        await reply(message, prompt.text, keyboards.menu())
        return
    await reply(message, prompt.text, markup)
    if prompt.ask_contact or prompt.ask_location:
        button = (
            KeyboardButton(t.SHARE_PHONE, request_contact=True)
            if prompt.ask_contact
            else KeyboardButton(t.SHARE_LOCATION, request_location=True)
        )
        keyboard = ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
        await reply(message, "👇", keyboard)


async def start(update: Update, context: BotContext, description: str | None = None) -> None:
    """/phananh, the menu button, or a message the matcher read as a complaint."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None or not is_private(update):
        return
    await show(message, await context.bot_data.flow.start(chat.id, user.id, description))


async def on_button(update: Update, context: BotContext) -> None:
    """A flow button ("c|step|value"); stale or forged presses change nothing."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or query.message is None:
        return
    parts = (pressed(query) or "").split("|")
    flow = context.bot_data.flow
    draft = await flow.active(chat.id)
    if parts == ["c", "confirm", "send"] and (draft is None or draft.step != "confirm"):
        # "Gửi" again after the case was stored: a double tap, or a press Telegram re-delivers
        # because the instance died before replying, maybe after the citizen (told nothing)
        # began another report. Either way they get the code; a new draft stays as it is.
        again = await context.bot_data.cases.receipt_again(chat.id)
        if again is not None:
            await acknowledge(query)
            text, latest = again
            await _receipt(query.message, context, chat.id, text, latest.code)
            return
    if len(parts) != 3 or draft is None:
        await acknowledge(query, t.NO_DRAFT if draft is None else t.STALE_STEP)
        return
    _, step, value = parts
    if step == "confirm" and value == "send" and draft.step == "confirm":
        await acknowledge(query)
        text, filed = await context.bot_data.cases.submit(draft)
        if filed is None:
            await reply(query.message, text)
            return
        await _receipt(query.message, context, chat.id, text, filed.code)
        context.bot_data.wake_outbox(context)
        return
    prompt = await flow.press(draft, step, value)
    if prompt is None:
        await acknowledge(query, t.STALE_STEP)
        return
    await acknowledge(query)
    await show(query.message, prompt)


async def _receipt(
    message: MaybeInaccessibleMessage, context: BotContext, chat_id: int, text: str, code: str
) -> None:
    """The receipt of a stored case. If Telegram fails to take it (a 5xx, a dropped connection,
    a timeout, a 429 past the limiter's retries), an apology for an error would make the
    citizen file the case again: the receipt goes through the outbox instead, retried until
    it arrives."""
    try:
        await reply(message, text, keyboards.menu())
    except (NetworkError, RetryAfter):
        log.warning("receipt of %s not sent; queued", code, exc_info=True)
        await context.bot_data.cases.receipt_later(chat_id, code, text)
        context.bot_data.wake_outbox(context)


def takes_text(step: str) -> bool:
    """Whether a draft at `step` takes typed text (else it waits for a button)."""
    return step not in BUTTON_STEPS


async def on_draft_message(update: Update, context: BotContext) -> bool:
    """Text, photo, location or contact while a draft is open; False when there is none."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None or not is_private(update):
        return False
    flow = context.bot_data.flow
    draft = await flow.active(chat.id)
    if draft is None:
        return False
    if message.photo:
        prompt = await flow.photo(draft, message.photo[-1].file_id, message.caption)
    elif message.location:
        prompt = await flow.location(draft, message.location.latitude, message.location.longitude)
    elif message.contact:
        own = message.contact.user_id in (None, user.id)
        phone = message.contact.phone_number if own else ""
        prompt = await flow.phone(draft, phone)
    elif message.text is not None:
        if not takes_text(draft.step):
            # The flow waits for a button: a typed message is a new question or report, so
            # it is answered as usual (a new report replaces this draft).
            return False
        if message.text.strip() in (t.CANCEL, "/huy"):
            prompt = await flow.press(draft, draft.step, "cancel") or Prompt(t.CANCELLED, done=True)
        else:
            prompt = await flow.text(draft, message.text)
    else:
        return False
    await show(message, prompt)
    return True
