"""A local stand-in for Telegram's servers: a BaseRequest that answers Bot API calls in-process.

It lets the real `Application` run without network: the terminal chat prints what it records,
and tests assert on it. Every call is kept in `calls`, in order.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 100000001,
    "is_bot": True,
    "first_name": "Trợ lý Dịch vụ công Đồng Tháp",
    "username": "dongthap_dvc_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]
    result: Any = None
    files: dict[str, bytes] = field(default_factory=dict)  # uploads (a chart…) by field name


@dataclass
class LocalBotApi(BaseRequest):
    """Answers Bot API methods locally and records them; chats default to private."""

    calls: list[Call] = field(default_factory=list)
    listeners: list[Callable[[Call], None]] = field(default_factory=list)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)  # chats that answer 403, as a blocked bot
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        call = Call(name, params)
        if request_data is not None and request_data.contains_files:
            for key, (_, content, _) in request_data.multipart_data.items():
                call.files[key] = content if isinstance(content, bytes) else content.read()
        if "chat_id" in params and int(str(params["chat_id"])) in self.blocked:
            self.calls.append(call)
            error = {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
            return 403, json.dumps(error).encode()
        call.result = self._result(name, params)
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def chat(self, chat_id: int) -> dict[str, Any]:
        return self.chats.get(chat_id) or {"id": chat_id, "type": "private", "first_name": "Dân"}

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        msg: dict[str, Any] = {
            "message_id": message_id or next(self._ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": BOT_USER,
        }
        for key in ("text", "caption"):
            if key in params:
                msg[key] = params[key]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            msg["reply_markup"] = markup  # Telegram returns only inline keyboards on messages
        self.messages[(chat_id, msg["message_id"])] = msg
        return msg

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return []
        if method in ("sendMessage", "sendPhoto", "sendDocument", "sendLocation", "copyMessage"):
            return self._message(params)
        if method in ("editMessageText", "editMessageReplyMarkup", "editMessageCaption"):
            if "inline_message_id" in params:
                return True
            return self._message(params, int(params["message_id"]))
        return True

    # -- what tests and the terminal chat read ----------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages sent or edited, optionally to one chat."""
        kinds = ("sendMessage", "editMessageText", "sendPhoto")
        return [
            c
            for c in self.calls
            if c.method in kinds and (chat_id is None or int(c.params["chat_id"]) == chat_id)
        ]

    def last_text(self, chat_id: int | None = None) -> str:
        sent = self.sent(chat_id)
        return str(sent[-1].params.get("text", "")) if sent else ""
