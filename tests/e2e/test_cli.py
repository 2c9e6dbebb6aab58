"""The command line as maintainers and outside tools use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(
    args: list[str], stdin: str = "", cwd: Path = ROOT, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "KNOWLEDGE_DIR": str(ROOT / "knowledge"), **env},
    )


def test_ask_jsonl_keeps_order_ids_and_shape():
    lines = [
        {"id": "a", "text": "lam cccd mat bn tien"},
        {"id": 7, "text": "cán bộ xã đòi tiền mới làm hồ sơ"},
        {"text": "chào em"},
        {"id": "d", "text": "giá vàng hôm nay"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\nnot json\n"
    run = _run(["ask", "--jsonl"], stdin)
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["id"] for o in out[:4]] == ["a", 7, None, "d"]
    assert [o["intent"] for o in out[:4]] == ["procedure", "complaint", "help", "none"]
    first = out[0]
    assert set(first) == {"id", "intent", "aspect", "matches"} and first["aspect"] == "fee"
    assert first["matches"][0]["id"] == "can-cuoc" and len(first["matches"]) <= 3
    assert set(first["matches"][0]) == {"id", "title", "score"}
    assert out[4] == {"id": None, "error": "invalid input"}  # a bad line is reported in place


def test_ask_json_and_explain():
    run = _run(["ask", "--json", "giấy", "độc", "thân", "xin", "ở", "đâu"])
    result = json.loads(run.stdout)
    assert (result["intent"], result["aspect"]) == ("procedure", "where")
    assert result["matches"][0]["id"] == "xac-nhan-hon-nhan"
    explained = json.loads(_run(["ask", "--explain", "lam cccd mat bn tien"]).stdout)
    assert "can" in explained["tokens"] and explained["candidates"][0]["id"] == "can-cuoc"
    assert explained["normalised"] == "lam can cuoc cong dan mat bao nhieu tien"
    assert explained["expanded"][:5] == ["lam", "căn", "cước", "công", "dân"]  # cccd, expanded
    top = explained["candidates"][0]
    assert explained["matched"] == {"id": "can-cuoc", "alias": top["alias"], "score": top["score"]}
    assert "căn cước" in top["alias"]  # one of the procedure's names, as the file writes it
    assert all(
        {"score", "alias", "alias_coverage", "evidence"} <= set(c) for c in explained["candidates"]
    )
    typo = json.loads(_run(["ask", "--explain", "lam ho chieuu o dau"]).stdout)
    assert typo["corrected"] and typo["matched"]["id"] == "ho-chieu"


def test_terminal_chat_runs_the_real_handlers(tmp_path: Path):
    run = _run(
        ["chat"],
        "lam cccd mat bn tien\n#1\nthoát\n",
        cwd=tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'chat.sqlite'}",
        TELEGRAM_BOT_TOKEN="",
    )
    assert run.returncode == 0, run.stderr
    assert "xin chào" in run.stdout  # /start on opening
    assert "Lệ phí" in run.stdout and "[#1]" in run.stdout  # the card and its buttons
    assert "📑 Hồ sơ · " in run.stdout and "\n   1. " in run.stdout  # #1 opened the documents
    assert "Traceback" not in run.stdout + run.stderr


def test_bot_refuses_to_start_on_invalid_knowledge(tmp_path: Path):
    bad = tmp_path / "kb"
    bad.mkdir()
    (bad / "intents.yaml").write_text("greeting: [oops\n", encoding="utf-8")
    run = _run(
        ["run"], KNOWLEDGE_DIR=str(bad), TELEGRAM_BOT_TOKEN="123:abc", DATABASE_URL="sqlite://"
    )
    assert run.returncode == 1
    assert "intents.yaml:" in run.stderr and "không khởi động" in run.stderr


def test_bad_settings_and_an_unconfigured_webhook_are_named_not_a_traceback():
    run = _run(["check"], WEBHOOK_SECRET="short", WEBHOOK_PORT="99999")
    assert run.returncode == 2
    assert "WEBHOOK_SECRET: cần 16-256 ký tự" in run.stderr and "WEBHOOK_PORT" in run.stderr
    assert "Traceback" not in run.stderr
    run = _run(["run", "--webhook"], TELEGRAM_BOT_TOKEN="123:abc", DATABASE_URL="sqlite://")
    assert run.returncode == 2
    assert "WEBHOOK_URL" in run.stderr and "Traceback" not in run.stderr
