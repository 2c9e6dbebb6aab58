"""Answers "lịch tiếp dân", "gặp chủ tịch xã…": the next reception dates and places for the
citizen's commune, taken from what they typed or asked for when it is not known yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot import reception_texts as r
from bot.cards import hotline
from bot.casework import calendar_of
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.complaint_schema import Commune
from bot.knowledge.reception_schema import Reception
from bot.matching import FUNCTION_WORDS
from bot.ports import Clock
from bot.reception import ReceptionSchedule
from bot.text_vi import fold, key_tokens, words
from bot.understanding import Understanding

# Aspects a schedule answers ("khi nào", "ở đâu"); documents or fees get the procedure's card.
SCHEDULE_ASPECTS = frozenset({"general", "time", "where"})
UNIT_WORDS = frozenset({"xa", "phuong", "thi", "tran"})
# Words that may surround a commune's name in a reply: "ở phường Mỹ Tho ạ", "em ở xã Tháp Mười".
FILLER_WORDS = FUNCTION_WORDS | UNIT_WORDS | {"o", "thuoc", "dang", "song"}
COMMUNE_REPLY_WORDS = 6  # "xã Tân Hiệp", "ở phường Mỹ Tho ạ": a commune named on its own
MENTION_WORDS = 20  # longer messages are not searched for communes asking for a schedule


@dataclass(frozen=True)
class ReceptionAnswer:
    """The schedule for one commune (or the province's part while the commune is unknown)."""

    text: str
    procedure_id: str  # the procedure the schedule belongs to (tiep-cong-dan), for its card
    commune_id: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)  # (id, name) to pick from


class ReceptionDesk:
    """The reception schedule of one knowledge base, read against the clock."""

    def __init__(
        self,
        kb: KnowledgeBase,
        config: Reception,
        find_communes: Callable[[str], list[str]],
        clock: Clock,
    ) -> None:
        self.kb = kb
        self.config = config
        self.schedule = ReceptionSchedule(config, kb.communes, calendar_of(kb))
        self.find_communes = find_communes
        self.clock = clock

    @property
    def procedure_id(self) -> str:
        return self.config.procedure

    def asked(self, u: Understanding, procedure_id: str | None) -> bool:
        """Whether a message answered with the reception procedure asks for the schedule."""
        return procedure_id == self.config.procedure and u.aspect in SCHEDULE_ASPECTS

    def answer(self, text: str) -> ReceptionAnswer:
        """The schedule for the commune named in the message, or a question for it."""
        found = self.find_communes(text)
        if len(found) == 1:
            return self.for_commune(found[0], _former_name(self.kb.communes[found[0]], text))
        answer = self.for_commune(None)
        if found:
            names = [(c, self.kb.communes[c].name) for c in found]
            text = answer.text + "\n\n" + r.WHICH_COMMUNE
            return ReceptionAnswer(text, self.procedure_id, None, names)
        return answer

    def without_communes(self, text: str) -> str | None:
        """The message with the communes it names taken out ("gặp chủ tịch xã Mỹ Tho" →
        "gặp chủ tịch xã"), for the matcher, which knows procedures, not places; None when
        it names no commune."""
        found = self.find_communes(text) if len(words(text)) <= MENTION_WORDS else []
        if not found:
            return None
        names = self._name_words(found)
        return " ".join(w for w in words(text) if fold(w) not in names or fold(w) in UNIT_WORDS)

    def _name_words(self, communes: list[str]) -> set[str]:
        return {
            w
            for c in communes
            for name in (self.kb.communes[c].name, *self.kb.communes[c].former)
            for w in key_tokens(name)
        }

    def commune_reply(self, text: str) -> ReceptionAnswer | None:
        """A message that is just a commune's name ("xã Tháp Mười ạ"), after the schedule asked
        for one; None for anything saying more ("đèn Tháp Mười hư rồi" is a report)."""
        if len(words(text)) > COMMUNE_REPLY_WORDS:
            return None
        found = self.find_communes(text)
        names = self._name_words(found)
        extra = [w for w in key_tokens(text) if w not in names and w not in FILLER_WORDS]
        return self.answer(text) if found and not extra else None

    def for_commune(self, commune_id: str | None, former: str | None = None) -> ReceptionAnswer:
        """The schedule for a commune (None: the province's sessions and a question); `former`
        is the unit merged into it that the citizen named."""
        commune = self.kb.communes.get(commune_id or "")
        upcoming = self.schedule.for_commune(commune.id if commune else None, self.clock.now())
        verified = self.config.verified and all(u.session.verified for u in upcoming)
        text = r.schedule(upcoming, commune, self.config.law, hotline(self.kb), verified, former)
        return ReceptionAnswer(text, self.procedure_id, commune.id if commune else None)


def _former_name(commune: Commune, typed: str) -> str | None:
    """The unit merged into the commune that the citizen named, when they did not name the
    commune itself ("Tân Hiệp" for Xã Châu Thành): the answer says where it went."""
    text = f" {' '.join(key_tokens(typed))} "
    if f" {_bare(commune.name)} " in text:
        return None
    return next((f for f in commune.former if f" {_bare(f)} " in text), None)


def _bare(name: str) -> str:
    """A unit's name without its kind ("Thị trấn Tân Hiệp" → "tan hiep") and notes in brackets."""
    folded = key_tokens(name.split("(")[0])
    while folded and folded[0] in UNIT_WORDS:
        folded = folded[1:]
    return " ".join(folded)
