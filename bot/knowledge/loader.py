"""Reads the knowledge folder into a KnowledgeBase, or reports every problem with file:line."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.checks import cross_check, duplicate_ids
from bot.knowledge.complaint_checks import complaint_problems, handoff_problems
from bot.knowledge.complaint_schema import Calendar, Commune, Deadlines, Official, Routing
from bot.knowledge.handoff_schema import Handoff
from bot.knowledge.messages import describe_error
from bot.knowledge.problems import KnowledgeError, Loc, Located, Problem
from bot.knowledge.reception_schema import Reception, reception_problems
from bot.knowledge.reports_schema import Reports
from bot.knowledge.schema import (
    FaqEntry,
    IntentExamples,
    Intents,
    Office,
    Procedure,
    SynonymEntry,
)


class DuplicateKey(Exception):
    """A key written twice in one mapping (YAML keeps only the last, silently)."""

    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9]+([eE][-+]?[0-9]+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOOLS = {"true": True, "false": False, "True": True, "False": False, "TRUE": True, "FALSE": False}
_NULLS = {"", "~", "null", "Null", "NULL"}


def _scalar(value: str, style: str | None) -> Any:
    """YAML 1.2 core typing of a plain scalar; quoted text stays text ("0277 3898989")."""
    if style not in (None, ""):  # quoted or block text (libyaml reports plain as "")
        return value
    if value in _NULLS:
        return None
    if not (value[0].isdigit() or value[0] in "+-."):
        return _BOOLS.get(value, value)  # text: by far the most common case
    if value in _BOOLS:
        return _BOOLS[value]
    if _INT.match(value):
        return int(value.replace("_", ""))
    if _FLOAT.match(value):
        return float(value.replace("_", ""))
    if _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


class _Frame:
    """A mapping or list being filled while reading events."""

    __slots__ = ("container", "key", "loc")

    def __init__(self, container: dict[Any, Any] | list[Any], loc: Loc) -> None:
        self.container, self.loc, self.key = container, loc, _NO_KEY


_NO_KEY = object()


def _loc_key(key: object) -> str | int:
    """A key as validation errors name it: pydantic reports keys that are not text or
    numbers (a date written as a key) by their text."""
    return key if isinstance(key, str | int) else str(key)


def _from_events(events: Iterator[yaml.Event], lines: dict[Loc, int]) -> Any:
    """Plain Python from libyaml's events, recording the line (1-based) of each key and item.

    Building values straight from events is several times faster than composing nodes:
    2,000 procedures load well within a second.
    """
    root: Any = None
    stack: list[_Frame] = []

    def place(value: Any, line: int) -> Loc:
        nonlocal root
        if not stack:
            root = value
            return ()
        frame = stack[-1]
        if isinstance(frame.container, list):
            loc = (*frame.loc, len(frame.container))
            frame.container.append(value)
            lines[loc] = line
            return loc
        if frame.key is _NO_KEY:  # this scalar is a key
            if not isinstance(value, str | int | float | bool | date) or value is None:
                raise yaml.YAMLError("khóa không hợp lệ")
            if value in frame.container:
                raise DuplicateKey(str(value), line)
            frame.key = value
            lines[(*frame.loc, _loc_key(value))] = line
            return ()
        loc = (*frame.loc, _loc_key(frame.key))
        frame.container[frame.key] = value
        frame.key = _NO_KEY
        return loc

    for event in events:
        if isinstance(event, yaml.ScalarEvent):
            place(_scalar(event.value, event.style), event.start_mark.line + 1)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            container: dict[Any, Any] | list[Any] = (
                {} if isinstance(event, yaml.MappingStartEvent) else []
            )
            loc = place(container, event.start_mark.line + 1)
            stack.append(_Frame(container, loc))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            stack.pop()
        elif isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem="không dùng neo (&) và tham chiếu (*)", problem_mark=event.start_mark
            )
    return root


# libyaml's C parser when PyYAML was built with it (PyPI's wheels are); else the pure one.
_PARSER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _events(text: str) -> Iterator[yaml.Event]:
    """libyaml's events, taken straight from its parser (no generator layer per event)."""
    parser = _PARSER(text)
    try:
        while (event := parser.get_event()) is not None:
            yield event
    finally:
        parser.dispose()


