"""Strict model of the reception schedule: who receives citizens, when and where (Luật Tiếp
công dân 2013), and its cross-checks against the procedures and communes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from bot.knowledge.handoff_schema import ClockTime, parse_hhmm
from bot.knowledge.problems import Located, Problem
from bot.knowledge.schema import Id, ShortText, Sourced, Strict, Text


class Stop(Strict):
    """One place of a rotating session (a hamlet of a commune)."""

    commune: Id  # id in communes.yaml
    place: ShortText


class Session(Sourced):
    """A recurring reception: e.g. the commune chairman every Thursday morning at the office.

    `every: month` takes the `week`-th such weekday of the month (-1: the last). A session
    falling on a day off (holiday, swapped day) is not held; the next one is shown.
    """

    id: Id
    who: ShortText  # a title, never a person's name: "Chủ tịch UBND xã, phường"
    level: Literal["xã", "tỉnh"]  # xã: held in each commune; tỉnh: one for the whole province
    communes: list[Id] = Field(default_factory=list)  # level xã: only these (empty: all)
    every: Literal["week", "month"]
    weekday: Literal["mon", "tue", "wed", "thu", "fri"]  # a working day
    week: int | None = Field(default=None, ge=-1, le=4)
    start: ClockTime
    end: ClockTime
    place: ShortText  # "{commune}" is replaced by the commune's name
    rotation: list[Stop] = Field(default_factory=list)  # places in turn, one per session
    rotation_start: date | None = None  # the date of the session held at the first stop

    @model_validator(mode="after")
    def _consistent(self) -> Session:
        if parse_hhmm(self.start) >= parse_hhmm(self.end):
            raise ValueError(f"giờ bắt đầu ({self.start}) phải sớm hơn giờ kết thúc ({self.end})")
        if self.every == "month" and self.week in (None, 0):
            raise ValueError("lịch hằng tháng cần `week`: 1, 2, 3, 4 hoặc -1 (tuần cuối tháng)")
        if self.every == "week" and self.week is not None:
            raise ValueError("lịch hằng tuần không dùng `week`; bỏ khóa này")
        if bool(self.rotation) != (self.rotation_start is not None):
            raise ValueError("`rotation` và `rotation_start` phải đi cùng nhau")
        if self.communes and self.level != "xã":
            raise ValueError("`communes` chỉ dùng cho lịch cấp xã")
        return self


class Reception(Sourced):
    """The reception schedule, and which procedure's questions it answers."""

    procedure: Id  # questions matched to this procedure (tiep-cong-dan) get the schedule
    law: Text  # what the law requires, in one or two sentences for citizens
    sessions: list[Session] = Field(min_length=1)

    @field_validator("sessions")
    @classmethod
    def _unique_ids(cls, v: list[Session]) -> list[Session]:
        ids = [s.id for s in v]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"mã lịch bị ghi lặp: {', '.join(repeated)}")
        return v


def reception_problems(
    reception: tuple[Any, Located] | None, procedures: Collection[str], communes: Collection[str]
) -> list[Problem]:
    """The procedure and every commune the schedule names must exist."""
    if reception is None:
        return []
    config, located = reception
    problems = []
    if config.procedure not in procedures:
        problems.append(
            Problem(
                located.file,
                located.line(["procedure"]),
                "procedure",
                f'không có thủ tục mã "{config.procedure}" trong procedures/',
            )
        )
    for i, session in enumerate(config.sessions):
        named: list[tuple[list[str | int], str]] = [
            (["communes", j], c) for j, c in enumerate(session.communes)
        ]
        named += [(["rotation", j, "commune"], s.commune) for j, s in enumerate(session.rotation)]
        for loc, commune in named:
            if commune in communes:
                continue
            path = ".".join(
                f"{p}[{q + 1}]" if isinstance(q, int) else str(p) for p, q in _pairs(loc)
            )
            problems.append(
                Problem(
                    located.file,
                    located.line(["sessions", i, *loc]),
                    f"sessions[{i + 1}].{path}",
                    f'không có xã, phường mã "{commune}" trong communes.yaml',
                )
            )
    return problems


def _pairs(loc: list[Any]) -> list[tuple[Any, Any]]:
    """["rotation", 2, "commune"] → [("rotation", 2), ("commune", None)] for the path text."""
    out: list[tuple[Any, Any]] = []
    for part in loc:
        if isinstance(part, int) and out:
            out[-1] = (out[-1][0], part)
        else:
            out.append((part, None))
    return out
