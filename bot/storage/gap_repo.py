"""Reads the questions maintainers should learn from: the log's unanswered and low-confidence
questions, joined with what staff answered when the question was handed to a person."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.gaps import LoggedQuestion
from bot.storage.handoff_models import HandoffCase
from bot.storage.models import QuestionLog
from bot.storage.repositories import SqlStore
from bot.text_vi import clean

# Outcomes worth learning from: nothing found, or only a list of guesses ("Ý bạn là…?").
GAP_OUTCOMES = ("unanswered", "suggested")
NOT_QUESTIONS = ("complaint",)  # reports go to the complaint flow, not to the knowledge
EMPTY_HANDOFF = "(muốn gặp cán bộ)"  # bot.handoff.EMPTY: a handoff opened before any question


class GapLog(SqlStore):
    """The question log as maintainers read it."""

    async def gap_questions(self, since: datetime | None = None) -> list[LoggedQuestion]:
        """Unanswered and low-confidence questions, and every question handed to staff, each
        once, oldest first; a handed-off question carries the staff's answers."""

        def q(s: Session) -> list[LoggedQuestion]:
            logs = select(QuestionLog).where(
                col(QuestionLog.outcome).in_(GAP_OUTCOMES),
                col(QuestionLog.intent).not_in(NOT_QUESTIONS),
            )
            handoffs = select(HandoffCase)
            if since is not None:
                logs = logs.where(QuestionLog.created_at >= since)
                handoffs = handoffs.where(HandoffCase.created_at >= since)
            # A forwarded question opened a handoff with the same text from the same chat.
            by_asker: dict[tuple[int, str], HandoffCase] = {}
            for handoff in s.exec(handoffs.order_by(col(HandoffCase.id))):
                by_asker.setdefault((handoff.citizen_chat_id, handoff.question), handoff)
            out: list[LoggedQuestion] = []
            for row in s.exec(logs.order_by(col(QuestionLog.id))):
                asker = (row.asker_chat_id or 0, clean(row.text))
                forwarded = by_asker.pop(asker) if asker in by_asker else None
                out.append(_question(row.text, row.created_at, forwarded))
            for handoff in by_asker.values():  # asked a person directly ("gặp cán bộ …")
                if handoff.question != EMPTY_HANDOFF:
                    out.append(_question(handoff.question, handoff.created_at, handoff))
            return sorted(out, key=lambda x: x.created_at)

        return await self._run(q)


def _question(text: str, at: datetime, case: HandoffCase | None) -> LoggedQuestion:
    answers = tuple(str(a["text"]) for a in (case.answers if case else []) if a.get("text"))
    return LoggedQuestion(text, at, handed_off=case is not None, staff_answers=answers)
