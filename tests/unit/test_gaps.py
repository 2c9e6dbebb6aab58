"""Grouping knowledge gaps on the shipped knowledge: similar wordings together, unrelated
subjects apart, asking words out of the suggested alias."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.gaps import GapFinder, LoggedQuestion
from bot.knowledge.loader import load_knowledge
from bot.understanding import Understander
from tests.conftest import KNOWLEDGE

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def finder() -> GapFinder:
    kb = load_knowledge(KNOWLEDGE)
    return GapFinder(kb, Understander(kb))


def asked(*texts: str) -> list[LoggedQuestion]:
    return [LoggedQuestion(t, T0 + timedelta(minutes=i)) for i, t in enumerate(texts)]


def test_same_subject_is_one_group_and_paperwork_words_do_not_join_subjects(finder: GapFinder):
    groups = finder.find(
        asked(
            "nuôi chim yến cần giấy phép gì không ạ",
            "xin phep nuoi chim yen o dau",
            "cho hỏi quy định nuôi chim yến trong khu dân cư ra sao",
            "mở quán karaoke cần giấy phép gì",
            "karaoke xin phép ở đâu",
            "cho em hỏi",  # nothing but asking: no subject to learn from
        )
    )
    assert [g.count for g in groups] == [3, 2]
    yen, karaoke = groups
    assert all("yến" in t or "yen" in t for t in yen.examples)
    assert all("karaoke" in t for t in karaoke.examples)
    assert yen.alias == "nuôi chim yến"  # written with diacritics, asking words left out
    assert karaoke.alias == "karaoke"


def test_the_suggestion_is_the_matchers_candidate_and_a_known_alias_is_said_so(
    finder: GapFinder,
):
    [group] = finder.find(asked("xin giấy độc thân ở đâu", "giấy độc thân xin ở đâu dzậy"))
    assert group.procedure_id == "xac-nhan-hon-nhan" and group.score is not None
    assert group.alias == "giấy độc thân"
    assert group.alias_of == "xac-nhan-hon-nhan"  # already one of that procedure's names


def test_staff_answered_groups_come_first_newest_answer_first(finder: GapFinder):
    many = asked("karaoke xin phép ở đâu", "mở karaoke cần giấy phép gì", "karaoke giấy phép")
    answered = [
        LoggedQuestion("nuôi chim yến xin phép ở đâu", T0, True, ("Cũ.",)),
        LoggedQuestion("nuôi chim yến cần gì", T0 + timedelta(hours=1), True, ("Mới.",)),
    ]
    groups = finder.find([*many, *answered])
    assert groups[0].staff_answers == ["Mới.", "Cũ."] and groups[0].handed_off == 2
    assert groups[1].count == 3
