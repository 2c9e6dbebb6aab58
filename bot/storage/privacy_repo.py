"""SQL side of personal data: what a chat still needs, erasing it, and purging expired data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, update
from sqlmodel import Session, col, select

from bot.storage.complaint_models import Complaint, ComplaintDraft, OutboxMessage
from bot.storage.handoff_models import HandoffCase
from bot.storage.models import ChatContext, QuestionLog
from bot.storage.repositories import SqlStore

OPEN_CASE = ("received", "acknowledged")
OPEN_HANDOFF = ("waiting", "claimed")
ERASED_CHAT = 0  # no Telegram chat has id 0: "the citizen's chat is no longer known"

# What a case keeps once its citizen's data is gone: type, category, commune, official, dates,
# rating and the audit trail (the statistics); what goes: who, what they wrote, where, photos.
_BLANK_CASE: dict[str, Any] = {
    "citizen_chat_id": ERASED_CHAT,
    "full_name": None,
    "phone": None,
    "description": "",
    "photos": [],
    "latitude": None,
    "longitude": None,
    "accused": None,
}
_BLANK_HANDOFF: dict[str, Any] = {
    "citizen_chat_id": ERASED_CHAT,
    "citizen_name": "",
    "question": "",
}
_BLANK_MESSAGE: dict[str, Any] = {"text": "", "photo": None, "buttons": None}


@dataclass(frozen=True)
class Erased:
    """How many rows of each kind lost their personal data."""

    cases: int = 0
    handoffs: int = 0
    drafts: int = 0
    messages: int = 0
    contexts: int = 0
    questions: int = 0

    @property
    def total(self) -> int:
        return (
            self.cases + self.handoffs + self.drafts + self.messages + self.contexts
        ) + self.questions


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


class PrivacyStore(SqlStore):
    """Each operation is one transaction: personal data goes entirely, or not at all."""

    async def open_codes(self, chat_id: int) -> tuple[list[str], bool]:
        """The codes of the chat's open cases, and whether it has an open question to staff."""

        def q(s: Session) -> tuple[list[str], bool]:
            codes = s.exec(
                select(Complaint.code).where(
                    col(Complaint.citizen_chat_id) == chat_id, col(Complaint.status).in_(OPEN_CASE)
                )
            )
            handoff = s.exec(
                select(HandoffCase.id).where(
                    col(HandoffCase.citizen_chat_id) == chat_id,
                    col(HandoffCase.status).in_(OPEN_HANDOFF),
                )
            ).first()
            return sorted(codes), handoff is not None

        return await self._run(q)

    async def erase_chat(self, chat_id: int) -> Erased:
        """Everything personal the bot holds about a chat whose cases are all closed."""

        def q(s: Session) -> Erased:
            if s.exec(select(Complaint).where(*_open_case_of(chat_id))).first() is not None:
                return Erased()  # re-checked inside the transaction: a case filed meanwhile
            return _erase(
                s,
                cases=and_(col(Complaint.citizen_chat_id) == chat_id, _closed_case()),
                handoffs=and_(col(HandoffCase.citizen_chat_id) == chat_id, _closed_handoff()),
                drafts=col(ComplaintDraft.chat_id) == chat_id,
                messages=col(OutboxMessage.chat_id) == chat_id,
                contexts=col(ChatContext.chat_id) == chat_id,
                questions=col(QuestionLog.asker_chat_id) == chat_id,
            )

        return await self._run(q)

    async def purge(self, before: datetime) -> Erased:
        """Personal data of cases resolved, and questions to staff closed, before `before`;
        drafts and conversation context untouched since; messages sent and questions logged
        before it."""

        def q(s: Session) -> Erased:
            return _erase(
                s,
                cases=and_(_closed_case(), col(Complaint.resolved_at) < before),
                handoffs=and_(_closed_handoff(), col(HandoffCase.closed_at) < before),
                drafts=col(ComplaintDraft.updated_at) < before,
                messages=col(OutboxMessage.created_at) < before,
                contexts=col(ChatContext.updated_at) < before,
                questions=col(QuestionLog.created_at) < before,
            )

        return await self._run(q)


def _open_case_of(chat_id: int) -> tuple[ColumnElement[bool], ...]:
    return (col(Complaint.citizen_chat_id) == chat_id, col(Complaint.status).in_(OPEN_CASE))


def _closed_case() -> ColumnElement[bool]:
    return and_(
        col(Complaint.status).not_in(OPEN_CASE), col(Complaint.citizen_chat_id) != ERASED_CHAT
    )


def _closed_handoff() -> ColumnElement[bool]:
    return and_(
        col(HandoffCase.status).not_in(OPEN_HANDOFF),
        col(HandoffCase.citizen_chat_id) != ERASED_CHAT,
    )


def _erase(
    s: Session,
    *,
    cases: ColumnElement[bool],
    handoffs: ColumnElement[bool],
    drafts: ColumnElement[bool],
    messages: ColumnElement[bool],
    contexts: ColumnElement[bool],
    questions: ColumnElement[bool],
) -> Erased:
    case_ids = list(s.exec(select(Complaint.id).where(cases)))
    handoff_ids = list(s.exec(select(HandoffCase.id).where(handoffs)))
    n_cases = _count(s.exec(update(Complaint).where(cases).values(**_BLANK_CASE)))
    n_handoffs = _count(s.exec(update(HandoffCase).where(handoffs).values(**_BLANK_HANDOFF)))
    # Messages already sent (or given up) about these cases, and the chat's own: a message
    # still waiting is left to be delivered (and blanked by a later purge).
    sent = and_(col(OutboxMessage.status) != "pending", col(OutboxMessage.text) != "")
    about = (
        col(OutboxMessage.complaint_id).in_(case_ids)
        | col(OutboxMessage.handoff_id).in_(handoff_ids)
        | messages
    )
    n_messages = _count(s.exec(update(OutboxMessage).where(sent, about).values(**_BLANK_MESSAGE)))
    n_drafts = _count(s.exec(delete(ComplaintDraft).where(drafts)))
    n_contexts = _count(s.exec(delete(ChatContext).where(contexts)))
    n_questions = _count(
        s.exec(
            update(QuestionLog)
            .where(questions, col(QuestionLog.text) != "")
            .values(text="", asker_chat_id=None)
        )
    )
    return Erased(n_cases, n_handoffs, n_drafts, n_messages, n_contexts, n_questions)
