"""Answers built from the knowledge alone, without Telegram."""

import dataclasses
from pathlib import Path

from bot.cards import hotline, offices_text
from bot.knowledge.loader import load_knowledge

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def test_without_any_opening_hours_the_offices_answer_gives_the_hotline_only():
    kb = load_knowledge(KNOWLEDGE)
    without_hours = {k: o.model_copy(update={"hours": None}) for k, o in kb.offices.items()}
    text = offices_text(dataclasses.replace(kb, offices=without_hours))
    assert hotline(kb) in text and "chưa có giờ làm việc" in text
    assert not any(o.name in text for o in kb.offices.values())  # no office listed without hours
