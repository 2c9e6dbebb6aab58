"""`python -m bot chat`: talk to the real Application in a terminal, no Telegram token needed."""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import time
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.local_api import Call, LocalBotApi
from bot.settings import Settings

CHAT_ID = 424242
USER = {"id": CHAT_ID, "is_bot": False, "first_name": "Bạn", "language_code": "vi"}
_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


class TerminalChat:
    """Prints what the bot sends; turns typed lines and "#N" button presses into updates."""

    def __init__(self, settings: Settings) -> None:
        self.api = LocalBotApi()
        self.api.listeners.append(self._show)
        self.app = build_application(settings, request=self.api, rate_limit=False)
        self.buttons: list[tuple[str, str, int]] = []  # (label, data, message_id)
        self._ids = itertools.count(1)

    def _show(self, call: Call) -> None:
        if call.method not in ("sendMessage", "editMessageText"):
            return
        print("\n🤖 " + _plain(str(call.params.get("text", ""))).replace("\n", "\n   "))
        markup = call.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if rows:
            message_id = call.result["message_id"] if isinstance(call.result, dict) else 0
            self.buttons = [
                (b["text"], b.get("callback_data", ""), message_id) for row in rows for b in row
            ]
            print("   " + "  ".join(f"[#{i}] {b[0]}" for i, b in enumerate(self.buttons, 1)))
        elif markup.get("keyboard"):
            labels = [b if isinstance(b, str) else b["text"] for r in markup["keyboard"] for b in r]
            print("   Menu: " + " | ".join(labels))

    def _update(self, line: str) -> dict[str, Any]:
        uid = next(self._ids)
        chat = {"id": CHAT_ID, "type": "private", "first_name": USER["first_name"]}
        press = re.fullmatch(r"#(\d+)", line.strip())
        if press and 0 < int(press.group(1)) <= len(self.buttons):
            _label, data, message_id = self.buttons[int(press.group(1)) - 1]
            pressed = self.api.messages.get((CHAT_ID, message_id)) or {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
            }
            return {
                "update_id": uid,
                "callback_query": {
                    "id": str(uid),
                    "from": USER,
                    "chat_instance": "terminal",
                    "data": data,
                    "message": pressed,
                },
            }
        message: dict[str, Any] = {
            "message_id": 10_000 + uid,
            "date": int(time.time()),
            "chat": chat,
            "from": USER,
            "text": line,
        }
        if line.startswith("/"):
            command = line.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": uid, "message": message}

    async def run(self) -> None:
        async with self.app:
            print(
                "Trò chuyện thử với bot (gõ câu hỏi; #số để bấm nút; Ctrl+D hoặc 'thoát' để dừng)."
            )
            await self.app.process_update(Update.de_json(self._update("/start"), self.app.bot))
            while True:
                try:
                    line = await asyncio.to_thread(input, "\n🙂 ")
                except (EOFError, KeyboardInterrupt):
                    break
                if line.strip().casefold() in ("thoát", "thoat", "exit", "quit"):
                    break
                update = Update.de_json(self._update(line), self.app.bot)
                await self.app.process_update(update)
        print("\nTạm biệt! 👋")


def run_terminal_chat(settings: Settings) -> None:
    asyncio.run(TerminalChat(settings).run())
