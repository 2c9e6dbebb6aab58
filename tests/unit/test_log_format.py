"""Log lines are JSON objects with the caller's fields; a chat appears only as a keyed hash."""

from __future__ import annotations

import json
import logging
import sys

from bot import log_format
from bot.log_format import JsonLineFormatter, chat_ref


def test_a_record_becomes_one_json_line_with_its_extra_fields_and_traceback() -> None:
    try:
        raise RuntimeError("outbox down")
    except RuntimeError:
        record = logging.getLogger("bot.notify").makeRecord(
            "bot.notify",
            logging.WARNING,
            __file__,
            1,
            "outbox %s retried",
            (17,),
            exc_info=sys.exc_info(),
            extra={"chat": chat_ref(5001), "ms": 12.5},
        )
    line = JsonLineFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.notify"
    assert entry["msg"] == "outbox 17 retried"
    assert entry["chat"] == chat_ref(5001) and entry["ms"] == 12.5
    assert "RuntimeError: outbox down" in entry["exc"]


def test_chat_ref_is_stable_per_key_and_hides_the_id(monkeypatch) -> None:
    monkeypatch.setattr(log_format, "_key", b"deployment-a")
    first = chat_ref(5001)
    assert first == chat_ref(5001) and first != chat_ref(5002)
    assert "5001" not in first and len(first) == 12
    monkeypatch.setattr(log_format, "_key", b"deployment-b")
    assert chat_ref(5001) != first  # without the key, the id cannot be found by trying ids
