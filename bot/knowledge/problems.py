"""Problems found in knowledge files, and entries that remember the line of each key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a knowledge file, in words an editor can act on."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder is invalid; `problems` lists everything found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Located:
    """A parsed entry with the line of every key, so errors can point into the file."""

    file: str
    data: Any
    lines: dict[Loc, int]
    base: Loc = ()

    def line(self, loc: Sequence[str | int]) -> int:
        """Line of the deepest known node on `loc` (a missing key points at its parent)."""
        loc = tuple(loc)
        while loc:
            if self.base + loc in self.lines:
                return self.lines[self.base + loc]
            loc = loc[:-1]
        return self.lines.get(self.base, 1)

    def entry(self, index: int) -> Located:
        """The located view of one item of a top-level list."""
        return Located(self.file, self.data[index], self.lines, self.base + (index,))
