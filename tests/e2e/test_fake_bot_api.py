"""Tests of the Bot API fake, driven by the real python-telegram-bot client.

These pin down that PTB 22's real wire traffic (form-encoded JSON fields, multipart uploads,
long polling, error envelopes) round-trips through :class:`tests.fakes.FakeBotApi`, so the
bot's own e2e tests can trust it.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakes import FakeBotApi, WaitTimeout, parse_html

TOKEN = "123456789:TEST-token_for-the-fake"


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    client = Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url)
    async with client:
        yield client


@asynccontextmanager
async def polling_app(
    fake: FakeBotApi, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A real Application polling the fake, started and stopped the way the bot does."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


# ------------------------------------------------------------------ handlers of a toy bot

MENU = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Thủ tục hành chính", callback_data="menu:procedures")],
        [InlineKeyboardButton("Phản ánh", callback_data="menu:complaint")],
    ]
)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Xin chào! Bạn cần gì?", reply_markup=MENU)
    await update.effective_message.reply_text(
        "Hoặc gửi vị trí của bạn",
        reply_markup=ReplyKeyboardMarkup(
            [[KeyboardButton("📍 Gửi vị trí", request_location=True)]], resize_keyboard=True
        ),
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await message.chat.send_action("typing")
    await message.reply_text(
        f"Bạn nói: <i>{html.escape(message.text)}</i>", parse_mode=ParseMode.HTML
    )


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None
    await message.reply_text(f"Vị trí: {message.location.latitude:.2f}")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Đã chọn")
    await query.edit_message_text(f"Bạn chọn: {query.data}")


TOY_HANDLERS = (
    CommandHandler("start", on_start),
    MessageHandler(filters.LOCATION, on_location),
    MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
    CallbackQueryHandler(on_button),
)


# ------------------------------------------------------------------ through a polling bot


async def test_conversation_through_real_polling(fake: FakeBotApi) -> None:
    alice = fake.user(1001, "Alice", username="alice_dt")
    async with polling_app(fake, *TOY_HANDLERS):
        start = await fake.send_text(alice, "/start")
        assert start["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        greeting, hint = await fake.wait_for(alice, count=2)
        assert greeting["text"] == "Xin chào! Bạn cần gì?"
        assert hint["text"] == "Hoặc gửi vị trí của bạn"
        assert "reply_markup" not in hint  # Telegram returns only inline keyboards
        assert "reply_to_message" not in greeting  # PTB quotes only outside private chats
        assert greeting["message_id"] == start["message_id"] + 1
        keyboard = fake.reply_keyboard(alice)
        assert keyboard is not None
        assert keyboard["keyboard"][0][0]["request_location"] is True

        # Citizen text with HTML-special characters: the bot escapes it, so Telegram accepts
        # it and the user sees exactly what they typed.
        typed = "Giấy <khai sinh> & hộ khẩu"
        await fake.send_text(alice, typed)
        [echo] = await fake.wait_for(alice)
        assert echo["text"] == f"Bạn nói: {typed}"
        assert echo["entities"] == [
            {"type": "italic", "offset": len("Bạn nói: "), "length": len(typed)}
        ]
        assert {"chat_id": alice.id, "action": "typing"} in fake.chat_actions

        await fake.send_location(alice, 10.4599, 105.6324)
        [where] = await fake.wait_for(lambda m: m["text"].startswith("Vị trí"))
        assert where["text"] == "Vị trí: 10.46"

        # The inline button reaches the CallbackQueryHandler; the answer and edit come back.
        query_id = await fake.press(alice, greeting, "menu:procedures")
        answer = await fake.wait_for_callback_answer(query_id)
        assert answer["text"] == "Đã chọn"
        [edited] = await fake.wait_for_edit(alice, message_id=greeting["message_id"])
        assert edited["text"] == "Bạn chọn: menu:procedures"
        assert "reply_markup" not in edited  # edit without markup drops the keyboard
        assert fake.messages_to(alice)[0]["text"] == "Bạn chọn: menu:procedures"
        with pytest.raises(AssertionError, match="no inline button"):
            await fake.press(alice, greeting, "menu:procedures")

        await fake.assert_no_message(alice, within=0.2)
        await fake.wait_until_consumed()
    assert fake.redelivered_updates() == {}
    assert fake.duplicates() == {}


async def test_group_command_with_bot_username(fake: FakeBotApi) -> None:
    officer = fake.user(2002, "Cán bộ", username="canbo_ubnd")
    group = fake.group(-100123, "Tổ tiếp nhận", "supergroup")
    async with polling_app(fake, *TOY_HANDLERS):
        command = await fake.send_text(officer, f"/start@{fake.bot_username}", chat=group)
        [reply, _] = await fake.wait_for(group, count=2)
        assert reply["reply_to_message"]["message_id"] == command["message_id"]
        assert reply["chat"] == {"id": -100123, "type": "supergroup", "title": "Tổ tiếp nhận"}
        assert reply["from"]["is_bot"] is True
        assert reply["from"]["id"] == 123456789


async def test_second_poller_gets_conflict(fake: FakeBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=2))
    await fake.wait_for_poller()
    async with Bot(TOKEN, base_url=fake.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=0))
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await first
        assert await second == ()


async def test_get_updates_offset_limit_and_timeout(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(1001, "Alice")
    for text in ("một", "hai", "ba"):
        await fake.send_text(alice, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["một", "hai"]
    again = await bot.get_updates()  # not confirmed yet: delivered again
    assert len(again) == 3
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["ba"]
    assert fake.redelivered_updates() == {u.update_id: 2 for u in again}

    # A waiting long poll wakes as soon as an update is queued.
    loop = asyncio.get_running_loop()
    began = loop.time()
    waiting = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=3))
    await asyncio.sleep(0.1)
    await fake.send_text(alice, "bốn")
    [fourth] = await waiting
    assert fourth.message is not None and fourth.message.text == "bốn"
    assert loop.time() - began < 1.5
    assert await bot.get_updates(offset=fourth.update_id + 1, timeout=0) == ()
    assert fake.pending_updates == []


# ------------------------------------------------------------------ errors PTB must see


def _retry_after_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# PTB 22.2+ warns that RetryAfter.retry_after will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_is_retry_after(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(1001, "Alice")
    fault = fake.inject("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "một")
    assert _retry_after_seconds(caught.value) == 7
    assert fault.hits == 1
    await bot.send_message(alice.id, "hai")  # times=1: the next call goes through
    assert [c.text for c in fake.sent] == ["hai"]
    failed = [c for c in fake.calls if c.method == "sendMessage" and not c.ok]
    assert failed[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_500_is_network_error_and_lost_answers_make_duplicates(
    fake: FakeBotApi, bot: Bot
) -> None:
    alice = fake.user(1001, "Alice")
    fake.inject("sendmessage", status=500, times=2)  # method names are case-insensitive
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(alice.id, "[id-1] không tới")
    assert fake.sent == []

    # Telegram applied the call but the answer was lost: a naive retry duplicates it.
    fake.inject("sendMessage", status=502, deliver=True)
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "[id-2] trùng")
    await bot.send_message(alice.id, "[id-2] trùng")
    duplicates = fake.duplicates()
    assert list(duplicates) == [(alice.id, "[id-2] trùng")]
    assert len(duplicates[(alice.id, "[id-2] trùng")]) == 2


async def test_delay_is_a_timeout_for_the_client(fake: FakeBotApi) -> None:
    alice = fake.user(1001, "Alice")
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as impatient:
        fake.slow("sendMessage", 0.6)
        with pytest.raises(TimedOut):
            await impatient.send_message(alice.id, "chậm")
    # The server still applies it once the delay is over, as Telegram may.
    [late] = await fake.wait_for(alice, timeout=2)
    assert late["text"] == "chậm"


async def test_dropped_connection_is_network_error(fake: FakeBotApi, bot: Bot) -> None:
    fake.inject("getMe", disconnect=True)
    with pytest.raises(NetworkError):
        await bot.get_me()
    assert (await bot.get_me()).username == fake.bot_username


async def test_bad_html_and_lengths_are_rejected(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(1001, "Alice")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unsupported start tag"):
        await bot.send_message(alice.id, "Hồ sơ <số 12> đã nhận", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag corresponding to start tag"):
        await bot.send_message(alice.id, "<b>đậm", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(alice.id, "<b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(
            alice.id,
            "x",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("x", callback_data="d" * 65)
            ),
        )
    ok = await bot.send_message(
        alice.id,
        'A &amp; B &lt;3 & <a href="https://dichvucong.gov.vn/?a=1&amp;b=2">link</a> '
        '<tg-spoiler>x</tg-spoiler> <span class="tg-spoiler">y</span>',
        parse_mode=ParseMode.HTML,
    )
    assert ok.text == "A & B <3 & link x y"
    assert ok.entities[0].url == "https://dichvucong.gov.vn/?a=1&b=2"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(ok.text_html, alice.id, ok.message_id, parse_mode="HTML")
    assert len(fake.sent) == 1


def test_parse_html_matches_telegram_rules() -> None:
    assert parse_html("<b>a</b><i>bc</i>") == (
        "abc",
        [
            {"type": "bold", "offset": 0, "length": 1},
            {"type": "italic", "offset": 1, "length": 2},
        ],
    )
    text, entities = parse_html('😀<pre><code class="language-python">x</code></pre>')
    assert text == "😀x"
    assert entities == [{"type": "pre", "offset": 2, "length": 1, "language": "python"}]
    assert parse_html("&#x1F600;&#65;&nbsp;")[0] == "😀A&nbsp;"
    assert parse_html("<blockquote expandable>q</blockquote>")[1][0]["type"] == (
        "expandable_blockquote"
    )
    for bad, message in [
        ("Ấp <3 và >", 'Unsupported start tag "3" at byte offset 5'),
        ("Ấp <3", "Unclosed start tag at byte offset 5"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href=x"y>z</a>', "Unexpected end of name token at byte offset 8"),
    ]:
        with pytest.raises(ValueError) as caught:
            parse_html(bad)
        assert message in str(caught.value), bad


async def test_blocked_chat_and_unknown_chat(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(1001, "Alice")
    fake.fail_chat(alice.id, 403)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "xin chào")
    assert (await bot.get_chat(alice.id)).first_name == "Alice"  # lookups still work
    fake.unfail_chat(alice.id)
    await bot.send_message(alice.id, "xin chào")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "ai đó")


async def test_unknown_method_and_raw_encodings(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(1001, "Alice")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    url = f"{fake.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
        async with http.get(
            f"{url}/SENDMESSAGE", params={"chat_id": "1001", "text": "123", "reply_markup": markup}
        ) as response:
            body = await response.json()
            assert body["ok"] is True and body["result"]["text"] == "123"
            assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
        payload = {"chat_id": alice.id, "text": "[1]", "reply_markup": markup}
        async with http.post(f"{url}/sendMessage", json=payload) as response:
            assert (await response.json())["result"]["text"] == "[1]"
        form = aiohttp.FormData()
        form.add_field("chat_id", str(alice.id))
        form.add_field("caption", "true")
        form.add_field("document", b"%PDF-1.4", filename="don.pdf", content_type="application/pdf")
        async with http.post(f"{url}/sendDocument", data=form) as response:
            result = (await response.json())["result"]
            assert result["caption"] == "true"
            assert result["document"]["file_name"] == "don.pdf"
    assert [c.params["chat_id"] for c in fake.sent] == [1001, 1001, 1001]


async def test_files_both_ways(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(1001, "Alice")
    incoming = await fake.send_photo(alice, b"\xff\xd8photo-bytes", caption="CCCD mặt trước")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.caption == "CCCD mặt trước"
    photo_file = await update.message.photo[-1].get_file()
    assert bytes(await photo_file.download_as_bytearray()) == b"\xff\xd8photo-bytes"
    assert incoming["photo"][0]["file_id"] == photo_file.file_id

    sent = await bot.send_document(
        alice.id,
        b"noi dung",
        filename="bien-nhan.txt",
        caption="<b>Biên nhận</b>",
        parse_mode=ParseMode.HTML,
    )
    assert sent.caption == "Biên nhận" and sent.document is not None
    assert sent.document.file_name == "bien-nhan.txt"
    document = await bot.get_file(sent.document.file_id)
    assert bytes(await document.download_as_bytearray()) == b"noi dung"
    [record] = fake.sent
    assert record.files["document"].content == b"noi dung"
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")


async def test_other_methods(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(1001, "Alice")
    officer = fake.user(2002, "Cán bộ")
    group = fake.group(-100777, "Tiếp dân", "supergroup")
    await bot.set_my_commands([BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert fake.commands == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "help", "description": "Trợ giúp"},
    ]
    await bot.delete_my_commands()
    assert fake.commands == []

    citizen_msg = await fake.send_text(alice, "Tôi muốn phản ánh")
    forwarded = await bot.forward_message(officer.id, alice.id, citizen_msg["message_id"])
    assert forwarded.forward_origin is not None and forwarded.text == "Tôi muốn phản ánh"
    copied = await bot.copy_message(group.id, alice.id, citizen_msg["message_id"])
    assert fake.messages_to(group)[0]["message_id"] == copied.message_id
    location = await bot.send_location(alice.id, 10.46, 105.63)
    assert location.location is not None and location.location.longitude == 105.63
    assert await bot.delete_message(alice.id, location.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.id, location.message_id)

    chat = await bot.get_chat(group.id)
    assert chat.title == "Tiếp dân"
    fake.set_member(group, officer, "administrator")
    assert (await bot.get_chat_member(group.id, officer.id)).status == "administrator"
    assert (await bot.get_chat_member(group.id, alice.id)).status == "left"
    assert await bot.set_chat_menu_button()
    assert fake.menu_button() == {"type": "default"}
    assert await bot.send_chat_action(alice.id, "typing")
    assert await bot.log_out() and await bot.close()
    assert len(fake.sent) == 3 and fake.deleted == [(alice.id, location.message_id)]


async def test_answering_unknown_callback_fails(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")


async def test_wait_for_times_out_readably(fake: FakeBotApi) -> None:
    with pytest.raises(WaitTimeout, match="did not send 1 matching message"):
        await fake.wait_for(1001, timeout=0.1)


# ------------------------------------------------------------------ webhooks


@asynccontextmanager
async def receiver(
    app_of_bot: Application[Any, Any, Any, Any, Any, Any] | None,
    secret: str,
    fail_first: int = 0,
) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook endpoint that checks the secret as PTB's does and feeds the Application."""
    seen: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(
            {
                "secret": request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                "body": await request.json(),
            }
        )
        if seen[-1]["secret"] != secret:
            return web.Response(status=403)
        if len(seen) <= fail_first:
            return web.Response(status=500)
        if app_of_bot is not None:
            await app_of_bot.update_queue.put(Update.de_json(seen[-1]["body"], app_of_bot.bot))
        return web.Response(status=200)

    async with hook(handle) as url:
        yield url, seen


