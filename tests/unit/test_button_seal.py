"""Sealed button data: valid only in its chat and exactly as made, within Telegram's 64 bytes."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.button_seal import ROOM, TELEGRAM_DATA_LIMIT, key_from_token, seal, short_key, unseal
from bot.notify import seal_inline, sealed_json

KEY = key_from_token("123:TEST")


def test_a_sealed_button_opens_only_in_its_chat_and_unaltered():
    sealed = seal(KEY, 9002, "o|ack|PA-7KQ3M-X9ZTA")
    assert unseal(KEY, 9002, sealed) == "o|ack|PA-7KQ3M-X9ZTA"
    assert unseal(KEY, 5001, sealed) is None  # forwarded to another chat
    assert unseal(key_from_token("999:OTHER"), 9002, sealed) is None  # another bot's button
    assert unseal(KEY, 9002, sealed.replace("7KQ3M", "7KQ3N")) is None  # pointed elsewhere
    assert unseal(KEY, 9002, "o|ack|PA-7KQ3M-X9ZTA") is None  # typed by hand
    assert unseal(KEY, 9002, None) is None and unseal(KEY, 9002, "") is None


def test_the_longest_data_the_bot_makes_still_fits_telegrams_limit():
    longest_id = "a" * 40  # knowledge ids are at most 40 characters
    for data in (
        f"c|category|{longest_id}",
        f"s|{longest_id}|d",
        f"o|trto|PA-7KQ3M-X9ZTA|{short_key(longest_id)}",
        "o|extd|PA-7KQ3M-X9ZTA|30",
    ):
        assert len(seal(KEY, -1001234567890, data).encode()) <= TELEGRAM_DATA_LIMIT


def test_data_too_long_to_seal_is_a_programming_error_not_a_broken_button():
    with pytest.raises(ValueError):
        seal(KEY, 1, "x" * (ROOM + 1))
    with pytest.raises(ValueError):
        seal(KEY, 1, "a~b")


def test_any_text_pressed_as_a_button_is_refused_without_an_error():
    for forged in ("\x80~\U000f7339¸áo", "o|ack|X~ÀÀÀÀÀÀÀÀÀÀ", "~", "~~", "a" * 64):
        assert unseal(KEY, 9002, forged) is None


def test_buttons_sealed_straight_into_json_are_those_sealed_as_objects():
    # Replies in private chats send the JSON form (bot.notify.sealed_json); group replies and
    # the outbox send button objects. Telegram must get the same buttons either way.
    bot = Bot("123:TEST")
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("📑 Hồ sơ", callback_data="s|khai-sinh|d"),
                InlineKeyboardButton("Cổng dịch vụ công", url="https://dichvucong.gov.vn"),
            ],
            [
                InlineKeyboardButton(
                    "Gửi", callback_data="c|confirm|send", style="success", icon_custom_emoji_id="5"
                )
            ],
        ]
    )
    wire = sealed_json(bot, 9002, markup)
    assert wire == seal_inline(bot, 9002, markup).to_dict()
    assert isinstance(wire, dict)
    data = [b.get("callback_data") for row in wire["inline_keyboard"] for b in row]
    assert [unseal(KEY, 9002, d) if d else None for d in data] == [
        "s|khai-sinh|d",
        None,
        "c|confirm|send",
    ]
    menu = ReplyKeyboardMarkup([["Hỏi thủ tục"]])
    assert sealed_json(bot, 9002, menu) is menu  # nothing to seal: sent as it is
