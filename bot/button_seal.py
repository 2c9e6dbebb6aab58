"""Sealed button data: a button works only in the chat it was sent to, exactly as it was made.

Every callback_data the bot sends carries a short HMAC of (chat id, data) keyed by a secret
derived from the bot's token, so data typed by hand, changed to point at another case, or pressed
in another chat (a forwarded message) is recognised and refused. The seal needs no storage, so
any instance can check a button another instance sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

MARK = "~"  # never in unsealed data: ids are slugs, codes alphanumeric, tokens url-safe base64
SEAL_LENGTH = 10  # 60 bits: a forged seal is a 1 in 10^18 guess, and each guess costs a press
TELEGRAM_DATA_LIMIT = 64  # bytes of callback_data Telegram accepts
ROOM = TELEGRAM_DATA_LIMIT - len(MARK) - SEAL_LENGTH  # what the data itself may take


@lru_cache(maxsize=8)  # asked for every keyboard sent and every button pressed
def key_from_token(token: str) -> bytes:
    """The sealing key: derived from the bot token, which every instance already shares."""
    return hashlib.sha256(b"button-seal:" + token.encode()).digest()


def _mac(key: bytes, chat_id: int, data: str) -> str:
    digest = hmac.digest(key, f"{chat_id}:{data}".encode(), "sha256")  # one-shot, in C
    return base64.urlsafe_b64encode(digest).decode()[:SEAL_LENGTH]


def seal(key: bytes, chat_id: int, data: str) -> str:
    """`data` sealed for `chat_id`; raises ValueError if it would not fit Telegram's 64 bytes."""
    if MARK in data or len(data.encode()) > ROOM:
        raise ValueError(f"button data cannot be sealed: {data!r}")
    return f"{data}{MARK}{_mac(key, chat_id, data)}"


def unseal(key: bytes, chat_id: int, sealed: str | None) -> str | None:
    """The data of a button pressed in `chat_id`, or None if it is not one the bot sent there."""
    if not sealed or len(sealed.encode()) > TELEGRAM_DATA_LIMIT:
        return None
    data, mark, mac = sealed.rpartition(MARK)
    # Bytes, not str: compare_digest refuses non-ASCII text, and forged data may be any text.
    if not mark or not hmac.compare_digest(mac.encode(), _mac(key, chat_id, data).encode()):
        return None
    return data


def short_key(text: str) -> str:
    """A 6-character stand-in for an id too long to fit in sealed button data."""
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).decode()[:6]
