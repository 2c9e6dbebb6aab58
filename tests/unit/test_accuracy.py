"""Regression floors on the development sets: a change that makes the matcher worse fails here.

The floors sit a little under what the matcher reaches (see bench/accuracy.py); the held-out
sets are measured by the bench only, never asserted, so nobody tunes against them.
"""

from pathlib import Path

import pytest

from bot.evaluation import evaluate, read_jsonl
from bot.knowledge.loader import load_knowledge
from bot.understanding import Understander

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander(load_knowledge(Path(__file__).resolve().parents[2] / "knowledge"))


def test_development_questions(understander: Understander):
    s = evaluate(understander, read_jsonl(DATA / "questions_dev.jsonl"))
    assert s.procedure_questions >= 240 and s.messages >= 350
    assert s.top1 >= 0.97, "\n".join(s.misses)
    assert s.intent_non_procedure >= 0.93, "\n".join(s.misses)
    assert s.aspect >= 0.90


def test_every_style_is_understood(understander: Understander):
    s = evaluate(understander, read_jsonl(DATA / "questions_dev.jsonl"))
    for style, counts in s.by_style.items():
        assert counts["ok"] / counts["n"] >= 0.9, style


def test_complaints_greetings_and_off_topic(understander: Understander):
    s = evaluate(understander, read_jsonl(DATA / "intents_dev2.jsonl"))
    assert s.messages == 300
    assert s.intent >= 0.92, "\n".join(s.misses)
