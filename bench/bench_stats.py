"""Statistics and export over many cases: query, summary, chart and CSV export times.

    python bench/bench_stats.py [--cases 100000] [--database-url URL]

Builds a database of generated cases (an SQLite file in a temporary folder unless a URL is
given; a PostgreSQL URL should point at an empty schema), each with its audit trail, then times
what /thongke, the weekly report and `python -m bot export` do on it.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.export import CsvWriter, case_row
from bot.knowledge.loader import load_knowledge
from bot.reports import ReportService
from bot.statistics import summarize, week_start, weekly_trend
from bot.stats_chart import render_chart
from bot.stats_format import summary_text
from bot.storage.complaint_models import CaseEvent, Complaint
from bot.storage.db import make_engine, migrate
from bot.storage.stats_repo import StatsStore
from bot.workdays import local_date

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def generate(engine, n: int, officials: list[str], categories: list[str], communes: list[str]):
    """n cases over the last year, with 2–4 audit events each; a fixed seed."""
    rng = random.Random(6)
    cases, events = [], []
    for i in range(1, n + 1):
        received = NOW - timedelta(days=rng.uniform(0, 365))
        status = rng.choices(["resolved", "acknowledged", "received"], [0.7, 0.2, 0.1])[0]
        ack = received + timedelta(hours=rng.uniform(1, 60)) if status != "received" else None
        resolved = ack + timedelta(days=rng.uniform(1, 20)) if status == "resolved" else None
        if resolved is not None and resolved > NOW:
            resolved = NOW
        official = rng.choice(officials)
        cases.append(
            {
                "id": i,
                "code": f"PA-{i:010d}",
                "type": rng.choice(["phan-anh", "khieu-nai", "to-cao"]),
                "category": rng.choice(categories),
                "commune_id": rng.choice(communes),
                "description": "Đường trước nhà số 12 ấp 3 bị ổ gà lớn, xe máy té liên tục.",
                "photos": [],
                "citizen_chat_id": 7_000_000_000 + i,
                "anonymous": True,
                "assigned_official_id": official,
                "status": status,
                "received_at": received,
                "acknowledged_at": ack,
                "resolved_at": resolved,
                "ack_due": received + timedelta(days=2),
                "resolve_due": received + timedelta(days=14),
                "rating": rng.choice([None, 3, 4, 5]) if resolved else None,
            }
        )
        trail = [("filed", f"giao {official} (rule)", received)]
        if ack:
            trail.append(("acknowledged", None, ack))
        if resolved:
            trail.append(("resolved", "Đã xử lý xong.", resolved))
        if rng.random() < 0.1:
            trail.append(("escalated", f"{official} → ct-ubnd-tinh", received + timedelta(days=3)))
        for action, detail, at in trail:
            events.append(
                {"complaint_id": i, "at": at, "actor": "system", "action": action, "detail": detail}
            )
    with engine.begin() as conn:
        conn.execute(Complaint.__table__.insert(), cases)
        conn.execute(CaseEvent.__table__.insert(), events)
    return len(events)


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<44} {time.perf_counter() - start:8.2f} s")
    return result


async def export_csv(service: ReportService, out: io.StringIO) -> int:
    """What `python -m bot export` does, without the progress bar."""
    writer = CsvWriter(out, include_personal=False)
    after, written, now, names = 0, 0, service.clock.now(), service.names()
    while page := await service.store.cases_page(service.kb.officials, None, after, 500):
        for item in page:
            writer.add(case_row(item, now, names, service.office_of, False), item)
        after = page[-1].case.id or after
        written += len(page)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    kb = load_knowledge(ROOT / "knowledge")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        engine = make_engine(url)
        migrate(engine)
        n_events = timed(
            f"generate {args.cases:,} cases",
            lambda: generate(
                engine,
                args.cases,
                list(kb.officials),
                [c.id for c in kb.routing.categories],
                list(kb.communes),
            ),
        )
        print(f"({n_events:,} audit events, {make_engine(url).dialect.name})")
        service = ReportService(kb, StatsStore(engine), FixedClock())
        facts = timed("query: case facts (all cases)", lambda: asyncio.run(service.facts()))
        since = NOW - timedelta(days=30)
        summary = timed(
            "summarize (all cases)", lambda: summarize(facts, NOW, service.office_of, None)
        )
        timed("summarize (last 30 days)", lambda: summarize(facts, NOW, service.office_of, since))
        trend = timed(
            "weekly trend (8 weeks)", lambda: weekly_trend(facts, week_start(local_date(NOW)))
        )
        timed("summary text", lambda: summary_text(summary, service.names()))
        png = timed("chart PNG", lambda: render_chart(summary, trend, "bench"))
        timed(
            "/thongke end to end (query + summary + text)",
            lambda: asyncio.run(service.summary_text(30)),
        )
        timed("📈 chart end to end (query + summary + PNG)", lambda: asyncio.run(service.chart(30)))
        week = week_start(local_date(NOW)) - timedelta(weeks=1)
        timed(
            "weekly report: cases that moved in 8 weeks",
            lambda: asyncio.run(service.facts(active_since=service._window(week))),
        )
        out = io.StringIO()
        written = timed(
            "export CSV (all cases, with history)", lambda: asyncio.run(export_csv(service, out))
        )
        size = len(out.getvalue().encode()) / 2**20
        print(f"chart {len(png) / 1024:.0f} KiB; export {written:,} rows, {size:.1f} MiB")
        engine.dispose()


if __name__ == "__main__":
    main()
