"""End to end: `python -m bot run` polls a loopback Bot API fake over HTTP, as on Telegram."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import texts
from tests.fakes import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:E2E-token"


@pytest.fixture
def running_bot(tmp_path: Path) -> Iterator[FakeBotApi]:
    """The fake in its own thread, and the bot as a separate process pointed at it."""
    fake = FakeBotApi()
    fake.start_in_thread()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_API_FILE_URL": fake.base_file_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite'}",
        "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,  # no .env from the checkout: only what is set here
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        fake.run_sync(fake.wait_for_poller(timeout=30), timeout=40)
        yield fake
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        fake.stop_thread()
        assert "Traceback" not in out, out


def test_citizen_asks_and_opens_a_section_over_http(running_bot: FakeBotApi) -> None:
    fake = running_bot
    run = fake.run_sync
    citizen = fake.user(7001, "Tâm")

    commands = {c["command"]: c["description"] for c in fake.commands}
    assert commands["start"].startswith("Bắt đầu")

    run(fake.send_text(citizen, "/start"))
    [greeting] = run(fake.wait_for(citizen))
    assert "xin chào Tâm" in greeting["text"]
    assert fake.reply_keyboard(citizen) is not None

    run(fake.send_text(citizen, "lam cccd mat bn tien"))
    [card] = run(fake.wait_for(citizen))
    assert "căn cước" in card["text"].lower() and "Lệ phí" in card["text"]

    query = run(fake.press(citizen, card, button_text=texts.SECTION_LABELS["documents"]))
    run(fake.wait_for_callback_answer(query))
    [section] = run(fake.wait_for_edit(citizen, message_id=card["message_id"]))
    assert section["text"].startswith(texts.SECTION_LABELS["documents"])
    assert "1." in section["text"]


def test_hostile_input_over_http_gets_valid_polite_replies(running_bot: FakeBotApi) -> None:
    fake = running_bot
    run = fake.run_sync
    citizen = fake.user(7002, "Hải")
    # The fake rejects malformed HTML and over-long text exactly as Telegram does, so a reply
    # arriving at all proves the bot escaped and bounded it.
    for text, count in (
        ("<b>khai sinh</b> & <script>alert(1)</script>", 1),
        ("\u202e\u200bhộ chiếu ở đâu", 1),
        ("x" * 4096, 2),  # "too long, I read the first 1,000 characters", then the answer
        ("😀🙏", 1),
    ):
        run(fake.send_text(citizen, text))
        replies = run(fake.wait_for(citizen, count=count))
        assert all(texts.ERROR[:20] not in m["text"] for m in replies), text[:20]
        run(fake.assert_no_message(citizen, within=0.3))
    run(
        fake.send_message(
            citizen,
            sticker={
                "file_id": "CAACAgIAAxk",
                "file_unique_id": "AgAD",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        )
    )
    [reply] = run(fake.wait_for(citizen))
    assert reply["text"] == texts.NON_TEXT
