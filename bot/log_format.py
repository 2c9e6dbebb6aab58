"""Structured logs: one JSON object per line, without personal data.

A line carries the time, level, logger, message and whatever `extra=` fields the caller gave
(`log.info("handled", extra={"chat": chat_ref(chat_id), "ms": 12})`). Names, phone numbers and
what citizens write never belong in a log line: code logs ids of cases and outbox rows, kinds
and counts, and a chat as `chat_ref(chat_id)`, a keyed hash that lets an operator follow one
conversation through the logs of every instance without learning who it is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_STANDARD.add("color_message")  # uvicorn's terminal colouring of the same message
_key = b"dong-thap-citizen-bot"


class JsonLineFormatter(logging.Formatter):
    """Formats a record as one line of JSON (tracebacks included, escaped into the line)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def chat_ref(chat_id: int) -> str:
    """A short keyed hash of a chat id: stable within a deployment, not reversible without
    the key (a plain hash of a Telegram id could be reversed by trying every id)."""
    return hmac.new(_key, str(chat_id).encode(), hashlib.sha256).hexdigest()[:12]


def setup_logging(level: str, key: str | None = None) -> None:
    """JSON lines on stderr at `level`; `key` (a deployment secret) keys `chat_ref`."""
    global _key
    if key:
        _key = hashlib.sha256(key.encode()).digest()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run