@asynccontextmanager
async def hook(handle: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """Serve `handle` at a webhook URL on a free local port; yields the URL."""
    web_app = web.Application()
    web_app.router.add_post("/hook", handle)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_webhook_delivery_carries_secret_and_retries(fake: FakeBotApi) -> None:
    alice = fake.user(1001, "Alice")
    app = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).updater(None).build()
    for handler in TOY_HANDLERS:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    try:
        async with receiver(app, "s3cret-Token_1", fail_first=1) as (url, seen):
            await app.bot.set_webhook(url, secret_token="s3cret-Token_1")
            info = await app.bot.get_webhook_info()
            assert info.url == url
            with pytest.raises(Conflict, match="webhook is active"):
                await app.bot.get_updates()
            await fake.send_text(alice, "qua webhook")
            [echo] = await fake.wait_for(alice)
            assert echo["text"] == "Bạn nói: qua webhook"
            assert [s["secret"] for s in seen] == ["s3cret-Token_1", "s3cret-Token_1"]
            assert seen[0]["body"] == seen[1]["body"]  # a retry of the same update
            statuses = [d.status for d in fake.webhook_deliveries]
            assert statuses == [500, 200]
            assert "500" in ((await app.bot.get_webhook_info()).last_error_message or "")
            await app.bot.delete_webhook()
    finally:
        await app.stop()
        await app.shutdown()


