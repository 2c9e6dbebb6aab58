"""Telegram keyboards and the compact callback data their buttons carry (≤ 64 bytes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot import reception_texts, texts
from bot.cards import SECTIONS
from bot.matching import ProcedureMatch

SEP = "|"
SECTION_CODES = {
    "documents": "d",
    "fee": "f",
    "time": "t",
    "where": "w",
    "online": "o",
    "legal": "l",
}
CODE_SECTIONS = {v: k for k, v in SECTION_CODES.items()}


@dataclass(frozen=True)
class Press:
    """A parsed button press: what kind and its arguments (already checked for shape)."""

    kind: str
    args: tuple[str, ...]


# kind -> number of arguments a well-formed press carries
_ARITY = {"s": 2, "p": 2, "g": 1, "G": 0, "f": 2, "l": 1}


def parse(data: str | None) -> Press | None:
    """Parse callback data; anything malformed or forged in shape gives None."""
    if not data or len(data) > 64:
        return None
    kind, *args = data.split(SEP)
    if _ARITY.get(kind) != len(args):
        return None
    if kind in ("s", "p") and args[1] not in CODE_SECTIONS and args[1] != "g":
        return None
    return Press(kind, tuple(args))


def inline(rows: Sequence[Sequence[Sequence[str]]]) -> InlineKeyboardMarkup | None:
    """Inline buttons from the core's (label, callback data) rows; None when there are none."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


# The keyboards sent most (the menu, a card's sections) are built once: python-telegram-bot's
# objects are immutable once made, so one can go with every message that shows it.
@cache
def menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        texts.MENU_ROWS, resize_keyboard=True, input_field_placeholder=texts.MENU_PLACEHOLDER
    )


@lru_cache(maxsize=4096)  # procedures × 7: the shipped knowledge and more
def sections(procedure_id: str, current: str | None = None) -> InlineKeyboardMarkup:
    """The six section buttons of a procedure, two per row; the one shown is marked."""
    buttons = [
        InlineKeyboardButton(
            ("• " if s == current else "") + texts.SECTION_LABELS[s],
            callback_data=SEP.join(("s", procedure_id, SECTION_CODES[s])),
        )
        for s in SECTIONS
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def choices(
    matches: Sequence[ProcedureMatch], aspect: str, question_id: int | None, token: str | None
) -> InlineKeyboardMarkup:
    """Up to three candidates, and a way out when none is right."""
    code = SECTION_CODES.get(aspect, "g")
    rows = [
        [InlineKeyboardButton(m.title, callback_data=SEP.join(("p", m.id, code)))] for m in matches
    ]
    if question_id is not None and token:
        data = SEP.join(("f", str(question_id), token))
        rows.append([InlineKeyboardButton(texts.BUTTON_NONE_OF_THESE, callback_data=data)])
    return InlineKeyboardMarkup(rows)


def forward(question_id: int, token: str) -> InlineKeyboardMarkup:
    data = SEP.join(("f", str(question_id), token))
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.BUTTON_FORWARD, callback_data=data)]])


def groups(names: Sequence[str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(n, callback_data=SEP.join(("g", str(i))))]
            for i, n in enumerate(names)
        ]
    )


def group(procedures: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(name, callback_data=SEP.join(("p", pid, "g")))]
        for pid, name in procedures
    ]
    rows.append([InlineKeyboardButton(texts.BUTTON_ALL_GROUPS, callback_data="G")])
    return InlineKeyboardMarkup(rows)


def reception(procedure_id: str, choices: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """Communes to choose from (when the typed name fits several), and the procedure's card."""
    rows = [[(name, SEP.join(("l", commune_id)))] for commune_id, name in choices]
    rows.append([(reception_texts.BTN_PROCEDURE, SEP.join(("p", procedure_id, "g")))])
    return inline(rows)
