"""Webhook mode over HTTP: the loopback Bot API fake posts updates to the bot's own listener.

The real Application served by bot/webhook.py registers its webhook with the fake (setWebhook
with the secret), a citizen's question arrives as an HTTP POST and is answered; posts without
the secret, or with a wrong one, are refused and never reach a handler; /healthz reports the
database; SIGTERM stops it cleanly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from bot.app import build_application, webhook_options
from bot.settings import Settings
from bot.webhook import serve_webhook
from tests.clock import FakeClock
from tests.e2e.running import e2e_settings
from tests.fakes import FakeBotApi

SECRET = "dong-thap_webhook_secret_2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def forged_update(user_id: int, text: str) -> dict[str, object]:
    chat = {"id": user_id, "type": "private", "first_name": "Giả"}
    return {
        "update_id": 990_001,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": "Giả"},
            "text": text,
        },
    }


async def until_listening(health: str, server: asyncio.Task[None]) -> object:
    """The first answer of the health endpoint once the server listens."""
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            assert not server.done(), server
            try:
                return (await client.get(health)).json()
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
    raise AssertionError("the webhook server never listened")


@pytest.mark.asyncio
async def test_citizen_is_answered_through_the_webhook_and_forged_posts_are_refused(
    tmp_path: Path,
) -> None:
    async with FakeBotApi() as fake:
        port = free_port()
        settings = e2e_settings(
            fake,
            tmp_path,
            "123456789:E2E-webhook",
            webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
            webhook_port=port,
            webhook_secret=SECRET,
        )
        app = build_application(settings, clock=FakeClock())
        server = asyncio.create_task(serve_webhook(app, settings, **webhook_options(settings)))
        health = f"http://127.0.0.1:{port}/healthz"
        try:
            answer = await until_listening(health, server)
            assert answer == {"status": "ok", "database": True}
            [target] = fake.webhooks
            assert target.url == settings.webhook_url
            # The "/" menu citizens see in Telegram's apps is published in webhook mode too.
            [menu] = [c for c in fake.calls if c.method == "setMyCommands"]
            assert "start" in [command["command"] for command in menu.params["commands"]]

            citizen = fake.user(7101, "Tâm")
            await fake.send_text(citizen, "dang ky khai sinh cho con can giay to gi")
            [card] = await fake.wait_for(citizen)
            assert "khai sinh" in card["text"].lower()

            # Someone who found the address posts an update without the secret, then with a
            # wrong one: both refused.
            stranger = fake.user(7102, "Lạ")
            async with httpx.AsyncClient() as client:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-xxxxxxx"}):
                    response = await client.post(
                        settings.webhook_url,
                        json=forged_update(stranger.id, "/start"),
                        headers=headers,
                    )
                    assert response.status_code == 403
            # The stranger's real message is then answered once: the forged ones never ran.
            await fake.send_text(stranger, "/start")
            [greeting] = await fake.wait_for(stranger)
            assert "xin chào Lạ" in greeting["text"]
            assert len(fake.messages_to(stranger)) == 1
        finally:
            # What an orchestrator does to stop an instance (the server handles the signal).
            if not server.done():
                os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(server, 10)
        assert not app.running


def test_webhook_mode_refuses_to_start_without_url_and_secret() -> None:
    settings = Settings(_env_file=None, telegram_bot_token="1:x", webhook_url="https://a.vn/hook")
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        webhook_options(settings)
    with pytest.raises(ValueError, match="16-256"):
        Settings(_env_file=None, webhook_secret="short")
