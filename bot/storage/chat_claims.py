"""Whether a complaint draft or a conversation with staff may claim a chat's next message.

Asked for every citizen message. On PostgreSQL the answer is read in the same round trip as the
chat's lock (bot/storage/chat_lock.py), right after the lock is granted, and handed to the one
`HandoffStore.chat_claims` call the update makes; SQLite, in process, reads it directly.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, or_
from sqlalchemy.dialects import postgresql
from sqlmodel import col, select

from bot.ports import ChatClaims
from bot.storage.complaint_models import ComplaintDraft
from bot.storage.handoff_models import HandoffCase
from bot.storage.sqlite_direct import DirectStatement

OPEN = ("waiting", "claimed")

# Built once, and SQLAlchemy's compiled cache then hits at once.
CLAIMS = select(
    select(col(ComplaintDraft.step))
    .where(col(ComplaintDraft.chat_id) == bindparam("chat"))
    .scalar_subquery(),
    exists().where(
        col(HandoffCase.citizen_chat_id) == bindparam("chat"),
        # Equalities, not IN: an IN list is expanded anew for every execution.
        or_(*(col(HandoffCase.status) == status for status in OPEN)),
    ),
)
# The same query for a plain psycopg connection: its text, and its parameters but the chat.
_COMPILED = CLAIMS.compile(dialect=postgresql.psycopg.dialect())
CLAIMS_SQL = str(_COMPILED)
# And for sqlite3 (SQLite answers it in process, without a lock).
CLAIMS_DIRECT = DirectStatement(CLAIMS)


def claims_params(chat_id: int) -> dict[str, Any]:
    return {**_COMPILED.params, "chat": chat_id}


def claims_of(row: Any) -> ChatClaims:
    step, handoff = row
    return ChatClaims(draft_step=step, handoff=bool(handoff))


@dataclass
class _ReadAhead:
    chat_id: int
    claims: ChatClaims | None


_read_ahead: ContextVar[_ReadAhead | None] = ContextVar("chat_claims_read_ahead", default=None)


def offer(chat_id: int, claims: ChatClaims) -> object:
    """Make `claims`, read under the chat's lock, the answer to the update's first question
    about `chat_id`; returns the token `withdraw` needs when the update ends."""
    return _read_ahead.set(_ReadAhead(chat_id, claims))


def withdraw(token: object) -> None:
    _read_ahead.reset(token)  # type: ignore[arg-type]


def take(chat_id: int) -> ChatClaims | None:
    """The claims read ahead for `chat_id`, once: a later question in the same update (after
    a handler may have changed the draft) goes to the database."""
    ahead = _read_ahead.get()
    if ahead is None or ahead.chat_id != chat_id or ahead.claims is None:
        return None
    claims, ahead.claims = ahead.claims, None
    return claims