def read_yaml(path: Path, root: Path) -> tuple[Located | None, list[Problem]]:
    """Parse one YAML file; syntax errors (and duplicate keys) become Problems with their line.

    libyaml (PyYAML's C parser) composes the nodes, which carry their line: 2,000 procedures
    load in a fraction of a second.
    """
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None, [Problem(name, 1, "", "tệp không phải UTF-8; hãy lưu lại với mã hóa UTF-8")]
    lines: dict[Loc, int] = {(): 1}
    try:
        data = _from_events(_events(text), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or "lỗi cú pháp"
        return None, [
            Problem(name, line, "", f"lỗi cú pháp YAML: {what} (kiểm tra thụt lề, dấu :)")
        ]
    except DuplicateKey as exc:
        message = f'khóa "{exc.key}" bị lặp lại trong cùng một mục'
        return None, [Problem(name, exc.line, exc.key, message)]
    return Located(name, data, lines), []


def _path_text(loc: Sequence[str | int], label: str | None) -> str:
    """`khai-sinh.fees.items[2].amount`: 1-based item numbers, entry named by its id."""
    parts: list[str] = [label] if label else []
    for part in loc:
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part + 1}]"
            else:
                parts.append(f"[{part + 1}]")
        else:
            parts.append(part)
    return ".".join(parts)


