"""Knowledge gaps: questions the bot could not answer well, grouped, each with the procedure it
most likely belongs to and the alias a maintainer could add. Pure: no database, no clock."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process

from bot.knowledge.base import KnowledgeBase
from bot.matching import FUNCTION_WORDS, GENERIC_FEATURES
from bot.text_vi import fold, is_accented, key_tokens, words
from bot.understanding import Understander

SIMILARITY = 80  # token-set similarity (0–100) at which two questions count as the same one;
# chosen with bench/bench_gaps.py: purer groups than 70, hardly more splits of one subject
MAX_ALIAS_WORDS = 6
MIN_SCORE = 15.0  # a suggestion weaker than this is noise: no procedure is suggested
# Cue kinds whose phrases are the asking, not the subject ("cho hỏi", "ở đâu", "bao nhiêu").
ASKING_CUES = ("question", "request", "greeting", "help", "human")

Progress = Callable[..., Iterable[Any]]


def _no_progress(items: Iterable[Any], **_: Any) -> Iterable[Any]:
    return items


@dataclass(frozen=True)
class LoggedQuestion:
    """One question from the log; `staff_answers` when a person answered it after a handoff."""

    text: str
    created_at: datetime
    handed_off: bool = False
    staff_answers: tuple[str, ...] = ()


@dataclass
class GapGroup:
    """Similar questions, with what a maintainer could do about them."""

    questions: list[LoggedQuestion]
    procedure_id: str | None = None
    procedure_title: str | None = None
    score: float | None = None  # the matcher's mean score for that procedure over the group
    alias: str = ""  # suggested alias ("" when the group's wording has no distinctive words)
    alias_of: str | None = None  # the procedure that already has this alias, if any
    examples: list[str] = field(default_factory=list)  # distinct wordings, most frequent first

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def staff_answers(self) -> list[str]:
        """What staff answered to these questions, newest first, each once."""
        ordered = sorted(self.questions, key=lambda q: q.created_at, reverse=True)
        return list(dict.fromkeys(a for q in ordered for a in reversed(q.staff_answers)))

    @property
    def handed_off(self) -> int:
        return sum(q.handed_off for q in self.questions)

    @property
    def first_seen(self) -> datetime:
        return min(q.created_at for q in self.questions)

    @property
    def last_seen(self) -> datetime:
        return max(q.created_at for q in self.questions)


class GapFinder:
    """Groups questions and suggests where each group belongs, against one knowledge base."""

    def __init__(
        self, kb: KnowledgeBase, understander: Understander, similarity: int = SIMILARITY
    ) -> None:
        self.kb = kb
        self.understander = understander
        self.expander = understander.index.expander
        self.similarity = similarity
        phrases: set[tuple[str, ...]] = set()
        for kind in ASKING_CUES:
            phrases.update(understander.kinds[kind].folded)
        for cues in understander.aspects.values():
            phrases.update(cues.folded)
        # Asking phrases by their first and by their last word, longest first when trimming.
        self._starting: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        self._ending: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in sorted(phrases, key=len, reverse=True):
            self._starting[phrase[0]].append(phrase)
            self._ending[phrase[-1]].append(phrase)
        self._contents: dict[str, list[str]] = {}
        self._aliases: dict[str, str] = {}
        for proc in kb.procedures:
            for name in (proc.name, *proc.aliases):
                self._aliases.setdefault(" ".join(key_tokens(name, self.expander)), proc.id)

    # -- wording -------------------------------------------------------------------------------

    def content(self, text: str) -> list[str]:
        """Accent-free standard words of a question without the asking around its subject."""
        found = self._contents.get(text)
        if found is None:
            found = self._contents[text] = self._trim(key_tokens(text, self.expander))
        return found

    def _trim(self, folded: Sequence[str]) -> list[str]:
        """Drop asking phrases and function words from both ends ("cho hỏi … ở đâu")."""
        out = list(folded)
        changed = True
        while out and changed:
            changed = False
            if self._loose(out[0], out[1:2]):
                out, changed = out[1:], True
                continue
            if self._loose(out[-1], out[-2:-1]):
                out, changed = out[:-1], True
                continue
            for phrase in self._starting.get(out[0], ()):
                if len(phrase) <= len(out) and tuple(out[: len(phrase)]) == phrase:
                    out, changed = out[len(phrase) :], True
                    break
            if changed or not out:
                continue
            for phrase in self._ending.get(out[-1], ()):
                if len(phrase) <= len(out) and tuple(out[-len(phrase) :]) == phrase:
                    out, changed = out[: -len(phrase)], True
                    break
        return out

    @staticmethod
    def _cluster_key(content: list[str]) -> str:
        """The words two questions are compared by: paperwork words ("giấy", "cần") say nothing
        about the subject and would join "karaoke cần giấy phép" with "nuôi yến cần giấy phép"."""
        subject = [w for w in content if w not in FUNCTION_WORDS and w not in GENERIC_FEATURES]
        return " ".join(subject or content)

    def _loose(self, word: str, neighbour: list[str]) -> bool:
        """A function word at an end, unless it begins or ends a word pair the procedures use:
        without accents "đăng" is "đang", yet "đăng ký" is part of the subject."""
        if word not in FUNCTION_WORDS:
            return False
        pairs = self.understander.index.idf
        return (
            not neighbour
            or neighbour[0] in FUNCTION_WORDS
            or (f"{word} {neighbour[0]}" not in pairs and f"{neighbour[0]} {word}" not in pairs)
        )

    # -- grouping ------------------------------------------------------------------------------

    def find(
        self, questions: Iterable[LoggedQuestion], progress: Progress = _no_progress
    ) -> list[GapGroup]:
        """Groups of similar questions: those staff answered first, then the most frequent."""
        by_key: dict[str, list[LoggedQuestion]] = defaultdict(list)
        items = list(questions)
        for q in progress(items, desc="đọc câu hỏi", unit="câu"):
            key = self._cluster_key(self.content(q.text))
            if key:  # nothing but asking ("cho em hỏi", "gặp cán bộ"): no subject to learn
                by_key[key].append(q)
        keys = sorted(by_key, key=lambda k: (-len(by_key[k]), k))
        reps: list[str] = []
        members: list[list[str]] = []
        for key in progress(keys, desc="gom nhóm", unit="mẫu"):
            hit = process.extractOne(
                key, reps, scorer=fuzz.token_set_ratio, score_cutoff=self.similarity
            )
            if hit is None:
                reps.append(key)
                members.append([key])
            else:
                members[hit[2]].append(key)
        groups = [self._describe(keys_of, by_key) for keys_of in members]
        groups.sort(key=lambda g: (not g.staff_answers, -g.count, g.examples[0]))
        return groups

    def _describe(self, keys: list[str], by_key: dict[str, list[LoggedQuestion]]) -> GapGroup:
        questions = [q for k in keys for q in by_key[k]]
        wordings = Counter(q.text.strip() for q in questions)
        examples = [text for text, _ in wordings.most_common()]
        group = GapGroup(questions=questions, examples=examples)
        self._suggest_procedure(group, keys, by_key)
        group.alias = self._alias(questions, examples)
        alias_key = " ".join(key_tokens(group.alias, self.expander)) if group.alias else ""
        group.alias_of = self._aliases.get(alias_key)
        return group

    def _suggest_procedure(
        self, group: GapGroup, keys: list[str], by_key: dict[str, list[LoggedQuestion]]
    ) -> None:
        """The procedure the matcher ranks first most often (weighted by score) over the group."""
        votes: dict[str, float] = defaultdict(float)
        scores: dict[str, list[float]] = defaultdict(list)
        for key in keys:
            text = by_key[key][0].text
            ranking = self.understander.index.rank(text, limit=1)
            if not ranking.matches:
                continue
            best = ranking.matches[0]
            weight = len(by_key[key])
            votes[best.id] += best.score * weight
            scores[best.id].extend([best.score] * weight)
        if not votes:
            return
        winner = max(votes, key=lambda p: (votes[p], p))
        mean = sum(scores[winner]) / len(scores[winner])
        if mean < MIN_SCORE:
            return
        group.procedure_id = winner
        group.procedure_title = self.kb.by_id[winner].name
        group.score = round(mean, 1)

    def _alias(self, questions: list[LoggedQuestion], examples: list[str]) -> str:
        """The longest run of words most of the group shares, as a citizen would write it."""
        contents = [set(self.content(q.text)) for q in questions]
        counts = Counter(w for c in contents for w in c)
        common = {w for w, n in counts.items() if n * 2 > len(questions)}
        # Written with diacritics when someone in the group did: aliases are written with them.
        accented = [t for t in examples if is_accented(words(t))]
        return self._longest_common_run(accented, common) or self._longest_common_run(
            [t for t in examples if t not in accented], common
        )

    def _longest_common_run(self, texts: list[str], common: set[str]) -> str:
        best: list[str] = []
        for text in texts:
            standard = self.expander.expand_words(words(text))
            folded = [fold(w) for w in standard]
            start = 0
            for end in range(len(folded) + 1):
                if end < len(folded) and folded[end] in common:
                    continue
                span = self._trim(folded[start:end])
                if len(span) > len(best):
                    # Map the trimmed accent-free span back onto the written words.
                    at = next(i for i in range(start, end) if folded[i : i + len(span)] == span)
                    best = standard[at : at + len(span)]
                start = end + 1
        return " ".join(self._trim_written(best[:MAX_ALIAS_WORDS]))

    def _trim_written(self, written: list[str]) -> list[str]:
        """Trim a cut-short alias again: the cut may leave a function word at its end."""
        while written and self._loose(fold(written[-1]), [fold(w) for w in written[-2:-1]]):
            written = written[:-1]
        return written
