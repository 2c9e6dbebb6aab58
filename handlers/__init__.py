"""Telegram handlers, one module per feature; `register` wires them in one block."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from handlers import errors, fallback, questions, start


def _button(label: str) -> filters.BaseFilter:
    return filters.UpdateType.MESSAGE & filters.Text([label])


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add every handler; order matters: commands and menu buttons before free text."""
    new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    app.add_handler(CommandHandler("start", start.start, filters=new))
    app.add_handler(CommandHandler(["help", "huongdan"], start.help_command, filters=new))
    app.add_handler(CommandHandler("thutuc", start.browse, filters=new))
    app.add_handler(CommandHandler("phananh", start.complaint_entry, filters=new))
    app.add_handler(MessageHandler(_button(texts.MENU_HELP), start.help_command))
    app.add_handler(MessageHandler(_button(texts.MENU_PROCEDURES), start.browse))
    app.add_handler(MessageHandler(_button(texts.MENU_COMPLAINT), start.complaint_entry))
    app.add_handler(MessageHandler(_button(texts.MENU_TRACK), start.complaint_entry))
    app.add_handler(MessageHandler(_button(texts.MENU_HUMAN), start.human))
    app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, questions.on_text))
    app.add_handler(
        MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, fallback.non_text)
    )
    # An unknown command gets the help text rather than silence.
    app.add_handler(
        MessageHandler(new & filters.COMMAND & filters.ChatType.PRIVATE, start.help_command)
    )
    app.add_handler(CallbackQueryHandler(questions.on_button))
    app.add_error_handler(errors.on_error)
