"""Greeting, help and the main menu's buttons."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.cards import e
from bot.context import BotContext
from handlers import complaints, keyboards
from handlers.common import hotline_html, is_private, reply


async def start(update: Update, context: BotContext) -> None:
    """/start: greet courteously and show the menu."""
    message = update.effective_message
    if message is None:
        return
    user = update.effective_user
    name = e(user.first_name) if user and user.first_name else "anh/chị"
    await reply(message, texts.START.format(name=name), keyboards.menu())


async def help_command(update: Update, context: BotContext) -> None:
    """/help and the Hướng dẫn button."""
    if update.effective_message:
        await reply(update.effective_message, texts.HELP, keyboards.menu())


async def browse(update: Update, context: BotContext) -> None:
    """/thutuc and the Tra cứu thủ tục button: procedures by group."""
    if update.effective_message:
        names = [g for g, _ in context.bot_data.questions.kb.groups]
        await reply(update.effective_message, texts.GROUPS_TITLE, keyboards.groups(names))


async def complaint_entry(update: Update, context: BotContext) -> None:
    """/phananh and the Gửi phản ánh button: the filing flow (in groups, where to file)."""
    if update.effective_message is None:
        return
    if is_private(update):
        await complaints.start(update, context)
    else:
        await reply(
            update.effective_message, texts.COMPLAINT_NOTE.format(hotline=hotline_html(context))
        )
