"""The bot's transport (bot/telegram_http.py) against the Bot API fake over loopback HTTP:
what the bot sends arrives exactly as sent, uploads included, and failures surface as the same
python-telegram-bot errors as with its own transport."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, Defaults, ExtBot

from bot.telegram_http import CONNECTIONS, JsonRequest, send_text
from tests.fakes import FakeBotApi

TOKEN = "123456789:TEST-token_for-the-fake"


def _bot(fake: FakeBotApi, request: JsonRequest) -> Bot:
    return Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url, request=request)


async def test_vietnamese_html_and_buttons_arrive_as_sent(fake: FakeBotApi) -> None:
    citizen = fake.user(2001, "Lan")
    text = (
        "<b>Đăng ký khai sinh</b>\n📄 Giấy tờ: tờ khai; giấy chứng sinh.\n"
        '💰 Lệ phí: miễn phí — "đúng hạn" & <i>trực tuyến</i>\n' + "Ưu tiên người già. " * 90
    )
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("💰 Lệ phí", callback_data="s|khai-sinh|f~AbC-_12345")]]
    )
    async with _bot(fake, JsonRequest()) as bot:
        sent = await bot.send_message(
            citizen.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    [got] = fake.messages_to(citizen)
    assert got["text"].startswith("Đăng ký khai sinh\n📄 Giấy tờ")
    assert got["text"].endswith("Ưu tiên người già.")
    assert [e["type"] for e in got["entities"]] == ["bold", "italic"]
    button = got["reply_markup"]["inline_keyboard"][0][0]
    assert button == {"text": "💰 Lệ phí", "callback_data": "s|khai-sinh|f~AbC-_12345"}
    assert sent.text == got["text"]  # the answer parsed back into the bot's Message


async def test_an_upload_still_goes_as_a_file(fake: FakeBotApi) -> None:
    official = fake.user(2002, "Trưởng phòng")
    chart = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    async with _bot(fake, JsonRequest()) as bot:
        await bot.send_photo(
            official.id, InputFile(chart, filename="thongke.png"), caption="📈 Thống kê"
        )
    [call] = [c for c in fake.calls if c.method == "sendPhoto"]
    assert call.params["caption"] == "📈 Thống kê"
    assert call.files["photo"].content == chart


async def test_failures_are_the_errors_the_bot_handles(fake: FakeBotApi) -> None:
    citizen = fake.user(2003, "Minh")
    async with _bot(fake, JsonRequest(read_timeout=0.2)) as bot:
        fake.inject("sendMessage", status=429, retry_after=7)
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(citizen.id, "một")
        wait = flood.value.retry_after
        assert (wait.total_seconds() if isinstance(wait, timedelta) else wait) == 7
        fake.inject("sendMessage", status=500)
        with pytest.raises(NetworkError):
            await bot.send_message(citizen.id, "hai")
        fake.inject("sendMessage", disconnect=True)
        with pytest.raises(NetworkError):
            await bot.send_message(citizen.id, "ba")
        fake.slow("sendMessage", 0.6)
        with pytest.raises(TimedOut):
            await bot.send_message(citizen.id, "bốn")
        [late] = await fake.wait_for(citizen, timeout=2)  # a timed-out send may still arrive
        assert late["text"] == "bốn"


async def test_a_shut_down_transport_starts_again(fake: FakeBotApi) -> None:
    request = JsonRequest()
    for _ in range(2):  # initialize after shutdown, as an Application restarted in process does
        async with _bot(fake, request) as bot:
            assert (await bot.get_me()).username == fake.bot_username


async def test_a_burst_beyond_the_pool_waits_for_connections(fake: FakeBotApi) -> None:
    # Twice as many sends at once as the transport keeps connections, while Telegram takes
    # 1.2 s to answer each: the second half waits that long for a connection. Not sent yet, it
    # waits rather than fails (python-telegram-bot's 1 s pool timeout failed all 16 of them).
    citizen = fake.user(2004, "Lan")
    burst = 2 * CONNECTIONS
    fake.slow("sendMessage", 1.2, times=burst)
    async with _bot(fake, JsonRequest()) as bot:
        await asyncio.gather(*(bot.send_message(citizen.id, f"tin {n}") for n in range(burst)))
    got = await fake.wait_for(citizen, count=burst, timeout=5)
    assert sorted(m["text"] for m in got) == sorted(f"tin {n}" for n in range(burst))


async def test_a_reply_sent_unread_is_the_same_call_with_the_same_defaults_and_errors(
    fake: FakeBotApi,
) -> None:
    citizen = fake.user(2005, "Hoa")
    defaults = Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("📄 Giấy tờ", callback_data="s|khai-sinh|d~Xy")]]
    )
    text = "<b>Đăng ký khai sinh</b>\nXem tại https://dichvucong.dongthap.gov.vn"
    limiter = AIORateLimiter(overall_max_rate=0, max_retries=1)
    async with ExtBot(
        TOKEN,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=JsonRequest(),
        defaults=defaults,
        rate_limiter=limiter,
    ) as bot:
        await bot.send_message(citizen.id, text, reply_markup=markup)
        await send_text(bot, citizen.id, text, markup)
        fake.inject("sendMessage", status=429, retry_after=1)  # the limiter waits and retries
        await send_text(bot, citizen.id, "Lần hai")
        fake.inject("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
        with pytest.raises(Forbidden):
            await send_text(bot, citizen.id, "Lần ba")
    first, second, *_ = [c for c in fake.calls if c.method == "sendMessage"]
    assert second.params == first.params
    assert first.params["parse_mode"] == "HTML"
    assert first.params["link_preview_options"] == {"is_disabled": True}
    got = fake.messages_to(citizen)
    assert [m["text"] for m in got] == [
        "Đăng ký khai sinh\nXem tại https://dichvucong.dongthap.gov.vn"
    ] * 2 + ["Lần hai"]
    assert got[1]["reply_markup"] == got[0]["reply_markup"]
