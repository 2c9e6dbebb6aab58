"""Which commune a citizen names: in the complaint flow's commune step, and in questions about
the reception schedule ("lịch tiếp dân xã Tân Hiệp"). Former names of merged units count."""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.knowledge.base import KnowledgeBase
from bot.text_vi import clean, fold, tone_key, words


class CommuneFinder:
    """The knowledge's communes, by their names and former names."""

    def __init__(self, kb: KnowledgeBase) -> None:
        names: list[str] = []
        self._commune_of: list[str] = []
        for c in kb.communes.values():
            for name in (c.name, *c.former):
                names.append(_commune_key(name))
                self._commune_of.append(c.id)
        self._commune_names = names
        # Each name's positions, so that names inside an answer are looked up by its word runs
        # rather than by testing every name (asked for many messages: bot/reception_desk.py).
        self._name_at: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            self._name_at.setdefault(name, []).append(i)
        self._longest_name = max((len(n.split()) for n in names), default=0)
        self._commune_toned = [
            _toned_key(name) for c in kb.communes.values() for name in (c.name, *c.former)
        ]
        self._found = lru_cache(maxsize=64)(self._find)

    def find(self, typed: str, limit: int = 3) -> list[str]:
        """Communes matching what was typed: one when it is clear, else up to `limit`.

        Exact names first (typed accents decide between "Mỹ Tho" and "Mỹ Thọ"), then a name
        contained in a longer answer ("ấp 3 xã Tân Hiệp"), then near spellings of short answers
        only: a whole sentence must not be stretched into some commune's name.
        """
        # Remembered for the last few texts: a question is looked at twice (without its place
        # names, and as a bare commune name after the schedule asked for one).
        return list(self._found(typed, limit))

    def _find(self, typed: str, limit: int) -> tuple[str, ...]:
        key = _commune_key(typed)
        if not key:
            return ()
        exact = list(self._name_at.get(key, ()))
        if len(exact) > 1:
            toned = _toned_key(typed)
            exact = [i for i in exact if self._commune_toned[i] == toned] or exact
        if exact:
            return tuple(dict.fromkeys(self._commune_of[i] for i in exact))[:limit]
        inside = sorted(
            i
            for run in _word_runs(key, self._longest_name)
            if len(run) > 3
            for i in self._name_at.get(run, ())
        )
        if inside:  # the longest name found wins: "tân phú đông" over "tân phú"
            longest = max(len(self._commune_names[i]) for i in inside)
            best = [i for i in inside if len(self._commune_names[i]) == longest]
            toned = f" {_toned_key(typed)} "
            best = [i for i in best if f" {self._commune_toned[i]} " in toned] or best
            return tuple(dict.fromkeys(self._commune_of[i] for i in best))[:limit]
        if len(key.split()) > 4:
            return ()
        hits = process.extract(
            key, self._commune_names, scorer=fuzz.WRatio, limit=10, score_cutoff=80
        )
        ids = tuple(dict.fromkeys(self._commune_of[i] for _, _, i in hits))
        if hits and (len(hits) == 1 or hits[0][1] - hits[1][1] >= 8):
            return ids[:1]
        return ids[:limit]


def _word_runs(key: str, longest: int) -> set[str]:
    """Every run of up to `longest` consecutive words of `key` ("a b c": "a", "a b", "b c"…)."""
    w = key.split()
    return {" ".join(w[i : i + n]) for n in range(1, longest + 1) for i in range(len(w) - n + 1)}


def _toned_key(name: str) -> str:
    """Like _commune_key but keeping tones, to tell "Mỹ Tho" from "Mỹ Thọ"."""
    folded = _commune_key(name).split()
    toned = [tone_key(w) for w in words(name)][-len(folded) :] if folded else []
    return " ".join(toned)


def _commune_key(name: str) -> str:
    words = fold(clean(name)).split()
    while words and words[0] in ("xa", "phuong", "thi", "tran", "p", "x"):
        words = words[1:]
    return " ".join(words)
