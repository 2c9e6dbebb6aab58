"""Interfaces the core needs from the outside world: storage and the clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Where the core gets "now" from, so deadlines can be tested without waiting."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class QuestionRecord:
    """What is kept of a citizen's question (no identity unless they ask for staff)."""

    created_at: datetime
    text: str
    intent: str
    aspect: str
    outcome: str
    best_procedure_id: str | None
    best_score: float | None
    forward_token: str | None = None


@dataclass(frozen=True)
class ChatClaims:
    """What may claim a chat's next message before the question answerer does."""

    draft_step: str | None  # the step of the chat's complaint draft, None without one
    handoff: bool  # an open conversation with staff


class ConversationStore(Protocol):
    """Per-chat memory that every bot instance must see."""

    async def last_procedure(self, chat_id: int, since: datetime) -> str | None: ...

    async def remember_procedure(self, chat_id: int, procedure_id: str, now: datetime) -> None: ...

    async def chat_claims(self, chat_id: int) -> ChatClaims:
        """The chat's complaint draft step and whether it is in conversation with staff."""
        ...


class QuestionStore(Protocol):
    """The log of questions, for maintainers (knowledge gaps) and staff (handoff)."""

    async def record_question(
        self, record: QuestionRecord, chat_id: int | None = None, procedure_id: str | None = None
    ) -> int | None:
        """Log the question; with `procedure_id`, also remember it as `chat_id`'s subject.

        Returns the question's id, which its forward button names. A question without a
        forward token may be written later in the update, its id then unknown (None)."""
        ...

    async def forward_question(
        self, question_id: int, token: str, chat_id: int, now: datetime
    ) -> bool: ...

    async def question(self, question_id: int) -> QuestionRecord | None: ...


@dataclass(frozen=True)
class UnfinishedUpdate:
    """A polled update whose handling a crash cut short."""

    update_id: int
    body: str  # as Telegram sent it (JSON)
    restarts: int  # times its handling was already started again after a restart


class PolledUpdates(Protocol):
    """Polling mode: the updates fetched from Telegram whose handling has not finished."""

    async def keep(self, batch: Sequence[tuple[int, str]], now: datetime) -> None:
        """Store a fetched batch of (update id, JSON) before Telegram is told it arrived."""
        ...

    async def handled(self, update_id: int, now: datetime) -> None: ...

    async def newest(self, since: datetime) -> int | None:
        """The id of the update received last, if received after `since`."""
        ...

    async def unfinished(self) -> list[UnfinishedUpdate]:
        """The updates left unfinished, oldest first; each counted as started once more."""
        ...
