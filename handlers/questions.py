"""Citizens' free-text questions and the buttons of the answers (sections, choices, staff)."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import handoff_texts, texts
from bot.cards import card, e, faq_text, offices_text, section_text
from bot.context import BotContext
from bot.notify import seal_inline
from bot.services import Answer
from handlers import complaints, handoff, keyboards
from handlers.common import acknowledge, hotline_html, is_private, pressed, reply


def _addressed_text(update: Update, context: BotContext) -> str | None:
    """The text meant for the bot: all of it in private, only mentions in groups."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    if is_private(update):
        return message.text
    mention = f"@{context.bot.username}".casefold()
    if mention not in message.text.casefold():
        return None
    start = message.text.casefold().index(mention)
    return (message.text[:start] + message.text[start + len(mention) :]).strip()


async def on_text(update: Update, context: BotContext) -> None:
    """Answer a free-text question."""
    text = _addressed_text(update, context)
    message = update.effective_message
    if text is None or message is None or update.effective_chat is None:
        return
    if not text.strip():
        await reply(message, texts.EMPTY, keyboards.menu())
        return
    answer = await context.bot_data.questions.answer(update.effective_chat.id, text)
    await send_answer(update, context, answer)


async def send_answer(update: Update, context: BotContext, answer: Answer) -> None:
    """Turn the service's decision into Telegram messages."""
    message = update.effective_message
    assert message is not None
    kb = context.bot_data.questions.kb
    if answer.truncated_from:
        await reply(message, texts.TOO_LONG.format(length=answer.truncated_from, limit=1000))
    if answer.kind == "card" and answer.procedure is not None:
        current = answer.aspect if answer.aspect in keyboards.SECTION_CODES else None
        await reply(
            message,
            card(kb, answer.procedure, answer.aspect),
            keyboards.sections(answer.procedure.id, current),
        )
    elif answer.kind == "reception" and answer.reception:
        markup = keyboards.reception(answer.reception.procedure_id, answer.reception.choices)
        await reply(message, answer.reception.text, markup)
    elif answer.kind == "choices":
        markup = keyboards.choices(
            answer.choices, answer.aspect, answer.question_id, answer.forward_token
        )
        await reply(message, texts.DID_YOU_MEAN, markup)
    elif answer.kind == "complaint" and is_private(update):
        await complaints.start(update, context, description=message.text)
    elif answer.kind == "complaint":
        await reply(message, texts.COMPLAINT_NOTE.format(hotline=hotline_html(context)))
    elif answer.kind == "greeting":
        await reply(message, texts.GREETING_REPLY, keyboards.menu())
    elif answer.kind == "thanks":
        await reply(message, texts.THANKS_REPLY, keyboards.menu())
    elif answer.kind == "help":
        await reply(message, texts.HELP, keyboards.menu())
    elif answer.kind == "human":
        u = answer.understanding
        best = u.best if u else None
        understood = context.bot_data.questions.describe(
            best.id if best else None, best.score if best else None, answer.aspect
        )
        await handoff.open_for(
            update, context, message.text, f"{understood}; {handoff_texts.ASKED_FOR_PERSON}"
        )
    elif answer.kind == "faq" and answer.faq is not None:
        await reply(message, faq_text(kb, answer.faq))
    elif answer.kind == "offices":
        await reply(message, offices_text(kb))
    elif answer.kind == "followup":
        await reply(message, texts.FOLLOWUP_WITHOUT_SUBJECT)
    elif answer.kind == "none":
        await reply(message, texts.OUT_OF_SCOPE, keyboards.menu())
    else:
        forward = (
            keyboards.forward(answer.question_id, answer.forward_token)
            if answer.question_id is not None and answer.forward_token
            else None
        )
        await reply(message, texts.NO_MATCH, forward)


async def on_button(update: Update, context: BotContext) -> None:
    """Section, choice, browsing and forwarding buttons; forged or stale data changes nothing."""
    query = update.callback_query
    if query is None:
        return
    press = keyboards.parse(pressed(query))
    chat = update.effective_chat
    if press is None or chat is None or query.message is None:
        await acknowledge(query, texts.STALE_BUTTON)
        return
    service = context.bot_data.questions
    if press.kind in ("s", "p"):
        proc = await service.open_procedure(chat.id, press.args[0])
        if proc is None:
            await acknowledge(query, texts.UNKNOWN_PROCEDURE)
            return
        section = keyboards.CODE_SECTIONS.get(press.args[1])
        if press.kind == "p":
            text = card(service.kb, proc, section or "general")
        else:
            text = section_text(service.kb, proc, section or "documents")
        await acknowledge(query)
        await _show(query, text, keyboards.sections(proc.id, section))
    elif press.kind == "G":
        await acknowledge(query)
        await _show(query, texts.GROUPS_TITLE, keyboards.groups([g for g, _ in service.kb.groups]))
    elif press.kind == "g":
        groups = service.kb.groups
        index = int(press.args[0]) if press.args[0].isdigit() else -1
        if not 0 <= index < len(groups):
            await acknowledge(query, texts.STALE_BUTTON)
            return
        name, procs = groups[index]
        await acknowledge(query)
        markup = keyboards.group([(p.id, p.name) for p in procs])
        await _show(query, texts.GROUP_TITLE.format(group=e(name)), markup)
    elif press.kind == "l":
        schedule = service.reception_for(press.args[0])
        if schedule is None:
            await acknowledge(query, texts.STALE_BUTTON)
            return
        await acknowledge(query)
        await _show(query, schedule.text, keyboards.reception(schedule.procedure_id, []))
    elif press.kind == "f":
        qid = int(press.args[0]) if press.args[0].isdigit() else -1
        forwarded = await service.forward(chat.id, qid, press.args[1]) if qid > 0 else None
        if forwarded is None:
            await acknowledge(query, texts.FORWARD_REFUSED, show_alert=True)
            return
        await acknowledge(query)
        if context.bot_data.handoff.enabled:
            await handoff.open_for(update, context, *forwarded)
        else:
            await reply(query.message, texts.FORWARDED.format(hotline=hotline_html(context)))


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message's content; send anew when it can no longer be edited."""
    try:
        chat_id = query.message.chat.id if query.message else 0
        sealed = seal_inline(query.get_bot(), chat_id, markup) if markup else None
        await query.edit_message_text(text, reply_markup=sealed)
    except BadRequest as exc:
        if "not modified" in str(exc).lower() or query.message is None:
            return
        await reply(query.message, text, markup)
