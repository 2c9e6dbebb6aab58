"""Who a message is for: an official's or staff member's pending input, an open draft, an open
conversation with staff, or — most often — a question for the bot."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from handlers import complaints, fallback, handoff, officials, questions
from handlers.common import is_private


async def on_text(update: Update, context: BotContext) -> None:
    if await officials.on_typed(update, context):
        return
    if await handoff.staff_typed(update, context):
        return
    chat = update.effective_chat
    if chat is not None and is_private(update):
        # Most messages are questions: one query says whether a draft or a conversation with
        # staff may claim this one, and only a claimant's own handler loads what it needs.
        claims = await context.bot_data.questions.chat_claims(chat.id)
        step = claims.draft_step
        if (
            step
            and complaints.takes_text(step)
            and await complaints.on_draft_message(update, context)
        ):
            return
        if claims.handoff and await handoff.citizen_message(update, context):
            return
    # Drafts and conversations with staff are private: in a group every text is a question.
    await questions.on_text(update, context)


async def on_media(update: Update, context: BotContext) -> None:
    """Photos, locations and contacts belong to a draft; anything else gets a polite answer."""
    if await complaints.on_draft_message(update, context):
        return
    await fallback.non_text(update, context)
