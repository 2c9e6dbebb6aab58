"""`python -m bot gaps`: what citizens asked that the bot could not answer, grouped, as text or
CSV, with a progress bar on stderr for large logs."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from bot.gaps import SIMILARITY, GapFinder, GapGroup
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.settings import Settings
from bot.workdays import VN_TZ

CSV_COLUMNS = (
    "rank",
    "count",
    "handed_off",
    "staff_answer",
    "procedure_id",
    "procedure_title",
    "score",
    "suggested_alias",
    "alias_already_in",
    "example",
    "questions",
    "first_seen",
    "last_seen",
)


def add_parser(sub: Any) -> None:
    """Register the `gaps` command on the CLI's subparsers."""
    gaps = sub.add_parser("gaps", help="những câu hỏi bot chưa trả lời được, gom nhóm")
    gaps.add_argument("--since", type=_day, help="chỉ xét từ ngày này (YYYY-MM-DD, giờ Việt Nam)")
    gaps.add_argument("--csv", type=Path, metavar="FILE", help="ghi kết quả ra tệp CSV")
    gaps.add_argument("--format", choices=("text", "csv"), default="text", help="định dạng in ra")
    gaps.add_argument("--limit", type=int, default=0, help="chỉ in N nhóm đầu (0: tất cả)")
    gaps.add_argument(
        "--similarity", type=int, default=SIMILARITY, help="độ giống (0-100) để gom hai câu"
    )
    gaps.add_argument("--quiet", action="store_true", help="không hiện thanh tiến trình")
    gaps.add_argument("--knowledge", type=Path, help="thư mục tri thức (mặc định KNOWLEDGE_DIR)")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày {value!r} phải viết dạng YYYY-MM-DD") from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Read the log, group it and print the groups; exit 1 on invalid knowledge."""
    from bot.storage.db import make_engine, migrate
    from bot.storage.gap_repo import GapLog
    from bot.understanding import Understander

    try:
        kb = load_knowledge(args.knowledge or settings.knowledge_dir)
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    migrate(engine)
    since = datetime.combine(args.since, time(), tzinfo=VN_TZ) if args.since else None
    questions = asyncio.run(GapLog(engine).gap_questions(since))
    engine.dispose()

    def progress(items: Iterable[Any], **kw: Any) -> Iterable[Any]:
        return tqdm(items, file=sys.stderr, disable=args.quiet, leave=False, **kw)

    finder = GapFinder(kb, Understander(kb), similarity=args.similarity)
    groups = finder.find(questions, progress=progress)
    if args.limit > 0:
        groups = groups[: args.limit]
    if args.csv is not None:
        with args.csv.open("w", encoding="utf-8", newline="") as out:
            write_csv(groups, out)
        print(f"Đã ghi {len(groups)} nhóm vào {args.csv}.", file=sys.stderr)
    elif args.format == "csv":
        write_csv(groups, sys.stdout)
    else:
        print_text(groups, len(questions))
    return 0


def write_csv(groups: list[GapGroup], out: IO[str]) -> None:
    """One row per group, best first (columns in CSV_COLUMNS)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for rank, g in enumerate(groups, 1):
        writer.writerow(
            [
                rank,
                g.count,
                g.handed_off,
                g.staff_answers[0] if g.staff_answers else "",
                g.procedure_id or "",
                g.procedure_title or "",
                "" if g.score is None else g.score,
                g.alias,
                g.alias_of or "",
                g.examples[0],
                " | ".join(g.examples),
                g.first_seen.astimezone(VN_TZ).date().isoformat(),
                g.last_seen.astimezone(VN_TZ).date().isoformat(),
            ]
        )


def print_text(groups: list[GapGroup], total: int) -> None:
    """The groups for a maintainer reading the terminal."""
    if not groups:
        print("Không có câu hỏi nào bot chưa trả lời được trong khoảng thời gian này.")
        return
    print(f"{total} câu hỏi chưa được trả lời tốt, {len(groups)} nhóm:\n")
    for rank, g in enumerate(groups, 1):
        more = f" (+{len(g.examples) - 1} cách hỏi khác)" if len(g.examples) > 1 else ""
        print(f"{rank}. {g.count} lần — «{g.examples[0]}»{more}")
        for other in g.examples[1:3]:
            print(f"     «{other}»")
        if g.staff_answers:
            print(f"   Cán bộ đã trả lời ({g.handed_off} lần chuyển): «{g.staff_answers[0]}»")
        if g.procedure_id:
            print(f"   Có lẽ thuộc: {g.procedure_title} ({g.procedure_id}, {g.score:.0f} điểm)")
        else:
            print("   Chưa thủ tục nào gần: có thể cần thêm thủ tục mới")
        if g.alias and g.alias_of:
            print(f"   Tên gọi «{g.alias}» đã có trong thủ tục {g.alias_of}")
        elif g.alias and g.procedure_id:
            print(f"   Gợi ý thêm vào aliases của {g.procedure_id}: - {g.alias}")
        elif g.alias:
            print(f"   Gợi ý tên gọi: {g.alias}")
        print()
