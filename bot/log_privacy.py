"""Keeps citizens' words out of the logs, whatever the level: libraries' debug lines that
carry whole updates, API parameters or SQL parameters are reduced to their shape.

Our own log calls name ids, counts and purposes only; python-telegram-bot at DEBUG logs each
update and each Bot API call with its text, and SQLAlchemy at INFO logs SQL parameters (names,
phones). A filter on those loggers replaces such arguments with a placeholder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

# Loggers whose records may carry message text, names or phones in their arguments.
CHATTY_LOGGERS = (
    "telegram.Bot",
    "telegram.ext.ExtBot",
    "telegram.ext.Application",
    "telegram.ext.Updater",
    "sqlalchemy.engine.Engine",
)
_SAFE_ARG = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,40}$")  # an endpoint or a type name
REDACTED = "[…]"


class RedactPersonalData(logging.Filter):
    """Below WARNING, keep the message template and short identifiers; drop the payloads."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or not record.args:
            return True
        if isinstance(record.args, Mapping):
            record.args = {k: _shape(v) for k, v in record.args.items()}
        else:
            record.args = tuple(_shape(a) for a in record.args)
        return True


def _shape(arg: object) -> object:
    if isinstance(arg, int | float | type) or (isinstance(arg, str) and _SAFE_ARG.match(arg)):
        return arg
    return REDACTED


_FILTER = RedactPersonalData()


def install() -> None:
    """Attach the filter to the chatty loggers (idempotent)."""
    for name in CHATTY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
