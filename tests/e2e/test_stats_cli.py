"""`python -m bot stats` and `python -m bot export` as maintainers run them, on a database
holding three known cases (tests/integration/test_stats_storage.py: seed)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.export import COLUMNS, PERSONAL_COLUMNS
from bot.storage.complaint_repo import ComplaintStore
from bot.storage.db import make_engine, migrate
from tests.e2e.test_cli import _run
from tests.integration.test_stats_storage import CODES, MINI, seed

PHONE, NAME, ACCUSED = "0987654321", "Lê Thị Tố", "Nguyễn Văn X"


@pytest.fixture
async def database(tmp_path: Path) -> str:
    """An SQLite file with the three cases, received relative to the real clock (the CLI
    reads the system clock)."""
    url = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    await seed(ComplaintStore(engine), datetime.now(UTC))
    engine.dispose()
    return url


def cli(database: str, *args: str) -> subprocess.CompletedProcess:
    return _run(list(args), KNOWLEDGE_DIR=str(MINI), DATABASE_URL=database)


def test_stats_as_json_and_as_text(database: str):
    run = cli(database, "stats", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    total = data["total"]
    assert (total["received"], total["waiting"], total["in_progress"], total["resolved"]) == (
        3,
        1,
        1,
        1,
    )
    assert (total["overdue"], total["on_time"], total["late"], total["on_time_rate"]) == (
        1,
        1,
        1,
        0.5,
    )
    assert data["apologies"] == 1 and data["average_rating"] == 4.0
    assert data["median_hours_to_acknowledge"] == 2.5  # 2 and 3 hours
    assert data["median_hours_to_resolve"] == 120.0  # 5 days
    # The escalated case stays with truong-phong's office, not the chairman's.
    assert [o["office"] for o in data["offices_ranked"]] == ["Văn phòng"]
    assert {t["id"]: t["name"] for t in data["by_type"]}["to-cao"] == "Tố cáo"

    since = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    recent = json.loads(cli(database, "stats", "--json", "--since", since).stdout)
    assert recent["total"]["received"] == 2

    text = cli(database, "stats").stdout
    assert "Tiếp nhận: 3" in text and "Tỷ lệ đúng hạn: 50% (1/2)" in text
    assert "<b>" not in text  # Telegram's HTML is stripped in a terminal
    bad = cli(database, "stats", "--since", "hôm qua")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_csv_export_leaves_personal_data_out_unless_asked(database: str, tmp_path: Path):
    out = tmp_path / "cases.csv"
    run = cli(database, "export", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "3/3" in run.stderr and "Đã xuất 3 hồ sơ" in run.stderr  # tqdm's progress, stderr
    content = out.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [r["code"] for r in rows] == list(CODES)
    assert tuple(rows[0]) == COLUMNS
    assert PHONE not in content and NAME not in content and ACCUSED not in content
    late, on_time, recent = rows
    assert (late["office"], late["responsible_official_id"], late["assigned_official_id"]) == (
        "Văn phòng",
        "truong-phong",
        "chu-tich",
    )
    assert (late["deadline"], on_time["deadline"], recent["deadline"]) == (
        "late",
        "on_time",
        "pending",
    )
    history = late["history"].splitlines()
    assert [line.split(" ")[2] for line in history] == [
        "filed",
        "transferred",
        "escalated",
        "apology",
    ]
    assert "truong-phong: việc của phòng" in history[1]
    assert on_time["rating"] == "4" and on_time["type_name"] == "Phản ánh, kiến nghị"
    # Text that a spreadsheet would run as a formula is defused.
    assert on_time["description"] == "'=1+2 đèn đường tắt cả tháng nay"
    assert recent["received_at"].endswith("+07:00")

    run = cli(database, "export", "--out", str(out), "--include-personal-data")
    assert "kèm dữ liệu cá nhân" in run.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS + PERSONAL_COLUMNS
    assert (rows[2]["full_name"], rows[2]["phone"]) == (NAME, PHONE)
    assert ACCUSED in rows[2]["accused"]

    since = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    to_stdout = cli(database, "export", "--since", since)
    assert [r["code"] for r in csv.DictReader(io.StringIO(to_stdout.stdout))] == [
        CODES[0],
        CODES[2],
    ]


def test_xlsx_export_has_cases_and_history_sheets(database: str, tmp_path: Path):
    out = tmp_path / "cases.xlsx"
    run = cli(database, "export", "--format", "xlsx", "--out", str(out))
    assert run.returncode == 0, run.stderr
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["cases", "history"]
    cases = list(book["cases"].iter_rows(values_only=True))
    assert cases[0] == COLUMNS
    assert [r[0] for r in cases[1:]] == list(CODES)
    assert not any(PHONE in str(v) or NAME in str(v) for r in cases for v in r)
    description = cases[2][COLUMNS.index("description")]
    assert description == "=1+2 đèn đường tắt cả tháng nay"  # kept as text, not a formula
    assert cases[2][COLUMNS.index("rating")] == 4 and cases[2][COLUMNS.index("photos")] == 1
    history = list(book["history"].iter_rows(values_only=True))
    assert history[0] == ("code", "at", "actor", "action", "detail")
    assert [(r[0], r[3]) for r in history[1:]] == [
        (CODES[0], "filed"),
        (CODES[0], "transferred"),
        (CODES[0], "escalated"),
        (CODES[0], "apology"),
        (CODES[1], "filed"),
        (CODES[1], "resolved"),
        (CODES[2], "filed"),
    ]
    book.close()

    run = cli(database, "export", "--format", "xlsx", "--out", str(out), "--include-personal-data")
    assert run.returncode == 0, run.stderr
    book = load_workbook(out, read_only=True)
    cases = list(book["cases"].iter_rows(values_only=True))
    header = cases[0]
    assert header == COLUMNS + PERSONAL_COLUMNS
    assert cases[3][header.index("phone")] == PHONE
    book.close()

    missing_out = cli(database, "export", "--format", "xlsx")
    assert missing_out.returncode == 2 and "--out" in missing_out.stderr
