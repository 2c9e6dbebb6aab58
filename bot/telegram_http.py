"""The bot's HTTP transport to the Bot API: parameters go as a JSON body, not a form.

python-telegram-bot's own transport sends every call as a URL-encoded form. Vietnamese text is
almost all non-ASCII, and a form percent-encodes each of its bytes, in Python: a card of 1,500
characters leaves as about 3,300 bytes. The Bot API takes the same parameters as a JSON body
(except uploads): 1,900 bytes for that card, encoded in C. Uploads (the statistics chart) still
go as multipart forms, which Telegram requires for files. The echo bot of bench/bench_e2e.py
uses this transport too, so that the comparison stays one of the bots' own work.

Otherwise it behaves as python-telegram-bot's HTTPXRequest: the same httpx client, the same
default timeouts but the pool's, and the same errors (TimedOut, NetworkError) for the same
failures; it keeps fewer connections (CONNECTIONS, below).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from telegram import Bot, ForceReply, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # "not given by the caller": use this transport's own

# Connections kept to the Bot API for sending. Telegram takes about 30 messages a second from a
# bot, which 16 connections carry at up to half a second per request. More are not free: for
# every request it starts or finishes, httpcore's pool checks each of its connections, and for
# each idle one all of them again (encode/httpcore#1035). With python-telegram-bot's 256, a
# burst of 40-50 sends at once left as many connections open, and the CPU per answer of both
# the bot and the echo bot swung with them (bench/bench_e2e.py, polling, 28/11/2026: the echo
# bot 3.4-7.0 ms per answer over 15 runs with 256, 3.3-5.5 over 3 with 32, 4.2-4.6 over 3
# with 16).
CONNECTIONS = 16

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ForceReply  # what a message may carry
MarkupJson = dict[str, Any]  # a markup as the Bot API's JSON (bot/notify.sealed_json)


class JsonRequest(BaseRequest):
    """A `BaseRequest` over httpx that sends JSON bodies."""

    def __init__(
        self,
        connection_pool_size: int = CONNECTIONS,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        # python-telegram-bot's timeouts, but for the pool's: a request waiting for a free
        # connection has not been sent, and waiting as long as a send may take beats failing.
        self._timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=write_timeout, pool=pool_timeout
        )
        self._media_write_timeout = media_write_timeout
        self._limits = httpx.Limits(
            max_connections=connection_pool_size, max_keepalive_connections=connection_pool_size
        )
        self._client = self._new_client()

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self._timeout, limits=self._limits, http1=True)

    @property
    def read_timeout(self) -> float | None:
        return self._timeout.read

    async def initialize(self) -> None:
        if self._client.is_closed:
            self._client = self._new_client()

    async def shutdown(self) -> None:
        if not self._client.is_closed:
            await self._client.aclose()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._client.is_closed:
            raise RuntimeError("This JsonRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, self._timeout.connect),
            read=_given(read_timeout, self._timeout.read),
            write=_given(
                write_timeout, self._media_write_timeout if files else self._timeout.write
            ),
            pool=_given(pool_timeout, self._timeout.pool),
        )
        headers = {"User-Agent": self.USER_AGENT}
        body: dict[str, Any] = {}
        if request_data is not None and files:
            body = {"files": request_data.multipart_data, "data": request_data.json_parameters}
        elif request_data is not None and request_data.parameters:
            headers["Content-Type"] = "application/json"
            text = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
            body = {"content": text.encode()}
        try:
            response = await self._client.request(
                method, url, headers=headers, timeout=timeout, **body
            )
        except httpx.PoolTimeout as exc:
            raise TimedOut(
                "Pool timeout: all connections to Telegram are busy; the request was not sent."
            ) from exc
        except httpx.TimeoutException as exc:
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{type(exc).__name__}: {exc}") from exc
        return response.status_code, response.content


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, _DEFAULT) else value


async def send_text(
    bot: Bot, chat_id: int, text: str, markup: ReplyMarkup | MarkupJson | None = None
) -> None:
    """`bot.send_message(chat_id, text, reply_markup=markup)`, without reading Telegram's answer.

    python-telegram-bot builds a `Message` from the answer to every send. No handler reads it,
    and for an answer card (a long text, its entities and a keyboard, all sent back) building
    it costs about 0.2 ms of CPU (bench/bench_reply.py), a twentieth of what the bot spends
    on a question (bench/bench_e2e.py). The rest is the path `send_message` takes, from its
    `_post` on: the bot's defaults (HTML, no link previews), its rate limiter, this transport,
    and the same errors (RetryAfter, Forbidden, BadRequest, TimedOut). `_post` is private, so
    tests/e2e/test_telegram_http.py checks that Telegram still gets the same call as from
    `send_message`, with the same defaults, retries and errors.
    """
    params: dict[str, object] = {
        "chat_id": chat_id,
        "text": text,
        "reply_markup": markup,
        # Placeholders the bot replaces with its Defaults, as send_message's own arguments are.
        "parse_mode": BaseRequest.DEFAULT_NONE,
        "link_preview_options": BaseRequest.DEFAULT_NONE,
        "disable_notification": BaseRequest.DEFAULT_NONE,
        "protect_content": BaseRequest.DEFAULT_NONE,
    }
    await bot._post("sendMessage", params)