async def test_webhook_round_robin_for_two_instances() -> None:
    async with FakeBotApi(multi_webhook=True) as fake:
        alice = fake.user(1001, "Alice")
        async with (
            Bot(TOKEN, base_url=fake.base_url) as bot,
            receiver(None, "a") as (url_a, seen_a),
            receiver(None, "b") as (url_b, seen_b),
        ):
            await bot.set_webhook(url_a, secret_token="a")
            await bot.set_webhook(url_b, secret_token="b")
            assert [t.url for t in fake.webhooks] == [url_a, url_b]
            for n in range(4):
                await fake.send_text(alice, f"tin {n}")
            await fake.wait_until_consumed()
        assert [s["body"]["message"]["text"] for s in seen_a] == ["tin 0", "tin 2"]
        assert [s["body"]["message"]["text"] for s in seen_b] == ["tin 1", "tin 3"]


async def test_webhook_connections_post_several_updates_at_once() -> None:
    """Like Telegram's max_connections: a slow webhook does not hold up the next updates."""
    in_flight, most = 0, 0
    three_at_once = asyncio.Event()

    async def slow_hook(request: web.Request) -> web.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        if in_flight == 3:
            three_at_once.set()
        await asyncio.wait_for(three_at_once.wait(), 5)  # answers only once three are open
        in_flight -= 1
        return web.Response()

    async with hook(slow_hook) as url, FakeBotApi(webhook_connections=3) as fake:
        alice = fake.user(1001, "Alice")
        fake.set_webhook_urls([url])
        for n in range(3):
            await fake.send_text(alice, f"tin {n}")
        await fake.wait_until_consumed()
    assert most == 3
    assert sorted(d.update_id for d in fake.webhook_deliveries if d.ok) == [1, 2, 3]


