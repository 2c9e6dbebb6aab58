"""Complaint rules without I/O: codes, routing around the accused, authority, the sweep."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.complaints import (
    CODE_ALPHABET,
    CaseClock,
    ExtensionRefused,
    Status,
    chain_of,
    extend,
    head_of_office,
    may_act,
    named_official,
    new_code,
    normalise_code,
    route,
    sweep_actions,
)
from bot.knowledge.loader import load_knowledge
from bot.workdays import WorkCalendar

KB = load_knowledge(Path(__file__).resolve().parents[1] / "data" / "kb_min")
CAL = WorkCalendar()
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_codes_avoid_look_alikes_and_read_back_in_any_case():
    codes = {new_code("phan-anh") for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert code.startswith("PA-") and all(ch in CODE_ALPHABET for ch in code[3:] if ch != "-")
        assert normalise_code(code.lower().replace("-", " ")) == code
    assert not set("015BILOS8") & set(CODE_ALPHABET)
    assert normalise_code("PA-0O1IL-AAAAA") is None and normalise_code("XX-AAAAA-AAAAA") is None


def test_route_prefers_the_commune_rule_and_never_the_accused():
    officials = KB.officials
    assert (
        route("ha-tang", "phuong-my-tho", None, KB.routing, officials).official_id == "truong-phong"
    )
    assert route("ha-tang", "xa-tan-hiep", None, KB.routing, officials).official_id == "can-bo"
    decision = route("can-bo", None, "can-bo", KB.routing, officials)
    assert decision.official_id == "truong-phong" and "supervisor" in decision.reason


def test_only_the_chain_above_may_act():
    assert chain_of("can-bo", KB.officials) == ["can-bo", "truong-phong", "chu-tich"]
    assert may_act("chu-tich", "can-bo", KB.officials)
    assert not may_act("can-bo", "truong-phong", KB.officials)
    assert head_of_office("can-bo", KB.officials).id == "truong-phong"  # same office


def test_a_named_official_is_recognised_despite_accents_and_titles():
    assert named_official("ong le van bo o van phong", KB.officials) == "can-bo"
    assert named_official("một người tên Lê", KB.officials) is None


def _case(status: Status, **kw) -> CaseClock:
    base = dict(
        id=1,
        type="phan-anh",
        status=status,
        assigned_official_id="can-bo",
        ack_due=NOW + timedelta(days=2),
        resolve_due=NOW + timedelta(days=16),
        extended_days=0,
    )
    return CaseClock(**(base | kw))


def test_sweep_reminds_then_escalates_to_the_supervisor():
    case = _case(Status.received)
    assert sweep_actions(case, NOW, KB.officials, KB.deadlines, CAL) == []
    [remind] = sweep_actions(case, NOW + timedelta(days=1), KB.officials, KB.deadlines, CAL)
    assert remind.kind == "remind_ack"
    [up] = sweep_actions(case, NOW + timedelta(days=3), KB.officials, KB.deadlines, CAL)
    assert (up.kind, up.new_official_id, up.apologise) == ("escalate_ack", "truong-phong", False)
    late = _case(Status.acknowledged)
    [late_up] = sweep_actions(late, NOW + timedelta(days=20), KB.officials, KB.deadlines, CAL)
    assert late_up.kind == "escalate_resolve" and late_up.apologise
    assert late_up.key != up.key
    assert (
        sweep_actions(
            _case(Status.resolved), NOW + timedelta(days=99), KB.officials, KB.deadlines, CAL
        )
        == []
    )


def test_extensions_stop_at_the_legal_maximum():
    case = _case(Status.acknowledged, extended_days=3)
    due, total = extend(case, 2, KB.deadlines, CAL)
    assert total == 5 and due > case.resolve_due
    with pytest.raises(ExtensionRefused):
        extend(case, 3, KB.deadlines, CAL)


def test_communes_are_found_by_name_old_name_and_accents():
    from bot.communes import CommuneFinder

    shipped = load_knowledge(Path(__file__).resolve().parents[2] / "knowledge")
    communes = CommuneFinder(shipped)

    def names(typed: str) -> list[str]:
        return [shipped.communes[c].name for c in communes.find(typed)]

    assert names("Mỹ Tho") == ["Phường Mỹ Tho"]  # the typed accents decide…
    assert names("Mỹ Thọ") == ["Xã Mỹ Thọ"]
    assert set(names("my tho")) == {"Phường Mỹ Tho", "Xã Mỹ Thọ"}  # …without them, ask
    assert names("phuong cao lanh") == ["Phường Cao Lãnh"]
    assert names("ấp 3, phường Sa Đéc") == ["Phường Sa Đéc"]
    assert names("Đường trước chợ có ổ gà lớn, xe máy té hoài.") == []  # not a place name


def test_names_not_confirmed_in_the_file_are_not_shown_to_citizens():
    from bot.casework import CaseService

    shipped = load_knowledge(Path(__file__).resolve().parents[2] / "knowledge")
    cases = CaseService(shipped, store=None, clock=None)  # type: ignore[arg-type]
    name, title, office = cases.describe_official("cb-van-phong-my-tho")  # a sample entry
    assert name == "(họ tên đang được cập nhật)"
    assert "Văn phòng" in title and "Mỹ Tho" in office
    confirmed = CaseService(KB, store=None, clock=None)  # type: ignore[arg-type]
    assert confirmed.describe_official("can-bo")[0] == "Lê Văn Bộ"
