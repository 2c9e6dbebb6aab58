"""The statements every citizen message makes on SQLite, run straight on the sqlite3 connection.

On SQLite (one instance, an in-process library) SQLAlchemy's Core layer costs several times the
statement itself: an execution context, result metadata and row objects for every call
(bench/bench_store.py: the chat's claims and the question log took 330–390 µs of CPU through
Core). Each statement here is still written and compiled by SQLAlchemy, once, for the SQLite
dialect, and its values pass through the bind processors of its columns' own types, so a row is
stored exactly as the ORM stores it and reads it back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = sqlite.pysqlite.dialect()


class DirectStatement:
    """One statement compiled for SQLite, with its parameters in order and their converters."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
        self.sql = str(compiled)
        names = compiled.positiontup or []
        # Values SQLAlchemy bound itself (the literals "waiting", "claimed"); every other
        # parameter must be given: a missing one raises KeyError rather than storing NULL.
        self._defaults = {
            name: value
            for name, value in compiled.params.items()
            if not compiled.binds[name].required
        }
        # The type as adapted to SQLite (what SQLAlchemy itself runs): a date and time is
        # stored as SQLAlchemy's text for it, not as sqlite3's default adapter would write it.
        processors: dict[str, Callable[[Any], Any] | None] = {
            name: compiled.binds[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
            for name in set(names)
        }
        self._order = [(name, processors[name]) for name in names]

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, process in self._order:
            value = values[name] if name in values else self._defaults[name]
            out.append(value if process is None else process(value))
        return tuple(out)

    def first(self, conn: sqlite3.Connection, values: Mapping[str, Any]) -> Any:
        """The statement's first row (a tuple), or None."""
        return conn.execute(self.sql, self.parameters(values)).fetchone()

    def run(self, conn: sqlite3.Connection, values: Mapping[str, Any]) -> None:
        conn.execute(self.sql, self.parameters(values))
