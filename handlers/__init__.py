"""Telegram handlers, one module per feature; `register` wires them in one block."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from handlers import complaints as complaint_flow
from handlers import (
    errors,
    guard,
    handoff,
    maintenance,
    officials,
    privacy,
    questions,
    reports,
    router,
    start,
    tracking,
)


def _button(label: str) -> filters.BaseFilter:
    return filters.UpdateType.MESSAGE & filters.Text([label])


def register(app: Application) -> None:
    """Add every handler; order matters: commands and menu buttons before free text."""
    new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    # Before anything else: floods are cut short, forged or foreign buttons refused.
    app.add_handler(TypeHandler(Update, guard.throttle), group=-2)
    app.add_handler(CallbackQueryHandler(guard.check_press), group=-1)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start.start, filters=new))
    app.add_handler(CommandHandler(["help", "huongdan"], start.help_command, filters=new))
    app.add_handler(CommandHandler("thutuc", start.browse, filters=new))
    app.add_handler(CommandHandler("phananh", start.complaint_entry, filters=new))
    app.add_handler(CommandHandler("tracuu", tracking.track, filters=new))
    app.add_handler(CommandHandler("myid", officials.myid, filters=new))
    app.add_handler(CommandHandler("hangdoi", handoff.queue, filters=new))
    app.add_handler(CommandHandler("reload", maintenance.reload, filters=new))
    app.add_handler(CommandHandler("thongke", reports.stats, filters=new))
    app.add_handler(CommandHandler("xoadulieu", privacy.ask, filters=new))
    app.add_handler(MessageHandler(_button(texts.MENU_HELP), start.help_command))
    app.add_handler(MessageHandler(_button(texts.MENU_PROCEDURES), start.browse))
    app.add_handler(MessageHandler(_button(texts.MENU_COMPLAINT), start.complaint_entry))
    app.add_handler(MessageHandler(_button(texts.MENU_TRACK), tracking.my_cases))
    app.add_handler(MessageHandler(_button(texts.MENU_HUMAN), handoff.from_menu))
    # Officials answer in groups by replying to the bot; citizens write in private.
    app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, router.on_text))
    media = filters.PHOTO | filters.LOCATION | filters.CONTACT
    app.add_handler(MessageHandler(new & private & media, router.on_media))
    app.add_handler(
        MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, router.on_media)
    )
    # An unknown command gets the help text rather than silence.
    app.add_handler(MessageHandler(new & filters.COMMAND & private, start.help_command))
    app.add_handler(CallbackQueryHandler(complaint_flow.on_button, pattern=r"^c\|"))
    app.add_handler(CallbackQueryHandler(officials.on_button, pattern=r"^o\|"))
    app.add_handler(CallbackQueryHandler(tracking.on_rating, pattern=r"^r\|"))
    app.add_handler(CallbackQueryHandler(handoff.on_button, pattern=r"^h\|"))
    app.add_handler(CallbackQueryHandler(reports.on_button, pattern=r"^stat\|"))
    app.add_handler(CallbackQueryHandler(privacy.on_button, pattern=r"^x\|"))
    app.add_handler(CallbackQueryHandler(questions.on_button))
    app.add_error_handler(errors.on_error)
