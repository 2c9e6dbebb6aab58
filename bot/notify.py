"""Delivers the outbox to Telegram: honours RetryAfter, retries network errors with backoff,
and when a chat is unreachable escalates the case and tells the operators' group.

Messages are claimed in the database with a lease, so two instances never send the same one,
and a crashed instance's claims are picked up once their lease runs out.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import complaint_texts as t
from bot.button_seal import key_from_token, seal
from bot.casework import CaseService
from bot.complaints import Status
from bot.handoff import HandoffDesk
from bot.storage.complaint_models import OutboxMessage
from bot.storage.complaint_repo import Change, Outgoing
from bot.telegram_http import MarkupJson, ReplyMarkup

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = (2, 5, 15, 30, 60, 120, 300, 600)

# Draws the image of a queued message of a given purpose when it is delivered (the outbox
# keeps text, not images): e.g. the weekly report's chart.
Renderer = Callable[[OutboxMessage], Awaitable[bytes]]


def _sealed(key: bytes, chat_id: int, button: InlineKeyboardButton) -> InlineKeyboardButton:
    if not isinstance(button.callback_data, str):
        return button  # a link or another kind of button carries no data to forge
    return InlineKeyboardButton(
        button.text,
        callback_data=seal(key, chat_id, button.callback_data),
        style=button.style,  # how the label looks, kept
        icon_custom_emoji_id=button.icon_custom_emoji_id,
    )


def seal_markup(bot: Bot, chat_id: int, markup: ReplyMarkup | None) -> ReplyMarkup | None:
    """The markup to send to `chat_id`: inline buttons sealed for that chat (bot.button_seal),
    so they work there only and exactly as made; any other markup as it is."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return markup
    return seal_inline(bot, chat_id, markup)


