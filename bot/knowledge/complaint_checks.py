"""Cross-checks of the complaint files: chains of officials, routes, communes, categories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.knowledge.checks import duplicate_ids
from bot.knowledge.complaint_schema import COMPLAINT_TYPES, Commune, Official, Routing
from bot.knowledge.problems import Located, Problem


def _chains(officials: Sequence[tuple[Official, Located]]) -> list[Problem]:
    by_id = {o.id: (o, loc) for o, loc in officials}
    problems = []
    telegram: dict[int, str] = {}
    for official, located in officials:
        if official.supervisor is not None and official.supervisor not in by_id:
            problems.append(
                Problem(
                    located.file,
                    located.line(["supervisor"]),
                    f"{official.id}.supervisor",
                    f'không có cán bộ mã "{official.supervisor}" trong officials.yaml',
                )
            )
        seen = [official.id]
        current = official.supervisor
        while current in by_id:
            if current in seen:
                chain = " → ".join([*seen, current])
                problems.append(
                    Problem(
                        located.file,
                        located.line(["supervisor"]),
                        f"{official.id}.supervisor",
                        f"cấp trên vòng tròn: {chain}; phải có người đứng đầu không có cấp trên",
                    )
                )
                break
            seen.append(current)
            current = by_id[current][0].supervisor
        if official.telegram_id is not None:
            other = telegram.setdefault(official.telegram_id, official.id)
            if other != official.id:
                problems.append(
                    Problem(
                        located.file,
                        located.line(["telegram_id"]),
                        f"{official.id}.telegram_id",
                        f"mã Telegram này đã thuộc cán bộ {other}",
                    )
                )
    return problems


def _routes(
    routing: Routing, located: Located, officials: set[str], communes: set[str]
) -> list[Problem]:
    problems = []
    categories = {c.id for c in routing.categories}

    def bad(loc: list[str | int], path: str, message: str) -> None:
        problems.append(Problem(located.file, located.line(loc), path, message))

    if routing.default_official not in officials:
        bad(["default_official"], "default_official", "không có cán bộ này trong officials.yaml")
    for i, rule in enumerate(routing.rules):
        path = f"rules[{i + 1}]"
        if rule.category not in categories:
            bad(
                ["rules", i, "category"],
                f"{path}.category",
                f'chưa khai báo loại việc "{rule.category}"',
            )
        if rule.official not in officials:
            bad(["rules", i, "official"], f"{path}.official", f'không có cán bộ "{rule.official}"')
        if rule.commune is not None and rule.commune not in communes:
            bad(["rules", i, "commune"], f"{path}.commune", f'không có xã, phường "{rule.commune}"')
    for kind in COMPLAINT_TYPES:
        if not any(kind in c.types for c in routing.categories):
            bad(["categories"], "categories", f'chưa có loại việc nào cho loại đơn "{kind}"')
    covered = {r.category for r in routing.rules if r.commune is None}
    for i, category in enumerate(routing.categories):
        if category.id not in covered:
            bad(
                ["categories", i, "id"],
                f"categories[{i + 1}]",
                f'loại việc "{category.id}" chưa có quy tắc chung (không ghi commune) '
                "nên có nơi sẽ không ai nhận",
            )
    return problems


def complaint_problems(
    communes: Sequence[tuple[Commune, Located]],
    officials: Sequence[tuple[Official, Located]],
    routing: tuple[Routing, Located] | None,
) -> list[Problem]:
    """Every problem that shows only when the complaint files are read together."""
    problems = duplicate_ids(communes, "xã, phường") + duplicate_ids(officials, "cán bộ")
    problems += _chains(officials)
    commune_ids = {c.id for c, _ in communes}
    official_ids = {o.id for o, _ in officials}
    if routing is not None:
        problems += _routes(routing[0], routing[1], official_ids, commune_ids)
    return problems


def handoff_problems(
    handoff: tuple[Any, Located] | None, officials: Sequence[tuple[Official, Located]]
) -> list[Problem]:
    """Staff who answer handed-off questions must be officials of officials.yaml."""
    if handoff is None:
        return []
    config, located = handoff
    known = {o.id for o, _ in officials}
    return [
        Problem(
            located.file,
            located.line(["staff", i]),
            f"staff[{i + 1}]",
            f'không có cán bộ mã "{staff}" trong officials.yaml',
        )
        for i, staff in enumerate(config.staff)
        if staff not in known
    ]
