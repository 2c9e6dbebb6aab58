"""Export of cases with their history to CSV or Excel (xlsx), for maintainers and leaders.

Personal data — who the citizen is (name, phone, Telegram chat id), where they stood
(location) and whom they reported — is left out unless asked for explicitly. Free text (what
happened, the officials' answers) is kept: it is the case itself; review it before sharing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bot.statistics import CaseFacts
from bot.storage.stats_repo import CaseHistory
from bot.workdays import VN_TZ

COLUMNS = (
    "code",
    "type",
    "type_name",
    "category",
    "category_name",
    "commune_id",
    "commune_name",
    "office",  # of the responsible official (see bot.statistics)
    "responsible_official_id",
    "assigned_official_id",  # who holds the case now (after escalations)
    "status",
    "deadline",  # on_time | late | pending
    "received_at",
    "acknowledged_at",
    "resolved_at",
    "ack_due",
    "resolve_due",
    "extended_days",
    "escalation_level",
    "apologies",
    "rating",
    "anonymous",
    "photos",
    "description",
    "result",
    "delay_reason",
    "history",
)
PERSONAL_COLUMNS = ("full_name", "phone", "citizen_chat_id", "latitude", "longitude", "accused")
HISTORY_COLUMNS = ("code", "at", "actor", "action", "detail")
# Free text a spreadsheet could take for a formula ("=HYPERLINK(…)") when a CSV is opened.
_FREE_TEXT = frozenset({"description", "result", "delay_reason", "history", "full_name", "accused"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def columns(include_personal: bool) -> tuple[str, ...]:
    return COLUMNS + PERSONAL_COLUMNS if include_personal else COLUMNS


def local_time(moment: datetime | None) -> str:
    """ISO 8601 in Vietnam time, to the minute ("2026-12-07T09:00+07:00"); empty for none."""
    if moment is None:
        return ""
    return moment.astimezone(VN_TZ).isoformat(timespec="minutes")


def _verdict(facts: CaseFacts, now: datetime) -> str:
    on_time = facts.on_time(now)
    return "pending" if on_time is None else "on_time" if on_time else "late"


def history_text(item: CaseHistory) -> str:
    """The audit trail, one event a line: "2026-12-07T09:00+07:00 can-bo acknowledged"."""
    return "\n".join(
        " ".join(x for x in (local_time(e.at), e.actor, e.action, e.detail or "") if x)
        for e in item.events
    )


def case_row(
    item: CaseHistory,
    now: datetime,
    names: Mapping[str, Mapping[str, str]],
    office_of: Any,
    include_personal: bool,
) -> dict[str, Any]:
    """One case as a row of plain values (text, numbers, booleans)."""
    c, f = item.case, item.facts
    row: dict[str, Any] = {
        "code": c.code,
        "type": c.type,
        "type_name": names.get("type", {}).get(c.type, c.type),
        "category": c.category,
        "category_name": names.get("category", {}).get(c.category, c.category),
        "commune_id": c.commune_id or "",
        "commune_name": names.get("commune", {}).get(c.commune_id or "", ""),
        "office": office_of(f.official_id),
        "responsible_official_id": f.official_id,
        "assigned_official_id": c.assigned_official_id,
        "status": c.status,
        "deadline": _verdict(f, now),
        "received_at": local_time(c.received_at),
        "acknowledged_at": local_time(c.acknowledged_at),
        "resolved_at": local_time(c.resolved_at),
        "ack_due": local_time(c.ack_due),
        "resolve_due": local_time(c.resolve_due),
        "extended_days": c.extended_days,
        "escalation_level": c.escalation_level,
        "apologies": f.apologies,
        "rating": c.rating if c.rating is not None else "",
        "anonymous": c.anonymous,
        "photos": len(c.photos),
        "description": c.description,
        "result": c.result or "",
        "delay_reason": c.delay_reason or "",
        "history": history_text(item),
    }
    if include_personal:
        row |= {
            "full_name": c.full_name or "",
            "phone": c.phone or "",
            "citizen_chat_id": c.citizen_chat_id,
            "latitude": c.latitude if c.latitude is not None else "",
            "longitude": c.longitude if c.longitude is not None else "",
            "accused": c.accused or "",
        }
    return row


def history_rows(item: CaseHistory) -> Iterator[tuple[str, str, str, str, str]]:
    for e in item.events:
        yield (item.case.code, local_time(e.at), e.actor, e.action, e.detail or "")


def _defused(key: str, value: Any) -> Any:
    """Free text starting like a formula gets a leading apostrophe, as spreadsheets expect."""
    if key in _FREE_TEXT and isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class CsvWriter:
    """One row per case; the history in one cell, an event a line."""

    def __init__(self, out: IO[str], include_personal: bool) -> None:
        self.writer = csv.DictWriter(out, fieldnames=columns(include_personal))
        self.writer.writeheader()

    def add(self, row: Mapping[str, Any], item: CaseHistory) -> None:
        self.writer.writerow({k: _defused(k, v) for k, v in row.items()})

    def close(self) -> None:
        return None


class XlsxWriter:
    """Two sheets: "cases" (as the CSV) and "history" (one row per event). Streamed with
    openpyxl's write-only mode, so memory stays flat on large exports."""

    def __init__(self, path: str, include_personal: bool) -> None:
        self.path = path
        self.book = Workbook(write_only=True)
        self.cases = self.book.create_sheet("cases")
        self.history = self.book.create_sheet("history")
        self.columns = columns(include_personal)
        for sheet, header in ((self.cases, self.columns), (self.history, HISTORY_COLUMNS)):
            sheet.freeze_panes = "A2"
            sheet.append([self._cell(sheet, name, bold=True) for name in header])

    @staticmethod
    def _cell(sheet: Any, value: Any, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: a leading "=" is never a formula
        if bold:
            cell.font = Font(bold=True)
        return cell

    def add(self, row: Mapping[str, Any], item: CaseHistory) -> None:
        self.cases.append([self._cell(self.cases, row[k]) for k in self.columns])
        for event in history_rows(item):
            self.history.append([self._cell(self.history, v) for v in event])

    def close(self) -> None:
        self.book.save(self.path)
