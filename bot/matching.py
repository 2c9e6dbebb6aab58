"""Ranks procedures for a citizen's message: weighted word and word-pair evidence, fuzzy rescue."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge.base import KnowledgeBase
from bot.text_vi import Expander, fold, key_tokens, make_synonym, words

# Common Vietnamese words (accent-free) that are never typos of a procedure word: correcting
# "toi" (tôi) or "nha" (nhé) into some rare procedure word would invent evidence.
FUNCTION_WORDS = frozenset(
    """
    a ah ak ai anh ba bac bao be ben biet bo cai cam can cach chi cho chu chua co con cua cung
    da dang day de den di do duoc dau em gi gio giup hai hay hen hoi hom hon khi khong kia la
    lam len luc ma may me minh moi muon nao nay ne nen nha nhe nhieu nho nhu nua oi on ong phai
    qua ra rang roi sao se sau so sua tai the thi thiet thoi toi tren trong tu va vay vao ve
    vi voi vui xin xong ban nguoi neu chac biet vang da de ca cac nhung mot hai ba bon nam
    """.split()
)

# Words that say a citizen is asking about paperwork, not which paperwork ("thủ tục cưới" must
# not match "thủ tục nuôi chim yến"): their weight is cut, however rare they are in the names.
GENERIC_FEATURES = frozenset(
    {"thu tuc", "ho so", "giay to", "to khai", "mau don", "cho hoi", "xin cap", "lam giay"}
    | {"cap giay", "nop ho", "dang ky", "xin", "lam", "nop", "can", "muon", "hoi", "don"}
    | {"giay", "cap", "thu", "tuc", "to", "khai", "mau"}
)
GENERIC_FACTOR = 0.3
UNKNOWN_WEIGHT = 1.5  # evidence mass one unknown content word counts for
BIGRAM_WEIGHT = 1.2  # a matched word pair ("khai sinh") is stronger evidence than its two words
FUZZY_CANDIDATES = 12
CANDIDATES = 50  # procedures whose aliases are compared with the message, by evidence
CANDIDATE_SHARE = 0.3  # …among those with at least this share of the best evidence
FUZZY_MIN_CHARS = 12  # shorter names are too easily "found" in unrelated words by fuzzy matching
FUZZY_CUTOFF = 92
FUZZY_WEIGHT = 0.85  # a fuzzy hit is weaker evidence than the exact words
W_ALIAS, W_STRENGTH, W_EXPLAINED = 0.5, 0.2, 0.3
MASS_SCALE = 7.0  # evidence mass that counts as "plenty" (about two distinctive words and a pair)


@dataclass(frozen=True, slots=True)
class ProcedureMatch:
    """A candidate procedure with its score (0–100) and the name or alias that matched best."""

    id: str
    title: str
    score: float
    alias: str
    coverage: float = 0.0  # share of the best-matching name or alias found in the message


@dataclass
class _Phrase:
    proc: int
    text: str
    key: str
    weight: float = 0.0  # total idf mass of its features


@dataclass
class Ranking:
    """The ranking of one message, with what it was computed from (for `ask --explain`)."""

    tokens: list[str]
    corrected: dict[str, str]
    matches: list[ProcedureMatch]
    details: list[dict[str, float | str]] = field(default_factory=list)


def _features(tokens: Sequence[str]) -> set[str]:
    feats = set(tokens)
    feats.update(f"{a} {b}" for a, b in pairwise(tokens))
    return feats


class ProcedureIndex:
    """Inverted index over procedure names and aliases, weighted by how distinctive each word is."""

    def __init__(
        self, kb: KnowledgeBase, expander: Expander, known_words: Iterable[str] = ()
    ) -> None:
        self.expander = expander
        self.known = frozenset(known_words) | FUNCTION_WORDS
        self._ids = [p.id for p in kb.procedures]
        self._titles = [p.name for p in kb.procedures]
        self._phrases: list[_Phrase] = []
        self.phrase_words: list[list[str]] = []  # each name and alias in standard words
        phrase_feats: list[set[str]] = []
        doc_freq: dict[str, int] = defaultdict(int)
        proc_feats: list[set[str]] = []
        for i, proc in enumerate(kb.procedures):
            seen: set[str] = set()
            for text in (proc.name, *proc.aliases):
                standard = expander.expand_words(words(text))
                toks = [fold(w) for w in standard]
                if not toks:
                    continue
                self.phrase_words.append(standard)
                feats = _features(toks)
                self._phrases.append(_Phrase(i, text, " ".join(toks)))
                phrase_feats.append(feats)
                seen |= feats
            for f in seen:
                doc_freq[f] += 1
            proc_feats.append(seen)
        n = max(len(self._ids), 1)
        self.idf = {
            f: math.log((n + 1) / (df + 0.5)) * (GENERIC_FACTOR if f in GENERIC_FEATURES else 1.0)
            for f, df in doc_freq.items()
        }
        # Evidence is gathered per procedure (a word's posting lists procedures, not every
        # alias), then alias coverage is computed only for the leading candidates: with 2,000
        # procedures a common word would otherwise touch tens of thousands of aliases.
        self._weights = {f: w * BIGRAM_WEIGHT if " " in f else w for f, w in self.idf.items()}
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._phrase_feats: list[frozenset[str]] = []
        weights, postings = self._weights, self._postings  # locals: this loop runs ~10^5 times
        for phrase, feats in zip(self._phrases, phrase_feats, strict=True):
            phrase.weight = sum(map(weights.__getitem__, feats))
            self._phrase_feats.append(frozenset(feats))
        for index, seen_feats in enumerate(proc_feats):
            for f in seen_feats:
                postings[f].append((index, weights[f]))
        self.vocabulary = sorted({f for f in doc_freq if " " not in f and len(f) >= 4})
        self._vocab_set = frozenset(f for f in doc_freq if " " not in f)
        # What the coverage loop reads of each phrase, per procedure, in one tuple: that loop
        # runs for every alias of ~50 candidates on every message.
        self._covering: dict[int, list[tuple[frozenset[str], float, int, int]]] = defaultdict(list)
        # Each procedure's phrases long enough for fuzzy matching, and their positions.
        self._fuzzy_keys: dict[int, list[str]] = defaultdict(list)
        self._fuzzy_phrases: dict[int, list[int]] = defaultdict(list)
        for pi, phrase in enumerate(self._phrases):
            if len(phrase.key) >= FUZZY_MIN_CHARS:
                self._fuzzy_keys[phrase.proc].append(phrase.key)
                self._fuzzy_phrases[phrase.proc].append(pi)
            if phrase.weight > 0:
                self._covering[phrase.proc].append(
                    (self._phrase_feats[pi], phrase.weight, -len(phrase.key), pi)
                )
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)

    def _weight(self, feature: str) -> float:
        return self._weights.get(feature, 0.0)

    # -- typo rescue -----------------------------------------------------------------------

    def _correct_uncached(self, token: str) -> tuple[str, ...]:
        """A known word for an unknown one: a near spelling, or two known words run together."""
        if token in self._vocab_set or token in self.known or len(token) < 4:
            return (token,)
        if token.isdigit() or looks_vietnamese(token):
            return (token,)  # a real syllable we do not index is not a typo of one we do
        best = process.extractOne(
            token, self.vocabulary, scorer=OSA.normalized_similarity, score_cutoff=0.75
        )
        if best is not None:
            return (best[0],)
        for cut in range(2, len(token) - 1):
            left, right = token[:cut], token[cut:]
            if left in self._vocab_set and right in self._vocab_set:
                return (left, right)
        return (token,)

    def normalise(self, text: str) -> tuple[list[str], dict[str, str]]:
        """Standard tokens of a message with typos rescued, and the corrections made."""
        tokens: list[str] = []
        corrected: dict[str, str] = {}
        for tok in key_tokens(text, self.expander):
            fixed = self._correct(tok)
            if fixed != (tok,):
                corrected[tok] = " ".join(fixed)
            tokens.extend(fixed)
        return tokens, corrected

    # -- ranking ---------------------------------------------------------------------------

    def rank(self, text: str, limit: int = 3) -> Ranking:
        """Best procedures for a message, best first, scores 0–100."""
        tokens, corrected = self.normalise(text)
        feats = _features(tokens)
        mass: dict[int, float] = defaultdict(float)  # procedure -> distinct evidence mass
        known = 0.0  # evidence mass of the message's words that any procedure knows
        for f in sorted(feats):  # a fixed order: float sums, hence ties, never vary by run
            postings = self._postings.get(f)
            if not postings:
                continue
            known += self._weight(f)
            for proc, w in postings:
                mass[proc] += w
        if not mass:
            return Ranking(tokens, corrected, [], [])
        floor = max(mass.values()) * CANDIDATE_SHARE
        candidates = sorted((p for p in mass if mass[p] >= floor), key=lambda p: (-mass[p], p))
        candidates = candidates[:CANDIDATES]
        coverage: dict[int, tuple[float, int]] = {}
        weights = self._weights
        for proc in candidates:
            best_rank: tuple[float, int, int] = (0.0, 0, 0)
            for phrase_feats, phrase_weight, shorter, pi in self._covering[proc]:
                hit = phrase_feats & feats
                if not hit:
                    continue
                # Rounded below before any comparison, so summation order cannot matter.
                cov = sum(map(weights.__getitem__, hit)) / phrase_weight
                if cov < best_rank[0] - 1e-9:
                    continue  # below the best even once rounded: skip the costly round()
                # Equal coverage: credit the shorter name (it leaves the rest of the message,
                # such as "online" in "tạm trú online", to tell the aspect), then the earlier
                # one, so the result never depends on iteration order.
                rank = (round(cov, 9), shorter, -pi)
                if rank > best_rank:
                    best_rank = rank
                    coverage[proc] = (cov, pi)
        query_key = " ".join(tokens)
        scored: list[tuple[float, int, int, float, float, float]] = []
        # Fuzzy phrase matching is the costly part: only the leading candidates get it.
        leading = sorted(
            candidates, key=lambda p: (-(coverage.get(p, (0.0, -1))[0] + mass[p] / 10), p)
        )
        for rank_pos, proc in enumerate(leading):
            evidence = mass[proc]
            cov, best_pi = coverage.get(proc, (0.0, -1))
            # A fuzzy hit counts at most FUZZY_WEIGHT: where the exact words already cover as
            # much, the costly comparison could not change the coverage.
            if rank_pos < FUZZY_CANDIDATES and cov < FUZZY_WEIGHT:
                fuzzy, fuzzy_pi = self._fuzzy_coverage(proc, query_key)
                if fuzzy > cov:
                    cov, best_pi = fuzzy, fuzzy_pi
            strength = min(1.0, evidence / MASS_SCALE)
            # Share of the message's known words this procedure explains: "cải chính … giấy
            # khai sinh" must not go to khai-sinh, whose names leave "cải chính" unexplained.
            explained = evidence / known if known else 0.0
            score = (
                100.0
                * (W_ALIAS * cov + W_STRENGTH * strength + W_EXPLAINED * explained)
                * min(1.0, 0.5 + evidence / 4.0)
            )
            scored.append((score, proc, best_pi, cov, strength, evidence))
        scored.sort(key=lambda s: (-s[0], self._ids[s[1]]))
        matches = [
            ProcedureMatch(
                id=self._ids[proc],
                title=self._titles[proc],
                score=round(score, 1),
                alias=self._phrases[pi].text if pi >= 0 else "",
                coverage=round(cov, 3),
            )
            for score, proc, pi, cov, *_ in scored[:limit]
        ]
        details: list[dict[str, float | str]] = [
            {
                "id": self._ids[proc],
                "score": round(score, 1),
                "alias_coverage": round(cov, 3),
                "evidence": round(ev, 3),
                "alias": self._phrases[pi].text if pi >= 0 else "",
            }
            for score, proc, pi, cov, _, ev in scored[: max(limit, 5)]
        ]
        return Ranking(tokens, corrected, matches, details)

    def _fuzzy_coverage(self, proc: int, query_key: str) -> tuple[float, int]:
        """Alias found in the message despite small misspellings (partial fuzzy match)."""
        if len(query_key) < 4:
            return 0.0, -1
        # The best phrase, the first of equals; in one call into rapidfuzz, which prepares the
        # message once for all the phrases (partial_ratio is symmetric).
        found = process.extractOne(
            query_key, self._fuzzy_keys[proc], scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF
        )
        if found is None:
            return 0.0, -1
        _, score, position = found
        # A fuzzy hit is weaker evidence than the exact words: keep it below a full match.
        return score / 100.0 * FUZZY_WEIGHT, self._fuzzy_phrases[proc][position]


_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"[aeiouy]{1,3}(ch|ng|nh|[cmnpt])?$"
)


def looks_vietnamese(token: str) -> bool:
    """Whether an accent-free token is shaped like a Vietnamese syllable (onset, vowels, coda)."""
    return bool(_SYLLABLE.match(token))


def expander_for(kb: KnowledgeBase) -> Expander:
    """The synonym expander of a knowledge base."""
    return Expander(make_synonym(typed, e.means) for e in kb.synonyms for typed in e.words)
