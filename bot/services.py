"""Use cases: answer a citizen's question, show a section, pass a question on to staff."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, Protocol

from bot import handoff_texts, texts
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.schema import FaqEntry, Procedure
from bot.matching import ProcedureMatch
from bot.ports import ChatClaims, Clock, ConversationStore, QuestionRecord, QuestionStore
from bot.reception_desk import ReceptionAnswer, ReceptionDesk
from bot.understanding import Understander, Understanding

MAX_QUESTION_CHARS = 1000  # longer messages are read only this far (spam, pasted documents)

AnswerKind = Literal[
    "card",
    "choices",
    "no_match",
    "complaint",
    "help",
    "greeting",
    "thanks",
    "human",
    "offices",  # opening hours, phone numbers, addresses
    "faq",  # a question of faq.yaml
    "none",
    "followup",
    "reception",
]


class Store(ConversationStore, QuestionStore, Protocol):
    """The storage the question service needs."""


@dataclass(frozen=True)
class Knowledge:
    """A knowledge base with its ready-built matcher; swapped whole, never edited in place."""

    kb: KnowledgeBase
    understander: Understander

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Knowledge:
        return cls(kb, Understander(kb))


@dataclass(frozen=True)
class Answer:
    """What the bot should say to a message, decided without any Telegram detail."""

    kind: AnswerKind
    understanding: Understanding | None = None
    procedure: Procedure | None = None
    aspect: str = "general"
    choices: list[ProcedureMatch] = field(default_factory=list)
    question_id: int | None = None
    forward_token: str | None = None
    truncated_from: int | None = None  # original length when the message was cut
    reception: ReceptionAnswer | None = None  # the reception schedule ("lịch tiếp dân")
    faq: FaqEntry | None = None  # the question of faq.yaml asked


class QuestionService:
    """Answers citizens' questions from the current knowledge and remembers the chat's subject."""

    def __init__(
        self, knowledge: Knowledge, store: Store, clock: Clock, followup_seconds: int = 1800
    ) -> None:
        self.knowledge = knowledge
        self.store = store
        self.clock = clock
        self.followup = timedelta(seconds=followup_seconds)
        self.reception: ReceptionDesk | None = None  # set when reception.yaml is present

    @property
    def kb(self) -> KnowledgeBase:
        return self.knowledge.kb

    async def chat_claims(self, chat_id: int) -> ChatClaims:
        """Whether a complaint draft or a conversation with staff may claim the chat's messages."""
        return await self.store.chat_claims(chat_id)

    async def answer(self, chat_id: int, text: str) -> Answer:
        """Decide the reply to a free-text message and record the question."""
        truncated = len(text) if len(text) > MAX_QUESTION_CHARS else None
        text = text[:MAX_QUESTION_CHARS]
        u = self.knowledge.understander.understand(text)
        now = self.clock.now()
        kind: AnswerKind
        procedure: Procedure | None = None
        if u.intent == "procedure" and u.best is not None and u.confident:
            kind, procedure = "card", self.kb.by_id[u.best.id]
        elif u.intent == "procedure" and u.best is not None:
            kind = "choices"
        elif u.intent == "procedure":
            last = await self.store.last_procedure(chat_id, now - self.followup)
            procedure = self.kb.by_id.get(last) if last else None
            kind = "card" if procedure else "followup"
        elif u.intent == "complaint":
            kind = "complaint"
        elif u.intent == "help" and u.wants_human:
            kind = "human"
        elif u.intent == "help" and u.faq is not None:
            kind = "faq"
        elif u.intent == "help" and u.wants_offices:
            kind = "offices"
        elif u.intent == "help":
            kind = _greeting_kind(u)
        else:
            kind = "none"
        reception = await self._reception(chat_id, text, u, procedure)
        if reception is not None and self.reception is not None:
            kind, procedure = "reception", self.kb.by_id[self.reception.procedure_id]
        forwardable = ("choices", "no_match", "none", "followup")
        token = secrets.token_urlsafe(6) if kind in forwardable else None
        outcome = {
            "card": "answered",
            "choices": "suggested",
            "reception": "answered",
            "faq": "answered",
        }.get(kind, "unanswered")
        if kind in ("greeting", "thanks", "help", "human", "offices"):
            outcome = "other"
        if kind == "none" and not u.cues.get("out_of_scope") and u.ranking.tokens:
            kind = "no_match"  # not recognisably off-topic: maybe a question we cannot answer yet
        question_id = await self.store.record_question(
            QuestionRecord(
                created_at=now,
                text=text,
                intent=u.intent,
                aspect=u.aspect,
                outcome=outcome,
                best_procedure_id=u.best.id if u.best else None,
                best_score=u.best.score if u.best else None,
                forward_token=token,
            ),
            chat_id=chat_id,
            procedure_id=procedure.id if procedure is not None else None,
        )
        return Answer(
            kind=kind,
            understanding=u,
            procedure=procedure,
            aspect=u.aspect,
            choices=u.matches if kind == "choices" else [],
            question_id=question_id if token else None,
            forward_token=token,
            truncated_from=truncated,
            reception=reception,
            faq=self.kb.faq_by_id.get(u.faq) if kind == "faq" and u.faq else None,
        )

    async def _reception(
        self, chat_id: int, text: str, u: Understanding, procedure: Procedure | None
    ) -> ReceptionAnswer | None:
        """The reception schedule when asked for ("lịch tiếp dân xã Tân Hiệp"), or when the
        citizen names their commune right after the schedule asked for it."""
        desk = self.reception
        if desk is None:
            return None
        if desk.asked(u, procedure.id if procedure else None):
            return desk.answer(text)
        if u.confident or u.intent == "complaint" or u.wants_human:
            return None  # a clear question about something else, a report, a wish for a person
        # Place names are not procedure words: "gặp chủ tịch xã Mỹ Tho" is read without them.
        stripped = desk.without_communes(text)
        if stripped is not None:
            plain = self.knowledge.understander.understand(stripped)
            if plain.confident and desk.asked(plain, plain.best.id if plain.best else None):
                return desk.answer(text)
        reply = desk.commune_reply(text)
        if reply is None:
            return None
        last = await self.store.last_procedure(chat_id, self.clock.now() - self.followup)
        return reply if last == desk.procedure_id else None

    def reception_for(self, commune_id: str) -> ReceptionAnswer | None:
        """The schedule for a commune chosen with a button; None when it no longer exists."""
        if self.reception is None or commune_id not in self.kb.communes:
            return None
        return self.reception.for_commune(commune_id)

    async def open_procedure(self, chat_id: int, procedure_id: str) -> Procedure | None:
        """The procedure a button names (None if it no longer exists), now the chat's subject."""
        proc = self.kb.by_id.get(procedure_id)
        if proc is not None:
            await self.store.remember_procedure(chat_id, proc.id, self.clock.now())
        return proc

    async def forward(self, chat_id: int, question_id: int, token: str) -> tuple[str, str] | None:
        """Pass an unanswered question to staff; only the asker's own button can do it, once.

        Returns the question and what the bot understood of it, for the staff member.
        """
        if not await self.store.forward_question(question_id, token, chat_id, self.clock.now()):
            return None
        record = await self.store.question(question_id)
        if record is None:
            return None
        understood = self.describe(record.best_procedure_id, record.best_score, record.aspect)
        answered = handoff_texts.BOT_ANSWERED.get(record.outcome, record.outcome)
        return record.text, f"{understood}; {answered}"

    def describe(self, procedure_id: str | None, score: float | None, aspect: str) -> str:
        """What the bot made of a question, in a line for staff."""
        proc = self.kb.by_id.get(procedure_id or "")
        if proc is None:
            return handoff_texts.NOTHING_UNDERSTOOD
        asked = (
            ""
            if aspect == "general"
            else f", hỏi về {texts.SECTION_TITLES.get(aspect, aspect).lower()}"
        )
        return f"gần nhất: {proc.name} ({score or 0:.0f} điểm){asked}"


def _greeting_kind(u: Understanding) -> AnswerKind:
    greetings = u.cues.get("greeting", [])
    if u.cues.get("help") or not greetings:
        return "help"
    return "thanks" if any(g.startswith("cam on") for g in greetings) else "greeting"
