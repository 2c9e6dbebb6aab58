"""A naive-Bayes intent model learnt from example messages that maintainers can extend.

Hand-written cues decide the clear cases (a request for a person, a strong complaint cue, a
question naming a procedure); the many messages in between — chatter, advice, ads, reports in
everyday words — are judged by this model over their words, word pairs and the cue signals.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import TypeVar

Label = TypeVar("Label", bound=str)  # an intent name, kept as precise as the caller gives it

LABELS = ("procedure", "complaint", "help", "none")
SMOOTHING = 0.3  # additive smoothing: unseen words count a little for every intent


def features(
    tokens: Sequence[str], cues: Mapping[str, Sequence[str]], interrogative: bool
) -> set[str]:
    """Words, word pairs, which cue kinds fired, question form and length of a message."""
    feats = set(tokens)
    feats.update(f"{a} {b}" for a, b in pairwise(tokens))
    feats.update(f"§{kind}" for kind, found in cues.items() if found)
    if interrogative:
        feats.add("§interrogative")
    n = len(tokens)
    feats.add("§short" if n <= 4 else "§medium" if n <= 9 else "§long")
    return feats


class IntentModel:
    """Multinomial naive Bayes over feature sets; trains in milliseconds."""

    def __init__(self, examples: Iterable[tuple[set[str], str]]) -> None:
        self._classes: Counter[str] = Counter()
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for feats, label in examples:
            self._classes[label] += 1
            counts[label].update(feats)
        self._vocabulary = set().union(*counts.values()) if counts else set()
        total = sum(self._classes.values())
        size = len(self._vocabulary)
        self._prior = {y: math.log(n / total) for y, n in self._classes.items()}
        self._log: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        for y, c in counts.items():
            denominator = sum(c.values()) + SMOOTHING * size
            self._log[y] = {f: math.log((n + SMOOTHING) / denominator) for f, n in c.items()}
            self._unseen[y] = math.log(SMOOTHING / denominator)

    def __bool__(self) -> bool:
        return bool(self._classes)

    def scores(self, feats: Iterable[str]) -> dict[str, float]:
        """Log-probability (up to a constant) of each intent for a message's features."""
        known = [f for f in feats if f in self._vocabulary]
        return {
            y: prior + sum(self._log[y].get(f, self._unseen[y]) for f in known)
            for y, prior in self._prior.items()
        }

    def best(self, feats: Iterable[str], allowed: Iterable[Label]) -> Label | None:
        scores = self.scores(feats)
        candidates = [y for y in allowed if y in scores]
        return max(candidates, key=lambda y: scores[y]) if candidates else None
