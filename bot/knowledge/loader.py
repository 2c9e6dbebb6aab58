"""Reads the knowledge folder into a KnowledgeBase, or reports every problem with file:line."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.checks import cross_check
from bot.knowledge.complaint_checks import complaint_problems
from bot.knowledge.complaint_schema import Calendar, Commune, Deadlines, Official, Routing
from bot.knowledge.messages import describe_error
from bot.knowledge.problems import KnowledgeError, Loc, Located, Problem
from bot.knowledge.schema import IntentExamples, Intents, Office, Procedure, SynonymEntry


def _plain(node: Any, loc: Loc, lines: dict[Loc, int]) -> Any:
    """Turn ruamel's nodes into plain Python, recording each key's and item's line (1-based)."""
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            key_line = node.lc.key(key)[0] + 1
            lines[(*loc, key)] = key_line
            out[key] = _plain(value, (*loc, key), lines)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, value in enumerate(node):
            lines[(*loc, i)] = node.lc.item(i)[0] + 1
            items.append(_plain(value, (*loc, i), lines))
        return items
    if isinstance(node, str):
        return str(node)
    return node


def read_yaml(path: Path, root: Path) -> tuple[Located | None, list[Problem]]:
    """Parse one YAML file; syntax errors (and duplicate keys) become Problems with their line."""
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    yaml = YAML(typ="rt")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return None, [Problem(name, 1, "", "tệp không phải UTF-8; hãy lưu lại với mã hóa UTF-8")]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or "lỗi cú pháp"
        if "duplicate key" in str(exc):
            what = "khóa bị lặp lại trong cùng một mục"
        return None, [
            Problem(name, line, "", f"lỗi cú pháp YAML: {what} (kiểm tra thụt lề, dấu :)")
        ]
    lines: dict[Loc, int] = {(): 1}
    return Located(name, _plain(raw, (), lines), lines), []


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
}
OPTIONAL_FILES = frozenset({"intent_examples.yaml"})
LIST_FILES: dict[str, type[BaseModel]] = {
    "offices.yaml": Office,
    "synonyms.yaml": SynonymEntry,
    "communes.yaml": Commune,
    "officials.yaml": Official,
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
