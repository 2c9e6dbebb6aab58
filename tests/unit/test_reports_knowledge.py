"""reports.yaml: the editor's mistakes are reported with file, line and field, all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.knowledge.loader import load_knowledge, problems_of

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests/data/kb_min"

BAD = """\
leaders_chat_id: "-100555"
weekly_report:
  day: monday
  time: "25:00"
  weeks: 1
leaders:
  - {telegram_id: 9100, title: Phó Chủ tịch UBND tỉnh}
  - {telegram_id: 9100, title: Phó Chủ tịch UBND tỉnh}
  - {telegram_id: 9101, name: Nguyễn Văn A}
"""


def test_shipped_reports_file_is_valid():
    reports = load_knowledge(ROOT / "knowledge").reports
    assert reports is not None and reports.weekly_report is not None
    assert (reports.weekly_report.weekday, reports.weekly_report.time) == (0, "08:00")


def test_every_mistake_in_reports_yaml_is_named_with_its_line(tmp_path: Path):
    kb = tmp_path / "kb"
    shutil.copytree(MINI, kb)
    (kb / "reports.yaml").write_text(BAD, encoding="utf-8")
    found = {(p.file, p.line, p.path) for p in problems_of(kb)}
    assert found == {
        ("reports.yaml", 1, "leaders_chat_id"),  # a number, not text
        ("reports.yaml", 3, "weekly_report.day"),
        ("reports.yaml", 4, "weekly_report.time"),
        ("reports.yaml", 5, "weekly_report.weeks"),
        ("reports.yaml", 9, "leaders[3].title"),  # missing
        ("reports.yaml", 9, "leaders[3].name"),  # no such key: names are not needed
    }
    assert "25:00" in " ".join(p.message for p in problems_of(kb))
    # Once every leader is well written, one written twice is named too.
    (kb / "reports.yaml").write_text(BAD.rsplit("  - {telegram_id: 9101", 1)[0], encoding="utf-8")
    twice = [p for p in problems_of(kb) if p.path == "leaders"]
    assert [(p.line, "9100" in p.message) for p in twice] == [(6, True)]


def test_without_reports_yaml_there_is_no_weekly_report():
    assert load_knowledge(MINI).reports is None