# ------------------------------------------------------------------ background thread mode


async def test_thread_mode_serves_a_client_in_another_loop() -> None:
    fake = FakeBotApi()
    fake.start_in_thread()
    try:
        alice = fake.user(1001, "Alice")
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            await fake.send_text(alice, "xin chào")
            [update] = await bot.get_updates(timeout=1)
            assert update.message is not None
            await update.message.reply_text("chào bạn")
        [reply] = await fake.wait_for(alice)
        assert reply["text"] == "chào bạn"
    finally:
        fake.stop_thread()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http:
            await http.get(f"{fake.base_url}{TOKEN}/getMe")


def test_thread_mode_from_sync_code() -> None:
    with FakeBotApi() as fake:
        alice = fake.user(1001, "Alice")
        message = fake.run_sync(fake.send_text(alice, "/help"))
        assert message["entities"][0]["type"] == "bot_command"
        assert [u["message"]["text"] for u in fake.pending_updates] == ["/help"]


SUBPROCESS_BOT = """
import sys
from telegram.ext import ApplicationBuilder, MessageHandler, filters

async def echo(update, context):
    await update.effective_message.reply_text("echo: " + update.effective_message.text)

app = ApplicationBuilder().token(sys.argv[1]).base_url(sys.argv[2]).build()
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling(poll_interval=0, timeout=1)
"""


async def test_thread_mode_with_a_bot_subprocess() -> None:
    with FakeBotApi() as fake:
        alice = fake.user(1001, "Alice")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SUBPROCESS_BOT,
            TOKEN,
            fake.base_url,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_for_poller(timeout=15)
            await fake.send_text(alice, "xin chào")
            [reply] = await fake.wait_for(alice)
            assert reply["text"] == "echo: xin chào"
        finally:
            process.send_signal(signal.SIGINT)  # run_polling shuts down cleanly on SIGINT
            _, stderr = await asyncio.wait_for(process.communicate(), 15)
        assert process.returncode == 0, stderr.decode()
        assert fake.pending_updates == []
