"""Accuracy of the matcher on labelled messages: top-1 procedure, intent and aspect, by style."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.understanding import Understander


@dataclass
class Scores:
    """Counts behind the accuracy figures, and the misses for inspection."""

    messages: int = 0
    procedure_questions: int = 0
    top1_hits: int = 0
    intent_hits: int = 0
    other_messages: int = 0  # complaint, help and none
    other_hits: int = 0
    aspect_hits: int = 0
    by_style: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[str] = field(default_factory=list)

    @property
    def top1(self) -> float:
        return self.top1_hits / max(self.procedure_questions, 1)

    @property
    def intent(self) -> float:
        return self.intent_hits / max(self.messages, 1)

    @property
    def intent_non_procedure(self) -> float:
        return self.other_hits / max(self.other_messages, 1)

    @property
    def aspect(self) -> float:
        return self.aspect_hits / max(self.procedure_questions, 1)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(understander: Understander, rows: Iterable[Mapping[str, Any]]) -> Scores:
    """Score every labelled row (`text`, `intent`, `procedure`, `aspect`, `style`)."""
    s = Scores()
    for row in rows:
        u = understander.understand(row["text"])
        s.messages += 1
        intent_ok = u.intent == row["intent"]
        s.intent_hits += intent_ok
        if not intent_ok:
            s.misses.append(f"INTENT want {row['intent']:<9} got {u.intent:<9} {row['text']}")
        if row["intent"] != "procedure":
            s.other_messages += 1
            s.other_hits += intent_ok
            continue
        top = u.best.id if u.best else None
        hit = top == row["procedure"]
        s.procedure_questions += 1
        s.top1_hits += hit
        style = s.by_style[row.get("style", "?")]
        style["n"] += 1
        style["ok"] += hit
        aspect = u.aspect if u.aspect != "legal" else "general"
        s.aspect_hits += aspect == row["aspect"]
        if not hit:
            s.misses.append(f"TOP1   want {row['procedure']:<22} got {top} {row['text']}")
    return s


def cross_validate(
    understander: Understander, rows: Sequence[Mapping[str, Any]], folds: int = 5
) -> Scores:
    """Intent accuracy on messages the model did not learn from: retrain on all folds but
    one, score that one, for each fold in turn. The understander's model is restored after."""
    total = Scores()
    saved = understander.model
    try:
        for k in range(folds):
            train = [r for i, r in enumerate(rows) if i % folds != k]
            test = [r for i, r in enumerate(rows) if i % folds == k]
            understander.train((r["text"], r["intent"]) for r in train)
            s = evaluate(understander, test)
            for name in ("messages", "procedure_questions", "top1_hits", "intent_hits"):
                setattr(total, name, getattr(total, name) + getattr(s, name))
            total.other_messages += s.other_messages
            total.other_hits += s.other_hits
            total.aspect_hits += s.aspect_hits
            total.misses += s.misses
    finally:
        understander.model = saved
    return total
