"""The one error handler: the user always gets a polite answer, the operators get told."""

from __future__ import annotations

import pytest

from bot import texts
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
    calls = await broken.feed(builders.press("s|khai-sinh|f", message))
    assert any(c.method == "answerCallbackQuery" for c in calls)
    assert any(c.params.get("text", "").startswith(texts.ERROR[:20]) for c in calls)
