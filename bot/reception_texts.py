"""What citizens read about the reception schedule (lịch tiếp công dân), in Vietnamese HTML."""

from __future__ import annotations

from html import escape

from bot.knowledge.complaint_schema import Commune
from bot.knowledge.handoff_schema import parse_hhmm
from bot.office_hours import WEEKDAY_NAMES
from bot.reception import Occurrence, Upcoming

TITLE = "🗓 <b>Lịch tiếp công dân</b> — {where}"
PROVINCE = "tỉnh Đồng Tháp"
MERGED = "{commune} (nơi {former} cũ đã nhập vào)"
SESSION = "👤 <b>{who}</b>"
WHEN = "• {part} {weekday}, <b>{day}</b> ({start}–{end})"
AT = "   tại {place}"
THEN = "   buổi sau: {weekday} {day}"
NEXT_IN_COMMUNE = "   Buổi gần nhất tại {commune}: {weekday} {day}, {place}"
NONE_AHEAD = "• Chưa có buổi nào trong năm tới theo lịch; anh/chị vui lòng gọi {hotline}."
ASK_COMMUNE = (
    "📍 Anh/chị ở xã, phường nào? Gõ tên xã, phường (ví dụ: <i>Tháp Mười</i>) "
    "để em báo lịch tiếp dân của Chủ tịch UBND xã, phường mình."
)
WHICH_COMMUNE = "Dạ, anh/chị ở xã, phường nào trong các nơi sau? Anh/chị bấm chọn giúp em nhé:"
UNVERIFIED = (
    "ℹ️ <i>Ngày giờ, địa điểm trên là theo lịch dự kiến, chưa được xác nhận với cơ quan có "
    "thẩm quyền. Anh/chị vui lòng xem lịch niêm yết tại trụ sở UBND hoặc gọi {hotline} "
    "trước khi đi; ngày nghỉ lễ không tiếp dân.</i>"
)
BTN_PROCEDURE = "📄 Thủ tục tiếp công dân"


def _part(start: str) -> str:
    hour = parse_hhmm(start).hour
    return "sáng" if hour < 11 else "trưa" if hour < 13 else "chiều"


def _clock(value: str) -> str:
    t = parse_hhmm(value)
    return f"{t.hour}:{t.minute:02d}"


def _when(o: Occurrence, start: str, end: str) -> str:
    return WHEN.format(
        part=_part(start),
        weekday=WEEKDAY_NAMES[o.day.weekday()],
        day=f"{o.day:%d/%m/%Y}",
        start=_clock(start),
        end=_clock(end),
    )


def schedule(
    upcoming: list[Upcoming],
    commune: Commune | None,
    law: str,
    hotline: str,
    verified: bool,
    former: str | None = None,
) -> str:
    """The next sessions of every rule that concerns the citizen, with places and the law."""
    where = commune.name if commune else PROVINCE
    if commune and former:
        where = MERGED.format(commune=commune.name, former=former.split("(")[0].strip())
    lines = [TITLE.format(where=escape(where))]
    for item in upcoming:
        s = item.session
        lines += ["", SESSION.format(who=escape(s.who))]
        if not item.next:
            lines.append(NONE_AHEAD.format(hotline=escape(hotline)))
        for i, o in enumerate(item.next):
            if i and o.place == item.next[0].place:  # the same place: the date is enough
                day = f"{o.day:%d/%m/%Y}"
                lines.append(THEN.format(weekday=WEEKDAY_NAMES[o.day.weekday()], day=day))
            else:
                lines += [_when(o, s.start, s.end), AT.format(place=escape(o.place))]
        if item.in_commune is not None and commune is not None:
            o = item.in_commune
            lines.append(
                NEXT_IN_COMMUNE.format(
                    commune=escape(commune.name),
                    weekday=WEEKDAY_NAMES[o.day.weekday()],
                    day=f"{o.day:%d/%m/%Y}",
                    place=escape(o.place),
                )
            )
    lines += ["", f"⚖️ {escape(law)}"]
    if commune is None:
        lines += ["", ASK_COMMUNE]
    if not verified:
        lines += ["", UNVERIFIED.format(hotline=escape(hotline))]
    return "\n".join(lines)
