"""Renders procedures as short HTML cards and full sections, led by what the citizen asked."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from bot import texts
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.schema import FaqEntry, Fee, Office, Procedure, Sourced

SECTIONS = ("documents", "fee", "time", "where", "online", "legal")
PROVINCE_CENTRE = "tt-pvhcc-tinh"  # the office whose hotline the bot gives by default
TELEGRAM_LIMIT = 4096


def e(text: str) -> str:
    """Escape knowledge text for Telegram's HTML (knowledge files are plain text)."""
    return escape(text, quote=False)


def money(amount: int) -> str:
    """8000 → '8.000 đồng' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def hotline(kb: KnowledgeBase) -> str:
    """The hotline citizens are pointed to: the provincial centre's, else any office's."""
    centre = kb.offices.get(PROVINCE_CENTRE)
    if centre and centre.hotline:
        return centre.hotline
    return next((o.hotline for o in kb.offices.values() if o.hotline), texts.DEFAULT_HOTLINE)


def _fee_line(fee: Fee) -> str:
    if fee.amount is None:
        value = e(fee.note or "")
    elif fee.amount == 0:
        value = "miễn phí"
    else:
        value = money(fee.amount)
    if fee.amount is not None and fee.note:
        value += f" ({e(fee.note)})"
    return f"{e(fee.name)}: <b>{value}</b>"


def _fee_short(proc: Procedure) -> str:
    items = proc.fees.items
    if all(f.amount == 0 for f in items):
        return "miễn phí"
    first = items[0]
    line = _fee_line(first)
    return line + (" …" if len(items) > 1 else "")


def _section_sources(proc: Procedure) -> dict[str, Sourced]:
    return {
        "documents": proc.documents,
        "fee": proc.fees,
        "time": proc.processing_time,
        "where": proc.where,
        "online": proc.online,
        "legal": proc.legal_basis,
    }


def is_verified(proc: Procedure, section: str) -> bool:
    """Whether the facts shown for a section are all confirmed."""
    fact = _section_sources(proc)[section]
    if section == "fee":
        return all(f.verified if f.verified is not None else fact.verified for f in proc.fees.items)
    return fact.verified


def _offices_text(proc: Procedure, offices: Mapping[str, Office]) -> list[str]:
    lines = []
    for office_id in proc.where.offices:
        office = offices.get(office_id)
        if office is not None:
            lines += _office_lines(office)
    return lines


def _office_lines(office: Office) -> list[str]:
    lines = [f"🏢 <b>{e(office.name)}</b>"]
    lines += [f"   {e(a)}" for a in office.addresses]
    if office.hotline:
        lines.append(f"   ☎️ {e(office.hotline)}")
    if office.hours:
        lines.append(f"   🕗 {e(office.hours)}")
    return lines


def faq_text(kb: KnowledgeBase, faq: FaqEntry) -> str:
    """The answer to a question of faq.yaml, with its source and, unless confirmed, the notice."""
    lines = [f"❓ <b>{e(faq.question)}</b>", e(faq.answer), f"<i>Nguồn: {e(faq.source)}</i>"]
    if not faq.verified:
        lines += ["", texts.UNVERIFIED.format(hotline=e(hotline(kb)))]
    return fit("\n".join(lines))


def offices_text(kb: KnowledgeBase) -> str:
    """The offices whose opening hours the knowledge gives (the one-stop centres), with their
    addresses and phone numbers: the answer to "xã có làm việc thứ 7 không", "sđt một cửa"."""
    open_offices = [o for o in kb.offices.values() if o.hours]
    if not open_offices:
        return texts.OFFICES_UNKNOWN.format(hotline=e(hotline(kb)))
    lines = [texts.OFFICES_TITLE]
    for office in open_offices:
        lines += ["", *_office_lines(office)]
        if office.website:
            lines.append(f"   🌐 {e(office.website)}")
    if not all(o.verified for o in open_offices):
        lines += ["", texts.UNVERIFIED.format(hotline=e(hotline(kb)))]
    return fit("\n".join(lines))


def section_body(proc: Procedure, section: str, offices: Mapping[str, Office]) -> str:
    """One section in full, with its source."""
    title = f"<b>{texts.SECTION_LABELS[section]} · {e(proc.name)}</b>"
    lines: list[str] = [title]
    if section == "documents":
        lines += [f"{i}. {e(item)}" for i, item in enumerate(proc.documents.items, 1)]
        if proc.documents.note:
            lines.append(f"<i>{e(proc.documents.note)}</i>")
    elif section == "fee":
        lines += [f"• {_fee_line(f)}" for f in proc.fees.items]
        if proc.fees.exemptions:
            lines.append("<b>Miễn, giảm:</b>")
            lines += [f"• {e(x)}" for x in proc.fees.exemptions]
        if proc.fees.note:
            lines.append(f"<i>{e(proc.fees.note)}</i>")
    elif section == "time":
        lines.append(e(proc.processing_time.text))
    elif section == "where":
        lines.append(e(proc.where.text))
        lines += _offices_text(proc, offices)
        lines.append(f"Cơ quan giải quyết: {e(proc.agency.name)} (cấp {e(proc.agency.level)})")
    elif section == "online":
        online = proc.online
        lines.append(
            "✅ Có thể nộp trực tuyến." if online.available else "Chưa nộp trực tuyến được."
        )
        if online.url:
            lines.append(f'🔗 <a href="{escape(online.url)}">{e(online.url)}</a>')
        if online.note:
            lines.append(e(online.note))
    elif section == "legal":
        lines += [f"• {e(item)}" for item in proc.legal_basis.items]
    source = _section_sources(proc)[section].source
    lines.append(f"<i>Nguồn: {e(source)}</i>")
    return "\n".join(lines)


def section_text(kb: KnowledgeBase, proc: Procedure, section: str) -> str:
    """A full section with the unverified notice when needed."""
    body = section_body(proc, section, kb.offices)
    if not is_verified(proc, section):
        body += "\n\n" + texts.UNVERIFIED.format(hotline=e(hotline(kb)))
    return fit(body)


def card(kb: KnowledgeBase, proc: Procedure, aspect: str) -> str:
    """A short answer: name, the asked section in full, then fee, time, where in one line each."""
    lines = [f"📄 <b>{e(proc.name)}</b>"]
    if proc.summary:
        lines.append(f"<i>{e(proc.summary)}</i>")
    shown = []
    if aspect in SECTIONS:
        body = section_body(proc, aspect, kb.offices).split("\n", 1)[1]
        lines += ["", f"<b>{texts.SECTION_LABELS[aspect]}</b>", body]
        shown.append(aspect)
    lines.append("")
    if "fee" not in shown:
        lines.append(f"💰 Lệ phí: {_fee_short(proc)}")
        shown.append("fee")
    if "time" not in shown:
        lines.append(f"⏱ Thời hạn: {e(proc.processing_time.text)}")
        shown.append("time")
    if "where" not in shown:
        lines.append(f"📍 Nơi nộp: {e(proc.where.text)}")
        shown.append("where")
    if "online" not in shown:
        state = "có" if proc.online.available else "chưa"
        lines.append(f"🌐 Nộp trực tuyến: {state}")
        shown.append("online")
    lines += ["", texts.MORE_BELOW]
    if not all(is_verified(proc, s) for s in shown):
        lines += ["", texts.UNVERIFIED.format(hotline=e(hotline(kb)))]
    return fit("\n".join(lines))


def fit(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """Keep a message within Telegram's limit, cutting at a line break (never inside a tag)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 2)
    return text[: cut if cut > 0 else limit - 2] + "\n…"


def split(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a long message into parts within the limit, at line breaks where possible."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        parts.append(text)
    return parts
