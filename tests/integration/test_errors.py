"""The one error handler: the user always gets a polite answer, the operators get told."""

from __future__ import annotations

import pytest
from telegram import Bot, Chat, InaccessibleMessage

from bot import texts
from bot.button_seal import key_from_token, seal
from bot.local_api import LocalBotApi
from handlers.common import reply
from tests import builders
from tests.conftest import Harness


@pytest.fixture
def broken(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    async def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(harness.app.bot_data.questions, "answer", fail)
    monkeypatch.setattr(harness.app.bot_data.questions, "open_procedure", fail)
    harness.app.bot_data.settings.operators_chat_id = -100555
    return harness


async def test_a_failing_question_gets_an_apology_and_alerts_operators(broken: Harness):
    calls = await broken.say("làm hộ chiếu ở đâu")
    to_user = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 5001]
    assert to_user and to_user[-1].params["text"].startswith(texts.ERROR[:20])
    [alert] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == -100555]
    assert "RuntimeError" in alert.params["text"] and "database is on fire" in alert.params["text"]


async def test_a_failing_button_is_still_answered(broken: Harness):
    message = {"message_id": 77, "date": 0, "chat": builders.private_chat(builders.CITIZEN)}
    data = seal(key_from_token(broken.app.bot.token), builders.CITIZEN["id"], "s|khai-sinh|f")
    calls = await broken.feed(builders.press(data, message))
    assert any(c.method == "answerCallbackQuery" for c in calls)
    assert any(c.params.get("text", "").startswith(texts.ERROR[:20]) for c in calls)


async def test_a_reply_to_an_inaccessible_message_is_sent_to_its_chat_in_parts() -> None:
    """What python-telegram-bot hands over as an InaccessibleMessage has no reply_text: the
    answer still reaches the chat, split at Telegram's 4096-character limit."""
    api = LocalBotApi()
    async with Bot("123:TEST", request=api, get_updates_request=api) as bot:
        gone = InaccessibleMessage(chat=Chat(4242, Chat.PRIVATE), message_id=7)
        gone.set_bot(bot)
        await reply(gone, "Mã hồ sơ của bạn. " * 300)
    sent = [c for c in api.calls if c.method == "sendMessage"]
    assert len(sent) == 2 and all(int(c.params["chat_id"]) == 4242 for c in sent)
    assert all(len(c.params["text"]) <= 4096 for c in sent)