def validate(
    model: type[BaseModel], located: Located, label: str | None
) -> tuple[Any, list[Problem]]:
    """Validate one entry against its model, mapping pydantic's locations back to file lines."""
    try:
        return model.model_validate(located.data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(
                p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
            )
            problems.append(
                Problem(
                    located.file, located.line(loc), _path_text(loc, label), describe_error(err)
                )
            )
        return None, problems


def _list_entries(located: Located) -> Iterator[tuple[Located, str | None]]:
    for i, item in enumerate(located.data):
        label = (
            item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        )
        yield located.entry(i), label or f"[{i + 1}]"


def _load_list(
    located: Located, model: type[BaseModel], problems: list[Problem]
) -> list[tuple[Any, Located]]:
    if not isinstance(located.data, list):
        problems.append(
            Problem(located.file, 1, "", "tệp phải là một danh sách, mỗi mục bắt đầu bằng '- '")
        )
        return []
    out = []
    for entry, label in _list_entries(located):
        value, errs = validate(model, entry, label)
        problems.extend(errs)
        if value is not None:
            out.append((value, entry))
    return out


REQUIRED_FILES = (
    "offices.yaml",
    "synonyms.yaml",
    "intents.yaml",
    "communes.yaml",
    "officials.yaml",
    "routing.yaml",
    "deadlines.yaml",
    "calendar.yaml",
)
# Files holding one mapping (the others hold a list of entries).
SINGLE_FILES: dict[str, type[BaseModel]] = {
    "intents.yaml": Intents,
    "routing.yaml": Routing,
    "deadlines.yaml": Deadlines,
    "calendar.yaml": Calendar,
    "intent_examples.yaml": IntentExamples,
    "handoff.yaml": Handoff,
    "reception.yaml": Reception,
    "reports.yaml": Reports,
}
OPTIONAL_FILES = frozenset(
    {"intent_examples.yaml", "handoff.yaml", "reception.yaml", "reports.yaml"}
)
LIST_FILES: dict[str, type[BaseModel]] = {
    "offices.yaml": Office,
    "synonyms.yaml": SynonymEntry,
    "communes.yaml": Commune,
    "officials.yaml": Official,
    "faq.yaml": FaqEntry,  # optional: a list file may be left out
}


def load_knowledge(root: Path | str) -> KnowledgeBase:
    """Load and check the whole folder; raise KnowledgeError listing every problem at once."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), 1, "", "không tìm thấy thư mục tri thức")])
    digest = hashlib.sha256()
    parsed: dict[str, Located] = {}
    files = sorted(root.glob("*.yaml")) + sorted((root / "procedures").glob("*.yaml"))
    for path in files:
        digest.update(path.read_bytes())
        located, errs = read_yaml(path, root)
        problems.extend(errs)
        if located is not None:
            parsed[located.file] = located
    for name in REQUIRED_FILES:
        if not (root / name).exists():
            problems.append(Problem(name, 1, "", "thiếu tệp bắt buộc"))
    if not any(name.startswith("procedures/") for name in parsed) and not problems:
        problems.append(
            Problem("procedures/", 1, "", "chưa có tệp thủ tục nào (procedures/*.yaml)")
        )

    procedures: list[tuple[Any, Located]] = []
    lists: dict[str, list[tuple[Any, Located]]] = {name: [] for name in LIST_FILES}
    singles: dict[str, tuple[Any, Located]] = {}
    for name, located in parsed.items():
        if located.data is None:
            continue  # an empty file: nothing to load, not an error
        if name.startswith("procedures/"):
            procedures += _load_list(located, Procedure, problems)
        elif name in LIST_FILES:
            lists[name] = _load_list(located, LIST_FILES[name], problems)
        elif name in SINGLE_FILES:
            value, errs = validate(SINGLE_FILES[name], located, None)
            problems.extend(errs)
            if value is not None:
                singles[name] = (value, located)
        else:
            problems.append(
                Problem(name, 1, "", "tệp không rõ dùng để làm gì; hãy đổi tên hoặc xóa")
            )

    problems += cross_check(procedures, lists["offices.yaml"], lists["synonyms.yaml"])
    problems += complaint_problems(
        lists["communes.yaml"], lists["officials.yaml"], singles.get("routing.yaml")
    )
    problems += handoff_problems(singles.get("handoff.yaml"), lists["officials.yaml"])
    problems += reception_problems(
        singles.get("reception.yaml"),
        {p.id for p, _ in procedures},
        {c.id for c, _ in lists["communes.yaml"]},
    )
    problems += duplicate_ids(lists["faq.yaml"], "câu hỏi thường gặp")
    missing = [n for n in SINGLE_FILES if n not in singles and n not in OPTIONAL_FILES]
    if problems or missing:
        raise KnowledgeError(problems or [Problem(n, 1, "", "tệp trống") for n in missing])
    return KnowledgeBase(
        procedures=tuple(p for p, _ in procedures),
        offices={o.id: o for o, _ in lists["offices.yaml"]},
        synonyms=tuple(s for s, _ in lists["synonyms.yaml"]),
        intents=singles["intents.yaml"][0],
        communes={c.id: c for c, _ in lists["communes.yaml"]},
        officials={o.id: o for o, _ in lists["officials.yaml"]},
        routing=singles["routing.yaml"][0],
        deadlines=singles["deadlines.yaml"][0],
        calendar=singles["calendar.yaml"][0],
        intent_examples=singles.get("intent_examples.yaml", (None, None))[0],
        handoff=singles.get("handoff.yaml", (None, None))[0],
        reception=singles.get("reception.yaml", (None, None))[0],
        reports=singles.get("reports.yaml", (None, None))[0],
        faq=tuple(f for f, _ in lists["faq.yaml"]),
        version=digest.hexdigest()[:12],
    )


def problems_of(root: Path | str) -> list[Problem]:
    """Every problem in the folder (empty when it is valid): what `python -m bot check` prints."""
    try:
        load_knowledge(root)
    except KnowledgeError as exc:
        return list(exc.problems)
    return []


__all__ = ["KnowledgeError", "Problem", "load_knowledge", "problems_of"]
