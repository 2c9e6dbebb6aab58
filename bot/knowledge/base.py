"""The whole knowledge base: what the loader returns and the rest of the bot reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from bot.knowledge.complaint_schema import Calendar, Commune, Deadlines, Official, Routing
from bot.knowledge.handoff_schema import Handoff
from bot.knowledge.reception_schema import Reception
from bot.knowledge.reports_schema import Reports
from bot.knowledge.schema import (
    FaqEntry,
    IntentExamples,
    Intents,
    Office,
    Procedure,
    SynonymEntry,
)


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, validated and cross-checked; replaced whole on reload."""

    procedures: tuple[Procedure, ...]
    offices: Mapping[str, Office]
    synonyms: tuple[SynonymEntry, ...]
    intents: Intents
    communes: Mapping[str, Commune]
    officials: Mapping[str, Official]
    routing: Routing
    deadlines: Deadlines
    calendar: Calendar
    intent_examples: IntentExamples | None = None
    handoff: Handoff | None = None  # who answers what the bot cannot; absent: no handoff
    reception: Reception | None = None  # who receives citizens when; absent: no schedule
    reports: Reports | None = None  # leaders' chat and weekly report; absent: none sent
    faq: tuple[FaqEntry, ...] = ()  # questions that are no procedure; absent: none
    version: str = ""

    @cached_property
    def faq_by_id(self) -> Mapping[str, FaqEntry]:
        return {f.id: f for f in self.faq}

    @cached_property
    def by_id(self) -> Mapping[str, Procedure]:
        return {p.id: p for p in self.procedures}

    @cached_property
    def groups(self) -> list[tuple[str, list[Procedure]]]:
        """Procedures by group, in the order the files list them (for browsing menus)."""
        out: dict[str, list[Procedure]] = {}
        for p in self.procedures:
            out.setdefault(p.group, []).append(p)
        return list(out.items())
