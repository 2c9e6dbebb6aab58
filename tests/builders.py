"""Builders of Telegram updates (as Bot API JSON) for driving the real Application in tests."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1)

CITIZEN = {"id": 5001, "is_bot": False, "first_name": "Lan", "language_code": "vi"}
OTHER_CITIZEN = {"id": 5002, "is_bot": False, "first_name": "Hùng", "language_code": "vi"}


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def group_chat(chat_id: int = -100777, title: str = "Nhóm ấp 3") -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": title}


def message(
    text: str | None = None,
    user: dict[str, Any] = CITIZEN,
    chat: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `message` update; commands get their bot_command entity as Telegram sends it."""
    uid = next(_ids)
    msg: dict[str, Any] = {
        "message_id": uid,
        "date": int(time.time()),
        "chat": chat or private_chat(user),
        "from": user,
        **extra,
    }
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": uid, "message": msg}


def sticker(user: dict[str, Any] = CITIZEN, chat: dict[str, Any] | None = None) -> dict[str, Any]:
    return message(
        user=user,
        chat=chat,
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


def photo(user: dict[str, Any] = CITIZEN, caption: str | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "photo": [{"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    }
    if caption:
        extra["caption"] = caption
    return message(user=user, **extra)


def voice(user: dict[str, Any] = CITIZEN) -> dict[str, Any]:
    return message(
        user=user, voice={"file_id": "AwACAgIAAxk", "file_unique_id": "AgADv", "duration": 3}
    )


def press(data: str, sent: dict[str, Any], user: dict[str, Any] = CITIZEN) -> dict[str, Any]:
    """A button press on a message the bot sent (as recorded by LocalBotApi)."""
    uid = next(_ids)
    return {
        "update_id": uid,
        "callback_query": {
            "id": str(uid),
            "from": user,
            "chat_instance": "ci",
            "data": data,
            "message": sent,
        },
    }


def edited(text: str, user: dict[str, Any] = CITIZEN) -> dict[str, Any]:
    upd = message(text, user)
    upd["edited_message"] = upd.pop("message")
    upd["edited_message"]["edit_date"] = int(time.time())
    return upd