def seal_inline(bot: Bot, chat_id: int, markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """Inline buttons sealed for `chat_id`."""
    key = key_from_token(bot.token)
    return InlineKeyboardMarkup(
        [[_sealed(key, chat_id, b) for b in row] for row in markup.inline_keyboard]
    )


def sealed_json(
    bot: Bot, chat_id: int, markup: ReplyMarkup | None
) -> MarkupJson | ReplyMarkup | None:
    """`seal_markup`'s inline buttons as the Bot API's JSON, for `send_text`.

    Sealing into new button objects that python-telegram-bot then turns back into JSON cost
    an answer card's six buttons 133 µs of CPU; sealing straight into JSON, 22 µs
    (bench/bench_reply.py, 28/11/2026). Any other markup is sent as it is.
    """
    if not isinstance(markup, InlineKeyboardMarkup):
        return markup
    key = key_from_token(bot.token)
    return {
        "inline_keyboard": [
            [_sealed_json(key, chat_id, b) for b in row] for row in markup.inline_keyboard
        ]
    }


def _sealed_json(key: bytes, chat_id: int, button: InlineKeyboardButton) -> MarkupJson:
    if not isinstance(button.callback_data, str):
        return button.to_dict()
    # A button is of one kind only (Telegram): a data button has its label and data, and at
    # most how the label looks.
    sealed: MarkupJson = {
        "text": button.text,
        "callback_data": seal(key, chat_id, button.callback_data),
    }
    if button.style is not None:
        sealed["style"] = button.style
    if button.icon_custom_emoji_id is not None:
        sealed["icon_custom_emoji_id"] = button.icon_custom_emoji_id
    return sealed


def _buttons(rows: list[list[list[str]]] | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class OutboxWorker:
    """One per bot instance; `deliver_once` is called by a repeating job."""

    def __init__(
        self,
        cases: CaseService,
        worker_id: str | None = None,
        handoff: HandoffDesk | None = None,
        renderers: Mapping[str, Renderer] | None = None,
        lease_seconds: float = 60.0,
    ) -> None:
        self.cases = cases
        # How long a claim hides messages from other workers; renewed before each send, so it
        # must cover one send (timeouts and flood waits included), not a whole batch.
        self.lease = timedelta(seconds=lease_seconds)
        self.handoff = handoff
        self.renderers = dict(renderers or {})
        self.store = cases.store
        self.worker = worker_id or f"{socket.gethostname()}:{os.getpid()}"

    async def deliver_once(self, bot: Bot, limit: int = 20) -> DeliveryReport:
        report = DeliveryReport()
        now = self.cases.clock.now()
        # Each claim has its own token: the repeating job and the delivery right after a change
        # run in the same process and must never both hold (and send) the same row.
        claimant = f"{self.worker[:30]}:{secrets.token_hex(4)}"  # fits claimed_by (40)
        lease = int(self.lease.total_seconds())
        for message in await self.store.claim(claimant, now, limit=limit, lease_seconds=lease):
            assert message.id is not None
            if not await self.store.renew(
                message.id, claimant, self.cases.clock.now() + self.lease
            ):
                continue  # the lease ran out while earlier messages were sent: another has it
            await self._deliver(bot, message, report, claimant)
        return report

    async def _deliver(
        self, bot: Bot, m: OutboxMessage, report: DeliveryReport, claimant: str
    ) -> None:
        assert m.id is not None
        now = self.cases.clock.now()
        render = self.renderers.get(m.purpose)
        try:
            if render is not None:
                await bot.send_photo(m.chat_id, await render(m), caption=m.text[:1024])
            elif m.photo:
                await bot.send_photo(m.chat_id, m.photo, caption=m.text[:1024])
            else:
                markup = seal_markup(bot, m.chat_id, _buttons(m.buttons))
                await bot.send_message(m.chat_id, m.text, reply_markup=markup)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await self.store.retry(m.id, claimant, now + timedelta(seconds=seconds), "429")
            report.retried += 1
        except Forbidden as exc:
            await self._unreachable(m, str(exc), claimant)
            report.failed += 1
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                await self._unreachable(m, str(exc), claimant)
            else:
                await self.store.failed(m.id, claimant, str(exc))
                await self._alert(m, str(exc))
            report.failed += 1
        except (TimedOut, NetworkError) as exc:
            # A timed-out send may still have arrived; Telegram gives no idempotency key, so
            # one duplicate after a timeout is possible, losing the message is not.
            if m.attempts + 1 >= MAX_ATTEMPTS:
                await self.store.failed(m.id, claimant, str(exc))
                await self._alert(m, str(exc))
                report.failed += 1
            else:
                delay = BACKOFF_SECONDS[min(m.attempts, len(BACKOFF_SECONDS) - 1)]
                await self.store.retry(m.id, claimant, now + timedelta(seconds=delay), str(exc))
                report.retried += 1
        else:
            await self.store.sent(m.id, claimant, now)
            report.sent += 1

    async def _unreachable(self, m: OutboxMessage, reason: str, claimant: str) -> None:
        """The recipient blocked the bot or the chat is gone: never let the case stall."""
        assert m.id is not None
        await self.store.failed(m.id, claimant, reason)
        log.warning("outbox %s undeliverable (%s)", m.id, m.purpose)
        if m.official_id and m.complaint_id:
            c = await self.store.by_id(m.complaint_id)
            # Only the official now in charge being unreachable stalls the case; a bounce to a
            # former assignee (after a transfer) must not move it again.
            if (
                c is not None
                and c.id is not None
                and c.assigned_official_id == m.official_id
                and c.status != Status.resolved
            ):
                up = self.cases.next_up(c)
                if up != c.assigned_official_id:
                    name = self.cases.kb.officials[c.assigned_official_id].full_name
                    text = t.OFFICIAL_UNDELIVERABLE.format(
                        code=c.code, official=name, reason=reason[:100]
                    )
                    moved = c.model_copy(update={"assigned_official_id": up})
                    change = Change(
                        values={"assigned_official_id": up},
                        actor="system",
                        action="undeliverable",
                        detail=f"{c.assigned_official_id}: {reason[:200]}",
                        key=f"undeliverable:{c.id}:{m.official_id}",
                        messages=self.cases.to_official(
                            up, text + "\n\n" + self.cases.case_text(moved), moved, "escalated"
                        ),
                    )
                    await self.store.change(c.id, c.version, change, self.cases.clock.now())
        await self._alert(m, reason)

    async def _alert(self, m: OutboxMessage, reason: str) -> None:
        if m.handoff_id is not None and m.purpose == "handoff_answer" and self.handoff:
            # The staff member who answered must know the citizen did not get it.
            note = self.handoff.undeliverable_note(m.handoff_id, reason)
            if note is not None:
                note.key = f"alert:{m.id}"
                await self.store.enqueue([note], self.cases.clock.now())
                return
        operators = self.cases.kb.routing.operators_chat_id
        if operators is None or operators == m.chat_id:
            return
        text = t.OPERATORS_UNDELIVERABLE.format(
            chat_id=m.chat_id, purpose=m.purpose, reason=reason[:200]
        )
        await self.store.enqueue(
            [Outgoing(operators, text, "alert", key=f"alert:{m.id}")], self.cases.clock.now()
        )
