"""The knowledge checker: every mistake an editor can make is reported with file, line and field."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge.loader import KnowledgeError, load_knowledge, problems_of

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests/data/kb_min"

REQUIRED_IDS = """khai-sinh khai-tu ket-hon xac-nhan-hon-nhan nhan-cha-me-con cai-chinh-ho-tich
trich-luc-ho-tich giam-ho chung-thuc-ban-sao chung-thuc-chu-ky chung-thuc-hop-dong thuong-tru
tam-tru can-cuoc xac-nhan-cu-tru ho-chieu ly-lich-tu-phap gcn-lan-dau chuyen-nhuong-dat cap-doi-gcn
chuyen-muc-dich-dat tach-thua giay-phep-xay-dung ho-kinh-doanh thanh-lap-doanh-nghiep
an-toan-thuc-pham doi-gplx dang-ky-xe tro-cap-that-nghiep bhyt-tre-em tro-cap-xa-hoi ho-ngheo
muc-do-khuyet-tat mai-tang-phi chuyen-truong ban-sao-van-bang khieu-nai to-cao tiep-cong-dan
phan-anh-kien-nghi""".split()


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(MINI, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[nth - 1]


def test_shipped_knowledge_is_valid_and_complete():
    kb = load_knowledge(ROOT / "knowledge")
    assert set(REQUIRED_IDS) <= set(kb.by_id)
    for proc in kb.procedures:
        assert proc.aliases, f"{proc.id} has no aliases"


def test_minimal_knowledge_is_valid(kb_dir: Path):
    assert problems_of(kb_dir) == []


def test_fee_that_is_not_a_number(kb_dir: Path):
    f = kb_dir / "procedures/thu.yaml"
    _edit(f, "amount: 0", 'amount: "8.000đ"')
    [p] = problems_of(kb_dir)
    assert (p.file, p.line) == ("procedures/thu.yaml", _line_of(f, "amount:"))
    assert p.path == "khai-sinh.fees.items[1].amount"
    assert "số nguyên" in p.message and "8.000đ" in p.message


def test_unknown_key_is_named_with_its_line(kb_dir: Path):
    f = kb_dir / "procedures/thu.yaml"
    _edit(f, "  group: Hộ tịch\n", "  group: Hộ tịch\n  gia_tien: 5\n")
    [p] = problems_of(kb_dir)
    assert p.line == _line_of(f, "gia_tien")
    assert p.path == "khai-sinh.gia_tien"
    assert "không có trong mẫu" in p.message


def test_duplicate_id_points_at_both_places(kb_dir: Path):
    f = kb_dir / "procedures/thu.yaml"
    _edit(f, "- id: khai-tu", "- id: khai-sinh")
    problems = problems_of(kb_dir)
    assert any(
        p.path == "khai-sinh.id"
        and p.line == _line_of(f, "- id: khai-sinh", 2)
        and f"thu.yaml:{_line_of(f, '- id: khai-sinh')}" in p.message
        for p in problems
    ), problems


def test_alias_shared_by_two_procedures(kb_dir: Path):
    f = kb_dir / "procedures/thu.yaml"
    _edit(f, "    - làm giấy chứng tử", "    - Lam giay khai sinh")  # same words, other spelling
    [p] = problems_of(kb_dir)
    assert p.path == "khai-tu.aliases[1]" and "khai-sinh" in p.message


def test_all_problems_are_reported_at_once(kb_dir: Path):
    f = kb_dir / "procedures/thu.yaml"
    _edit(f, "amount: 0", "amount: nhiều")
    _edit(f, "level: xã", "level: huyện")
    _edit(f, "offices: [tt-xa]", "offices: [khong-co]")
    problems = problems_of(kb_dir)
    paths = {p.path for p in problems}
    assert {"khai-sinh.fees.items[1].amount", "khai-sinh.agency.level"} <= paths
    assert len(problems) >= 2


def test_unknown_office_reference(kb_dir: Path):
    _edit(kb_dir / "procedures/thu.yaml", "offices: [tt-xa]", "offices: [tt-khong-co]")
    [p] = problems_of(kb_dir)
    assert p.path == "khai-sinh.where.offices[1]" and "tt-khong-co" in p.message


def test_yaml_syntax_error_has_a_line(kb_dir: Path):
    f = kb_dir / "procedures/thu.yaml"
    _edit(f, "  group: Hộ tịch\n", "  group: [Hộ tịch\n")
    problems = problems_of(kb_dir)
    assert problems and problems[0].file == "procedures/thu.yaml"
    assert "YAML" in problems[0].message and problems[0].line > 1


def test_missing_required_file(kb_dir: Path):
    (kb_dir / "intents.yaml").unlink()
    assert any(p.file == "intents.yaml" for p in problems_of(kb_dir))


def test_synonym_with_two_meanings(kb_dir: Path):
    with (kb_dir / "synonyms.yaml").open("a", encoding="utf-8") as fh:
        fh.write("- means: con khỉ\n  words: [ko]\n")
    assert any("một từ chỉ được có một nghĩa" in p.message for p in problems_of(kb_dir))


def test_invalid_knowledge_loads_nothing(kb_dir: Path):
    _edit(kb_dir / "procedures/thu.yaml", "amount: 0", "amount: -5")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(kb_dir)
    assert "không được nhỏ hơn 0" in str(info.value)


def test_check_command_prints_file_line_and_exits_non_zero(kb_dir: Path):
    _edit(kb_dir / "procedures/thu.yaml", "amount: 0", "amount: abc")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(kb_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert run.returncode == 1
    assert "procedures/thu.yaml:" in run.stdout and "khai-sinh.fees.items[1].amount" in run.stdout


def test_check_command_passes_on_valid_knowledge(kb_dir: Path):
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(kb_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_unknown_supervisor(kb_dir: Path):
    f = kb_dir / "officials.yaml"
    _edit(f, "supervisor: truong-phong", "supervisor: truong-phong-cu")
    [p] = problems_of(kb_dir)
    assert (p.file, p.line, p.path) == (
        "officials.yaml",
        _line_of(f, "truong-phong-cu"),
        "can-bo.supervisor",
    )
    assert "truong-phong-cu" in p.message


def test_a_cycle_in_the_chain_of_officials(kb_dir: Path):
    f = kb_dir / "officials.yaml"
    _edit(f, "telegram_id: 9001,", "telegram_id: 9001, supervisor: can-bo,")
    problems = problems_of(kb_dir)
    assert problems and all("vòng tròn" in p.message for p in problems)
    assert any("chu-tich → can-bo → truong-phong → chu-tich" in p.message for p in problems)


def test_a_category_without_a_general_route(kb_dir: Path):
    _edit(kb_dir / "routing.yaml", "  - {category: quyet-dinh, official: truong-phong}\n", "")
    problems = problems_of(kb_dir)
    assert any("quyet-dinh" in p.message and "quy tắc chung" in p.message for p in problems)
    assert not any("khieu-nai" in p.message for p in problems)  # the category still exists


def test_a_rule_naming_an_unknown_official_or_commune(kb_dir: Path):
    f = kb_dir / "routing.yaml"
    _edit(
        f,
        "commune: phuong-my-tho, official: truong-phong",
        "commune: phuong-khong-co, official: ai-do",
    )
    paths = {p.path: p.message for p in problems_of(kb_dir)}
    assert "phuong-khong-co" in paths["rules[4].commune"] and "ai-do" in paths["rules[4].official"]


def test_a_complaint_type_with_no_category(kb_dir: Path):
    _edit(kb_dir / "routing.yaml", "types: [khieu-nai]", "types: [phan-anh]")
    assert any('"khieu-nai"' in p.message for p in problems_of(kb_dir))


def test_deadlines_need_every_type_and_real_dates(kb_dir: Path):
    _edit(kb_dir / "calendar.yaml", "date: 2026-12-31", 'date: "31/12/2026"')
    [p] = problems_of(kb_dir)
    assert p.file == "calendar.yaml" and p.path == "days_off[1].date"
    assert "NĂM-THÁNG-NGÀY" in p.message and "31/12/2026" in p.message


def test_a_faq_entry_without_its_ask_phrases_or_with_a_reused_id(kb_dir: Path):
    f = kb_dir / "faq.yaml"
    entry = (
        "- id: giay-to\n  question: Có phải đổi giấy tờ không?\n  topic: [sáp nhập]\n"
        "  ask: [đổi lại]\n  answer: Không phải đổi.\n  source: NQ 190/2025/QH15\n"
        "  verified: false\n"
    )
    f.write_text(entry + entry.replace("  ask: [đổi lại]\n", ""), encoding="utf-8")
    problems = problems_of(kb_dir)
    assert any(
        p.file == "faq.yaml" and p.path == "giay-to.ask" and p.line == _line_of(f, "- id:", 2)
        for p in problems
    ), problems
    f.write_text(entry + entry, encoding="utf-8")
    [p] = problems_of(kb_dir)
    assert (p.file, p.path, p.line) == ("faq.yaml", "giay-to.id", _line_of(f, "- id:", 2))
