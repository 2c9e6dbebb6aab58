"""`python -m bot stats` and `python -m bot export`: statistics and case exports in a terminal."""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import sys
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.settings import Settings
from bot.statistics import as_dict, start_of_day
from bot.stats_format import summary_text

if TYPE_CHECKING:
    from bot.reports import ReportService

PAGE = 500  # cases read per query during an export


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The `stats` and `export` subcommands of the CLI."""
    stats = sub.add_parser("stats", help="thống kê phản ánh, khiếu nại, tố cáo")
    stats.add_argument("--since", type=_day, help="chỉ hồ sơ nhận từ ngày này (YYYY-MM-DD)")
    stats.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    export = sub.add_parser("export", help="xuất hồ sơ kèm lịch sử ra CSV hoặc Excel")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--out", type=Path, help="tệp kết quả (CSV: mặc định in ra màn hình)")
    export.add_argument(
        "--include-personal-data",
        action="store_true",
        help="kèm họ tên, số điện thoại, mã Telegram, vị trí của người dân và người bị tố cáo",
    )
    export.add_argument("--since", type=_day, help="chỉ hồ sơ nhận từ ngày này (YYYY-MM-DD)")


def _day(text: str) -> datetime:
    """A day typed as YYYY-MM-DD: its midnight in Vietnam."""
    try:
        return start_of_day(date.fromisoformat(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày {text!r} không hợp lệ, viết YYYY-MM-DD") from None


def _service(settings: Settings) -> ReportService:
    # Imported here: the database, chart and spreadsheet libraries take seconds to import,
    # which `ask` and `check` need not pay.
    from bot.ports import SystemClock
    from bot.reports import ReportService
    from bot.storage.db import make_engine, migrate
    from bot.storage.stats_repo import StatsStore

    engine = make_engine(settings.database_url)
    migrate(engine)  # a database from an older release is brought up to date first
    return ReportService(load_knowledge(settings.knowledge_dir), StatsStore(engine), SystemClock())


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run `stats` or `export`; exit 1 on invalid knowledge, 2 on a bad request."""
    try:
        service = _service(settings)
    except KnowledgeError as exc:
        print("Tệp tri thức có lỗi:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1
    if args.command == "stats":
        return asyncio.run(stats(service, args))
    return asyncio.run(export(service, args))


async def stats(service: ReportService, args: argparse.Namespace) -> int:
    summary = await service.summary(args.since)
    if args.json:
        print(json.dumps(as_dict(summary, service.names()), ensure_ascii=False, indent=2))
        return 0
    text = summary_text(summary, service.names())
    print(html.unescape(re.sub(r"</?[a-z]+>", "", text)))  # Telegram's HTML, as plain text
    return 0


async def export(service: ReportService, args: argparse.Namespace) -> int:
    """Write every case received since `--since` with its history; progress on stderr."""
    from tqdm import tqdm

    from bot.export import CsvWriter, XlsxWriter, case_row

    if args.format == "xlsx" and args.out is None:
        print("Xuất Excel cần --out TỆP.xlsx", file=sys.stderr)
        return 2
    include = args.include_personal_data
    total = await service.store.count_cases(args.since)
    now, names, known = service.clock.now(), service.names(), service.kb.officials
    with ExitStack() as stack:
        writer: CsvWriter | XlsxWriter
        if args.format == "xlsx":
            writer = XlsxWriter(str(args.out), include)
        elif args.out is not None:
            # A byte-order mark lets Excel open the CSV with its Vietnamese letters intact.
            out = stack.enter_context(args.out.open("w", encoding="utf-8-sig", newline=""))
            writer = CsvWriter(out, include)
        else:
            writer = CsvWriter(sys.stdout, include)
        bar = stack.enter_context(
            tqdm(total=total, unit=" hồ sơ", desc="Xuất", file=sys.stderr, mininterval=0.5)
        )
        after, written = 0, 0
        while page := await service.store.cases_page(known, args.since, after, PAGE):
            for item in page:
                writer.add(case_row(item, now, names, service.office_of, include), item)
            after = page[-1].case.id or after
            written += len(page)
            bar.update(len(page))
        writer.close()
    where = args.out or "stdout"
    personal = " (kèm dữ liệu cá nhân)" if include else ""
    print(f"Đã xuất {written} hồ sơ{personal} vào {where}.", file=sys.stderr)
    return 0
