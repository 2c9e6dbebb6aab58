"""Checks across entries and files: unique ids, aliases owned by one procedure, known office ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.knowledge.problems import Located, Problem
from bot.knowledge.schema import Office, Procedure, SynonymEntry
from bot.text_vi import fold, words


def _key(text: str) -> str:
    return " ".join(fold(w) for w in words(text))


class HasId(Protocol):
    id: str


def duplicate_ids(entries: Sequence[tuple[HasId, Located]], what: str) -> list[Problem]:
    """An id used twice is reported where it is reused, pointing at its first use."""
    seen: dict[str, Located] = {}
    problems = []
    for item, located in entries:
        first = seen.setdefault(item.id, located)
        if first is not located:
            problems.append(
                Problem(
                    located.file,
                    located.line(["id"]),
                    f"{item.id}.id",
                    f"mã {what} bị trùng: đã dùng ở {first.file}:{first.line(['id'])}",
                )
            )
    return problems


def _shared_aliases(procedures: Sequence[tuple[Procedure, Located]]) -> list[Problem]:
    owner: dict[str, tuple[str, Located, int]] = {}
    problems = []
    for proc, located in procedures:
        names = [("name", -1, proc.name)] + [("aliases", i, a) for i, a in enumerate(proc.aliases)]
        mine: set[str] = set()
        for field, index, text in names:
            key = _key(text)
            loc: list[str | int] = [field] if index < 0 else [field, index]
            path = f"{proc.id}.{field}" + ("" if index < 0 else f"[{index + 1}]")
            if key in mine:
                problems.append(
                    Problem(
                        located.file,
                        located.line(loc),
                        path,
                        f'"{text}" bị lặp lại trong cùng thủ tục',
                    )
                )
                continue
            mine.add(key)
            other = owner.get(key)
            if other is None:
                owner[key] = (proc.id, located, located.line(loc))
            elif other[0] != proc.id:
                problems.append(
                    Problem(
                        located.file,
                        located.line(loc),
                        path,
                        f'tên gọi "{text}" đã thuộc thủ tục {other[0]} '
                        f"({other[1].file}:{other[2]}); mỗi tên gọi chỉ được thuộc một thủ tục",
                    )
                )
    return problems


def _unknown_offices(
    procedures: Sequence[tuple[Procedure, Located]], office_ids: set[str]
) -> list[Problem]:
    problems = []
    for proc, located in procedures:
        for i, office in enumerate(proc.where.offices):
            if office not in office_ids:
                problems.append(
                    Problem(
                        located.file,
                        located.line(["where", "offices", i]),
                        f"{proc.id}.where.offices[{i + 1}]",
                        f'không có nơi tiếp nhận mã "{office}" trong offices.yaml',
                    )
                )
    return problems


def _conflicting_synonyms(synonyms: Sequence[tuple[SynonymEntry, Located]]) -> list[Problem]:
    meaning: dict[str, tuple[str, Located]] = {}
    problems = []
    for entry, located in synonyms:
        for i, typed in enumerate(entry.words):
            key = " ".join(words(typed))
            first = meaning.setdefault(key, (entry.means, located))
            if first[0] != entry.means and first[1] is not located:
                problems.append(
                    Problem(
                        located.file,
                        located.line(["words", i]),
                        f"{entry.means}.words[{i + 1}]",
                        f'"{typed}" đã có nghĩa "{first[0]}" ở dòng {first[1].line(["means"])}; '
                        "một từ chỉ được có một nghĩa",
                    )
                )
    return problems


def cross_check(
    procedures: Sequence[tuple[Procedure, Located]],
    offices: Sequence[tuple[Office, Located]],
    synonyms: Sequence[tuple[SynonymEntry, Located]],
) -> list[Problem]:
    """All problems that only show when entries are compared with each other."""
    return (
        duplicate_ids(procedures, "thủ tục")
        + duplicate_ids(offices, "nơi tiếp nhận")
        + _shared_aliases(procedures)
        + _unknown_offices(procedures, {o.id for o, _ in offices})
        + _conflicting_synonyms(synonyms)
    )
