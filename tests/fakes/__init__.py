"""Test doubles for the services the bot talks to.

:mod:`tests.fakes.bot_api` holds :class:`FakeBotApi`, a loopback fake of the Telegram Bot API
that the real python-telegram-bot client (polling or webhook) can be pointed at.
"""

from tests.fakes.bot_api import (
    ApiCall,
    ApiError,
    FakeBotApi,
    FakeChat,
    FakeFile,
    FakeUser,
    Fault,
    WaitTimeout,
    WebhookDelivery,
    WebhookTarget,
    parse_html,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "FakeBotApi",
    "FakeChat",
    "FakeFile",
    "FakeUser",
    "Fault",
    "WaitTimeout",
    "WebhookDelivery",
    "WebhookTarget",
    "parse_html",
]
