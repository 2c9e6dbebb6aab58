"""A loopback fake of the Telegram Bot API for end-to-end tests.

The real python-telegram-bot client is pointed at it with
``base_url=fake.base_url`` and ``base_file_url=fake.base_file_url``; the bot then polls
(``getUpdates``) or receives webhooks exactly as it would from Telegram, while the test plays
the citizens and officials on the other side::

    async with FakeBotApi() as fake:
        alice = fake.user(1001, "Alice")
        app = ApplicationBuilder().token("1:T").base_url(fake.base_url) ... .build()
        ...  # app.initialize(), app.start(), app.updater.start_polling(...)
        await fake.send_text(alice, "/start")
        [greeting] = await fake.wait_for(alice)
        await fake.press(alice, greeting, "menu:procedures")

What it models, and why:

* Telegram's wire format: parameters from the query string, url-encoded and multipart forms
  (what PTB's ``HTTPXRequest`` sends: strings raw, everything else JSON-encoded, files as
  multipart parts) and JSON bodies; answers in the ``{"ok": ..., "result"|"error_code"...}``
  envelope with the HTTP status equal to ``error_code`` (PTB maps the status to its exceptions).
* The checks that catch real bugs before production does: text length, empty text, Telegram's
  HTML subset with its exact error messages (unescaped citizen text), callback data size,
  "message is not modified", replying to/editing/deleting missing messages, chats that blocked
  the bot, answering a callback query twice.
* At-least-once delivery: ``getUpdates`` returns updates until they are confirmed by ``offset``
  and webhook deliveries are retried on non-2xx, so crash tests can count re-deliveries.
* Fault injection (429 + retry_after, 5xx, delays that exceed the client's timeout, dropped
  connections, "applied but the response was lost").

The fake can run in the test's own event loop (``await fake.start()``) or in a background
thread with its own loop (:meth:`FakeBotApi.start_in_thread`) when the bot runs as a
subprocess. All state is guarded by a :class:`threading.RLock` and change notification works
across loops, so the async test helpers may be awaited from any loop in either mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self, TypeVar

import aiohttp
from aiohttp import web

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

_LOG = logging.getLogger(__name__)
_T = TypeVar("_T")

JSONDict = dict[str, Any]
Params = dict[str, Any]

#: Parameters that Telegram types as String. They must never be JSON-decoded: PTB sends string
#: values raw, so a citizen's text "123" or "[1]" has to stay a string.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "photo",
        "document",
        "sticker",
        "voice",
        "audio",
        "video",
        "animation",
        "thumbnail",
        "title",
        "description",
        "short_description",
        "name",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "action",
        "ip_address",
        "emoji",
        "address",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "foursquare_id",
        "google_place_id",
    }
)

#: Methods whose successful result is a new message in a chat (what ``fake.sent`` holds).
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "forwardMessage", "copyMessage"}
)

#: Methods that a chat registered with :meth:`FakeBotApi.fail_chat` still answers: a user who
#: blocked the bot can still be looked up, only talking to them fails.
_CHAT_FAILURE_EXEMPT = frozenset(
    {"getchat", "getchatmember", "getchatmenubutton", "setchatmenubutton", "leavechat"}
)

#: Update types Telegram leaves out unless ``allowed_updates`` asks for them explicitly.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

#: Keys of a Message that describe the envelope, not the content (dropped by copyMessage).
_MESSAGE_META_KEYS = frozenset(
    {
        "message_id",
        "from",
        "chat",
        "date",
        "edit_date",
        "forward_origin",
        "reply_to_message",
        "reply_markup",
        "message_thread_id",
        "is_topic_message",
        "via_bot",
        "author_signature",
    }
)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error answer: becomes ``{"ok": false, "error_code": ..., ...}``.

    The HTTP status of the answer equals ``error_code``, as with Telegram.
    """

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def envelope(self) -> JSONDict:
        """The JSON body Telegram would send for this error."""
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class WaitTimeout(AssertionError):
    """Raised by the ``wait_for*`` helpers; an AssertionError so pytest shows it as a failure."""


# --------------------------------------------------------------------------------------------
# Telegram's HTML subset
# --------------------------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\f\0"


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's own wording."""


def _utf16_len(text: str) -> int:
    # Telegram measures entity offsets and lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _decode_html_entity(text: str, pos: int) -> tuple[str | None, int]:
    """Decode an entity at ``text[pos] == "&"`` the way Telegram's server (tdlib) does.

    Returns the character and the index after the entity, or ``(None, pos)`` when it is not a
    supported entity, in which case Telegram keeps the ``&`` as a literal character.
    """
    n = len(text)
    end = pos + 1
    code = 0
    if end < n and text[end] == "#":
        end += 1
        if end < n and text[end] in "xX":
            end += 1
            start = end
            while end < n and text[end] in "0123456789abcdefABCDEF" and code < 0x110000:
                code = code * 16 + int(text[end], 16)
                end += 1
        else:
            start = end
            while end < n and text[end].isdigit() and code < 0x110000:
                code = code * 10 + int(text[end])
                end += 1
        if end == start:
            return None, pos
    else:
        start = end
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[start:end]
        if name not in _NAMED_ENTITIES:
            return None, pos
        code = ord(_NAMED_ENTITIES[name])
    if code == 0 or code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        return None, pos
    if end < n and text[end] == ";":
        end += 1
    return chr(code), end


_PLAIN_RUN = re.compile(r"[^<&]+")


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into plain text and MessageEntity dicts.

    Mirrors the Bot API server's parser (tdlib ``parse_html``): only the documented tags, the
    named entities ``&lt; &gt; &amp; &quot;`` plus numeric ones, ``<span>`` only with
    ``class="tg-spoiler"``. Errors carry Telegram's wording and UTF-8 byte offsets, e.g.
    ``Unsupported start tag "foo" at byte offset 6``; the caller prefixes
    ``Bad Request: can't parse entities: ``.
    """
    n = len(source)

    def at(k: int) -> str:
        return source[k] if k < n else "\0"

    def byte_offset(k: int) -> int:
        return len(source[:k].encode("utf-8"))

    out: list[str] = []
    u16 = 0
    # Open tags: [tag, argument, utf16 start, extra attributes]
    stack: list[list[Any]] = []
    entities: list[JSONDict] = []
    i = 0
    while i < n:
        c = source[i]
        if c == "&":
            char, after = _decode_html_entity(source, i)
            if char is None:
                char, after = c, i + 1  # not an entity: a plain "&"
            out.append(char)
            u16 += _utf16_len(char)
            i = after
            continue
        if c != "<":
            # A run of plain text, to the next tag or entity, at once: the fake answers load
            # tests on the bot's own cores (bench/bench_e2e.py), so it must be cheap.
            run = _PLAIN_RUN.match(source, i)
            assert run is not None  # source[i] is neither "<" nor "&"
            out.append(run.group())
            u16 += _utf16_len(run.group())
            i = run.end()
            continue

        begin = i
        i += 1
        if at(i) != "/":
            while at(i) not in _SPACES and at(i) != ">":
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = source[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise HtmlParseError(
                    f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}'
                )
            argument = ""
            extra: JSONDict = {}
            while at(i) != ">":
                while i < n and at(i) in _SPACES:
                    i += 1
                if i >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if at(i) == ">":
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in "=>":
                    i += 1
                attr_name = source[attr_begin:i].lower()
                if not attr_name:
                    raise HtmlParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{byte_offset(begin)}"
                    )
                while i < n and at(i) in _SPACES:
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attr_name == "expandable":
                        extra["expandable"] = True
                        continue
                    raise HtmlParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {byte_offset(begin)}'
                    )
                i += 1
                while i < n and at(i) in _SPACES:
                    i += 1
                if i >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                value_chars: list[str] = []
                if at(i) not in "'\"":
                    # An unquoted name token: letters, digits, periods and hyphens.
                    token_begin = i
                    while i < n and (source[i].isalnum() or source[i] in ".-"):
                        i += 1
                    value = source[token_begin:i].lower()
                    if at(i) not in _SPACES and at(i) != ">":
                        raise HtmlParseError(
                            f"Unexpected end of name token at byte offset "
                            f"{byte_offset(token_begin)}"
                        )
                else:
                    quote = source[i]
                    i += 1
                    while i < n and source[i] != quote:
                        if source[i] == "&":
                            char, after = _decode_html_entity(source, i)
                            if char is not None:
                                value_chars.append(char)
                                i = after
                                continue
                        value_chars.append(source[i])
                        i += 1
                    if i >= n:
                        raise HtmlParseError(
                            f"Unclosed start tag at byte offset {byte_offset(begin)}"
                        )
                    i += 1
                    value = "".join(value_chars)
                # Unknown attributes are ignored, as Telegram does.
                if (
                    (tag == "a" and attr_name == "href")
                    or (tag == "span" and attr_name == "class")
                    or (tag == "tg-emoji" and attr_name == "emoji-id")
                ):
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
            if tag == "span" and argument != "tg-spoiler":
                raise HtmlParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
                )
            stack.append([tag, argument, u16, extra])
            i += 1  # past ">"
        else:
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            i += 1  # past "/"
            name_begin = i
            while at(i) not in _SPACES and at(i) != ">":
                i += 1
            end_tag = source[name_begin:i].lower()
            while i < n and at(i) in _SPACES:
                i += 1
            if at(i) != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            tag, argument, start, extra = stack[-1]
            if end_tag and end_tag != tag:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                    f'expected "</{tag}>", found "</{end_tag}>"'
                )
            stack.pop()
            i += 1
            length = u16 - start
            if tag == "code" and argument and stack and stack[-1][0] == "pre":
                # <pre><code class="language-x"> is one pre entity with a language.
                stack[-1][1] = argument
                continue
            if length <= 0:
                continue
            entity: JSONDict = {"type": _HTML_TAGS[tag], "offset": start, "length": length}
            if tag == "a":
                entity["url"] = argument
            elif tag == "tg-emoji":
                entity["custom_emoji_id"] = argument
            elif tag == "pre" and argument:
                entity["language"] = argument
            elif tag == "blockquote" and extra.get("expandable"):
                entity["type"] = "expandable_blockquote"
            entities.append(entity)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Trim surrounding whitespace like Telegram does, keeping entity offsets right."""
    stripped_left = text.lstrip()
    shift = _utf16_len(text) - _utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = _utf16_len(result)
    fixed = []
    for entity in entities:
        begin = max(0, entity["offset"] - shift)
        end = min(total, entity["offset"] + entity["length"] - shift)
        if end > begin:
            fixed.append({**entity, "offset": begin, "length": end - begin})
    return result, fixed


_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")
_HASHTAG_RE = re.compile(r"(?<![\w#])#\w+")
_URL_RE = re.compile(r"https?://[^\s<>\"]+")


def detect_entities(text: str) -> list[JSONDict]:
    """Entities Telegram's clients attach to a typed text: commands, mentions, hashtags, urls.

    ``/start`` must come with a ``bot_command`` entity at offset 0, or PTB's CommandHandler
    ignores it.
    """
    found: list[JSONDict] = []
    for kind, pattern in (
        ("bot_command", _COMMAND_RE),
        ("mention", _MENTION_RE),
        ("hashtag", _HASHTAG_RE),
        ("url", _URL_RE),
    ):
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": _utf16_len(text[: match.start()]),
                    "length": _utf16_len(match.group()),
                }
            )
    found.sort(key=lambda e: e["offset"])
    return found


# --------------------------------------------------------------------------------------------
# Records and test-side objects
# --------------------------------------------------------------------------------------------


def _drop_none(data: JSONDict) -> JSONDict:
    return {k: v for k, v in data.items() if v is not None}


@dataclass
class FakeUser:
    """A Telegram user the test acts as (a citizen or an official)."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "vi"
    last_name: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        """The User object as Telegram sends it."""
        return _drop_none(
            {
                "id": self.id,
                "is_bot": self.is_bot,
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
                "language_code": self.language_code,
            }
        )

    def private_chat(self) -> JSONDict:
        """The private Chat between this user and the bot (its id is the user's id)."""
        return _drop_none(
            {
                "id": self.id,
                "type": "private",
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
            }
        )


@dataclass
class FakeChat:
    """A group, supergroup or channel the bot is a member of."""

    id: int
    title: str
    type: str = "group"
    username: str | None = None
    is_forum: bool | None = None

    def to_dict(self) -> JSONDict:
        """The Chat object as Telegram sends it."""
        return _drop_none(
            {
                "id": self.id,
                "type": self.type,
                "title": self.title,
                "username": self.username,
                "is_forum": self.is_forum,
            }
        )


@dataclass
class FakeFile:
    """A file the fake can hand out through getFile and ``/file/bot<token>/<file_path>``."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def file_size(self) -> int:
        """Size in bytes."""
        return len(self.content)

    def to_file_dict(self) -> JSONDict:
        """The File object getFile returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }


@dataclass
class UploadedPart:
    """A multipart file part of a request."""

    filename: str | None
    content_type: str | None
    content: bytes


@dataclass
class ApiCall:
    """One request the bot made, and what the fake answered.

    ``response`` is the whole envelope; ``message`` is the full Message the call created or
    edited (for copyMessage, whose result is only a MessageId, the stored copy).
    """

    seq: int
    method: str
    params: Params
    token: str
    time: float
    files: dict[str, UploadedPart] = field(default_factory=dict)
    status: int = 200
    response: JSONDict = field(default_factory=dict)
    message: JSONDict | None = None
    fault: Fault | None = None

    @property
    def ok(self) -> bool:
        """Whether Telegram would have answered ``ok: true``."""
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` field of a successful answer."""
        return self.response.get("result")

    @property
    def chat_id(self) -> int | str | None:
        """The target chat: from the resulting message, else the ``chat_id`` parameter."""
        if self.message is not None:
            return self.message["chat"]["id"]
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """Text or caption of the resulting message (plain text, after HTML parsing)."""
        if self.message is not None:
            return self.message.get("text", self.message.get("caption"))
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def reply_markup(self) -> JSONDict | None:
        """The reply_markup the bot sent, including reply keyboards (which the returned
        Message does not carry)."""
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None


@dataclass
class Fault:
    """An injected failure; see :meth:`FakeBotApi.inject`."""

    method: str
    status: int | None
    retry_after: int | None = None
    delay: float = 0.0
    remaining: int | None = 1
    description: str | None = None
    chat_id: int | str | None = None
    deliver: bool = False
    disconnect: bool = False
    hits: int = 0

    def matches(self, method_lower: str, params: Params) -> bool:
        """Whether this fault applies to a call (and is not used up)."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method not in ("*", method_lower):
            return False
        return self.chat_id is None or _same_chat(params.get("chat_id"), self.chat_id)

    def error(self) -> ApiError:
        """The error answer this fault produces."""
        assert self.status is not None
        parameters = {"retry_after": self.retry_after} if self.retry_after else None
        description = self.description or _default_description(self.status, self.retry_after)
        return ApiError(self.status, description, parameters)


@dataclass
class WebhookTarget:
    """A URL updates are POSTed to, with the secret the bot registered for it."""

    url: str
    secret_token: str | None = None


@dataclass
class WebhookDelivery:
    """One attempt to POST an update to a webhook."""

    update_id: int
    url: str
    status: int | None
    ok: bool
    time: float
    error: str | None = None


def _default_description(status: int, retry_after: int | None = None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    if status == 403:
        return "Forbidden: bot was blocked by the user"
    if status == 400:
        return "Bad Request: chat not found"
    if status == 409:
        return "Conflict: terminated by other getUpdates request"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _same_chat(raw: Any, chat_id: int | str) -> bool:
    if raw is None:
        return False
    return str(raw) == str(chat_id)


def _canonical(method: str) -> str:
    return _CANONICAL.get(method.lower(), method)


def _decode_param(name: str, value: Any) -> Any:
    """Turn a transport value into the typed parameter Telegram would see.

    Form fields are strings; PTB JSON-encodes every non-string value (ints, bools, markups,
    entity lists), so those are decoded, except for String-typed parameters.
    """
    if name in STRING_PARAMS:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        return value


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


class _Signal:
    """A "something changed" broadcast that works across threads and event loops.

    Waiters remember the version they saw before checking their condition, so a change that
    happens between the check and the wait is never missed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    @property
    def version(self) -> int:
        with self._lock:
            return self._version

    def notify(self) -> None:
        with self._lock:
            self._version += 1
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            # The loop may be gone (a finished test); nothing is waiting there any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, future)

    async def wait(self, since: int, timeout: float) -> None:
        """Return when the version differs from ``since`` or after ``timeout`` seconds."""
        if timeout <= 0:
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (loop, future)
        with self._lock:
            if self._version != since:
                return
            self._waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove(entry)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# --------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------

_Handler = Callable[["FakeBotApi", Params, ApiCall], Awaitable[Any]]
_HANDLERS: dict[str, _Handler] = {}
_CANONICAL: dict[str, str] = {}


def _api_method(name: str) -> Callable[[_Handler], _Handler]:
    """Register a Bot API method; lookup is case-insensitive like Telegram's."""

    def register(func: _Handler) -> _Handler:
        _HANDLERS[name.lower()] = func
        _CANONICAL[name.lower()] = name
        return func

    return register


class FakeBotApi:
    """Loopback fake of the Telegram Bot API server plus the test-side controls.

    Args:
        token: if given, only this bot token is accepted (others get 401); by default any.
        bot_id: the bot's user id; by default the numeric prefix of the token in use.
        bot_username / bot_first_name: what getMe reports.
        strict_chats: sending to a chat the test never introduced (:meth:`user`,
            :meth:`group`) fails with "chat not found", as it does on Telegram for a user who
            never started the bot. Set False to auto-create private chats.
        multi_webhook: every setWebhook call adds its URL to a pool that is served round-robin
            (for several bot instances behind one bot); default: the last call wins, as on
            Telegram.
        webhook_retry_delay / webhook_timeout / webhook_max_attempts: delivery tuning; a
            failed delivery is retried (on the next URL of the pool) after the delay, and an
            update is dropped after ``webhook_max_attempts`` failures (None: never).
        webhook_connections: how many updates are posted at once (Telegram's
            ``max_connections``, 40 by default there); 1 posts them one at a time, in order.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_id: int | None = None,
        bot_username: str = "fake_citizen_bot",
        bot_first_name: str = "Fake Citizen Bot",
        strict_chats: bool = True,
        multi_webhook: bool = False,
        webhook_retry_delay: float = 0.1,
        webhook_timeout: float = 5.0,
        webhook_max_attempts: int | None = 100,
        webhook_connections: int = 1,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_chats = strict_chats
        self.multi_webhook = multi_webhook
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_connections = webhook_connections
        self._bot_id = bot_id

        self._lock = threading.RLock()
        self._signal = _Signal()
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)

        # Server plumbing.
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port: int | None = None
        self._host = "127.0.0.1"
        self._closing = False
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None

        # Bot-facing state.
        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._active_polls = 0
        self._webhooks: list[WebhookTarget] = []
        self._webhook_rr = 0
        self._webhook_attempts: Counter[int] = Counter()
        self._webhook_in_flight: set[int] = set()
        self._webhook_last_error: tuple[int, str] | None = None
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, JSONDict] = {}
        self._participants: defaultdict[int, set[int]] = defaultdict(set)
        self._members: dict[tuple[int, int], JSONDict] = {}
        self._message_counters: defaultdict[int, int] = defaultdict(int)
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._bot_messages: set[tuple[int, int]] = set()
        self._deleted: set[tuple[int, int]] = set()
        self._files: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._open_queries: dict[str, JSONDict] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._menu_buttons: dict[int | None, JSONDict] = {}
        self._reply_keyboards: dict[int, JSONDict] = {}
        self._profile: dict[tuple[str, str], str] = {}
        self._faults: list[Fault] = []
        self._failed_chats: dict[str, ApiError] = {}

        # Records for assertions.
        self._calls: list[ApiCall] = []
        self._sent: list[ApiCall] = []
        self._edits: list[ApiCall] = []
        self._answered: list[JSONDict] = []
        self._chat_actions: list[JSONDict] = []
        self._deleted_log: list[tuple[int, int]] = []
        self._deliveries: Counter[int] = Counter()
        self._webhook_log: list[WebhookDelivery] = []
        self._webhook_history: list[Params] = []
        self._consumed: dict[str, set[int]] = defaultdict(set)

    # ---------------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving on ``host:port`` (0 picks a free port) in the running loop.

        May be called again after :meth:`stop` (e.g. with the same port to simulate a
        Telegram outage); the state is kept.
        """
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # shutdown_timeout is short because stop() wakes every long poll first.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        server = site._server  # the only way to learn the port picked for port=0
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self._port = sockets[0].getsockname()[1] if sockets else port
        self._host = host
        self._runner = runner
        self._loop = asyncio.get_running_loop()
        self._closing = False
        self._session = aiohttp.ClientSession()
        self._webhook_task = asyncio.create_task(self._webhook_worker(), name="fake-webhooks")
        _LOG.debug("FakeBotApi listening on %s", self.base_url)

    async def stop(self) -> None:
        """Stop serving: pending long polls return ``[]`` and webhook delivery ends."""
        if self._runner is None:
            return
        self._closing = True
        self._signal.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start_in_thread(
        self, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0
    ) -> None:
        """Run the server in a daemon thread with its own event loop; return once it listens.

        For tests that start the bot as a subprocess (``python -m bot run``): the fake keeps
        answering while the test blocks. The async helpers still work from the test's loop.
        """
        if self._thread is not None:
            raise RuntimeError("FakeBotApi thread already running")
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start(host, port))
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.stop())
                # Whatever is left (e.g. a client's abandoned request) must not outlive the loop.
                leftovers = asyncio.all_tasks(loop)
                for task in leftovers:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name="FakeBotApi", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("FakeBotApi did not start in time")
        if failure:
            self._thread = None
            raise failure[0]

    def stop_thread(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start_in_thread` and join its thread."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        # stop() runs in the thread's own loop (the finally of run()); just end the loop.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None

    def __enter__(self) -> Self:
        self.start_in_thread()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_thread()

    def run_sync(self, coro: Coroutine[Any, Any, _T], timeout: float = 30.0) -> _T:
        """Run a helper coroutine from synchronous test code (thread mode only).

        Example: ``fake.run_sync(fake.send_text(alice, "hi"))``.
        """
        if self._thread is None or self._loop is None:
            coro.close()
            raise RuntimeError("run_sync needs start_in_thread()")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def port(self) -> int:
        """The TCP port the fake listens on."""
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Pass as ``base_url`` to ``telegram.Bot`` / ``ApplicationBuilder``."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass as ``base_file_url`` to ``telegram.Bot`` / ``ApplicationBuilder``."""
        return f"http://{self._host}:{self.port}/file/bot"

    # ---------------------------------------------------------------------- HTTP layer

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        lower = raw_method.lower()
        call = ApiCall(
            seq=next(self._seq),
            method=_canonical(raw_method),
            params={},
            token=token,
            time=time.time(),
        )
        try:
            call.params, call.files = await self._read_params(request)
            result = await self._execute(lower, call, request)
        except ApiError as error:
            call.status = error.error_code
            call.response = error.envelope()
        except _Disconnect:
            call.status = 0
            call.response = {"ok": False, "description": "connection dropped by fault"}
            self._record(call)
            if request.transport is not None:
                request.transport.abort()
            # Nothing can reach the client any more; aiohttp needs a response object anyway.
            return web.Response(status=500)
        else:
            call.response = {"ok": True, "result": result}
        self._record(call)
        return web.json_response(call.response, status=call.status)

    async def _read_params(self, request: web.Request) -> tuple[Params, dict[str, UploadedPart]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedPart] = {}
        if request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from exc
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON object expected")
                raw.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedPart(
                            value.filename, value.content_type, value.file.read()
                        )
                    else:
                        raw[key] = value
        return {k: _decode_param(k, v) for k, v in raw.items()}, files

    async def _execute(self, lower: str, call: ApiCall, request: web.Request) -> Any:
        if self.token is not None and call.token != self.token:
            raise ApiError(401, "Unauthorized")
        fault = self._take_fault(lower, call.params)
        if fault is not None:
            call.fault = fault
            if fault.delay:
                await self._sleep(fault.delay)
            if fault.disconnect:
                if fault.deliver:
                    with contextlib.suppress(ApiError):
                        await self._dispatch(lower, call)
                raise _Disconnect
            if fault.status is not None:
                if fault.deliver:
                    # The method takes effect but the answer is lost: the duplicate maker.
                    with contextlib.suppress(ApiError):
                        await self._dispatch(lower, call)
                raise fault.error()
        return await self._dispatch(lower, call)

    async def _dispatch(self, lower: str, call: ApiCall) -> Any:
        handler = _HANDLERS.get(lower)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if lower not in _CHAT_FAILURE_EXEMPT and "chat_id" in call.params:
            with self._lock:
                failure = self._failed_chats.get(str(call.params["chat_id"]))
            if failure is not None:
                raise ApiError(failure.error_code, failure.description, failure.parameters)
        return await handler(self, call.params, call)

    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self._calls.append(call)
        _LOG.debug("%s %s -> %s", call.method, call.params, call.status)
        self._signal.notify()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if self.token is not None and request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        with self._lock:
            fake_file = self._files_by_path.get(request.match_info["path"])
        if fake_file is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=fake_file.content, content_type=fake_file.mime_type or "application/octet-stream"
        )

    def _take_fault(self, lower: str, params: Params) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(lower, params):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    fault.hits += 1
                    return fault
        return None

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up when the server stops so shutdown never waits for a fault."""
        deadline = time.monotonic() + seconds
        while not self._closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            await self._signal.wait(self._signal.version, remaining)

    # ---------------------------------------------------------------------- shared helpers

    def _bot_id_for(self, token: str) -> int:
        if self._bot_id is not None:
            return self._bot_id
        prefix = token.split(":", 1)[0]
        return int(prefix) if prefix.isdigit() else 100000001

    def _bot_user(self, token: str) -> JSONDict:
        return {
            "id": self._bot_id_for(token),
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _resolve_chat(self, raw: Any, name: str = "chat_id") -> JSONDict:
        """Find the chat a call addresses; Telegram's errors for missing/unknown ones."""
        if raw is None or raw == "":
            raise ApiError(400, f"Bad Request: {name} is empty")
        with self._lock:
            if isinstance(raw, str) and raw.startswith("@"):
                for chat in self._chats.values():
                    if chat.get("username", "").lower() == raw[1:].lower():
                        return chat
                raise ApiError(400, "Bad Request: chat not found")
            try:
                chat_id = int(raw)
            except (TypeError, ValueError) as exc:
                raise ApiError(400, "Bad Request: chat not found") from exc
            known = self._chats.get(chat_id)
            if known is not None:
                return known
            if self.strict_chats or chat_id < 0:
                raise ApiError(400, "Bad Request: chat not found")
            chat = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
            self._chats[chat_id] = chat
            return chat

    def _new_message_id(self, chat_id: int) -> int:
        # One counter per chat for both directions, as in Telegram's private chats and groups.
        with self._lock:
            self._message_counters[chat_id] += 1
            return self._message_counters[chat_id]

    def _format_text(
        self, params: Params, text_key: str, entities_key: str, limit: int, kind: str
    ) -> tuple[str, list[JSONDict]]:
        """Apply parse_mode / entities to ``params[text_key]`` with Telegram's checks."""
        raw = params.get(text_key)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            raw = str(raw)
        parse_mode = params.get("parse_mode")
        entities = params.get(entities_key)
        if entities:
            if not isinstance(entities, list):
                raise ApiError(400, f"Bad Request: can't parse {entities_key} JSON object")
            text = raw
            entities = list(entities)
        elif parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                try:
                    text, entities = parse_html(raw)
                except HtmlParseError as exc:
                    raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
            elif mode in ("markdown", "markdownv2"):
                # Not parsed: tests of this project use HTML. The text is stored as sent.
                text, entities = raw, []
            else:
                raise ApiError(400, "Bad Request: unsupported parse_mode")
        else:
            text, entities = raw, []
        text, entities = _strip_text(text, entities)
        if kind == "text" and not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > limit:
            raise ApiError(
                400,
                "Bad Request: message is too long"
                if kind == "text"
                else "Bad Request: message caption is too long",
            )
        return text, entities

    def _check_markup(self, params: Params) -> JSONDict | None:
        """Validate reply_markup like Telegram; return the inline part a Message carries."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, "Bad Request: can't parse inline keyboard JSON object")
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or "text" not in button:
                        raise ApiError(
                            400,
                            "Bad Request: can't parse inline keyboard button: "
                            'Field "text" must be of type String',
                        )
                    actions = [a for a in _INLINE_BUTTON_ACTIONS if a in button]
                    if not actions:
                        raise ApiError(
                            400,
                            "Bad Request: can't parse inline keyboard button: "
                            "Text buttons are unallowed in the inline keyboard",
                        )
                    if "callback_data" in button:
                        data = str(button["callback_data"]).encode("utf-8")
                        if not 1 <= len(data) <= MAX_CALLBACK_DATA_BYTES:
                            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            return markup if rows else None
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, "Bad Request: can't parse keyboard JSON object")
        return None

    def _remember_keyboard(self, chat_id: int, params: Params) -> None:
        markup = params.get("reply_markup")
        if not isinstance(markup, dict):
            return
        with self._lock:
            if "keyboard" in markup:
                self._reply_keyboards[chat_id] = markup
            elif markup.get("remove_keyboard"):
                self._reply_keyboards.pop(chat_id, None)

    def _reply_to(self, chat_id: int, params: Params) -> JSONDict | None:
        reply = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            target_chat = reply.get("chat_id", chat_id)
            message_id = reply.get("message_id")
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            target_chat, message_id = chat_id, params["reply_to_message_id"]
        else:
            return None
        with self._lock:
            try:
                key = (int(target_chat), int(message_id))  # type: ignore[arg-type]
                found = self._messages.get(key)
            except (TypeError, ValueError):
                found = None
        if found is None:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in found.items() if k != "reply_to_message"}

    def _store_bot_message(
        self, call: ApiCall, chat: JSONDict, content: JSONDict, *, markup: JSONDict | None
    ) -> JSONDict:
        """Create a message from the bot in ``chat`` and record it in ``sent``."""
        chat_id = chat["id"]
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "from": self._bot_user(call.token),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        reply_to = self._reply_to(chat_id, call.params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if call.params.get("message_thread_id") is not None:
            message["message_thread_id"] = call.params["message_thread_id"]
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        key = (chat_id, message["message_id"])
        with self._lock:
            self._messages[key] = message
            self._bot_messages.add(key)
            self._sent.append(call)
        self._remember_keyboard(chat_id, call.params)
        call.message = message
        return message

    def _file_from_param(self, call: ApiCall, name: str, kind: str) -> FakeFile:
        """The file a send* call refers to: an upload, a file_id or a URL."""
        value = call.params.get(name)
        part = call.files.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            part = call.files.get(value[len("attach://") :])
        if part is not None:
            return self.register_file(
                part.content,
                kind=kind,
                file_name=part.filename,
                mime_type=part.content_type,
            )
        if isinstance(value, str) and value:
            with self._lock:
                known = self._files.get(value)
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                # Telegram would download it; the fake just makes up an empty file.
                return self.register_file(b"", kind=kind, file_name=value.rsplit("/", 1)[-1])
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {name} in the request")

    def _content_of(self, message: JSONDict) -> JSONDict:
        return {k: copy.deepcopy(v) for k, v in message.items() if k not in _MESSAGE_META_KEYS}

    def _source_message(self, params: Params) -> JSONDict:
        source_chat = self._resolve_chat(params.get("from_chat_id"), "from_chat_id")
        try:
            message_id = int(params.get("message_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request: message identifier is not specified") from exc
        with self._lock:
            found = self._messages.get((source_chat["id"], message_id))
        if found is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        return found

    def _editable(self, params: Params, call: ApiCall) -> tuple[tuple[int, int], JSONDict]:
        chat = self._resolve_chat(params.get("chat_id"))
        try:
            message_id = int(params.get("message_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request: message identifier is not specified") from exc
        key = (chat["id"], message_id)
        with self._lock:
            current = self._messages.get(key)
            from_bot = key in self._bot_messages
        if current is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return key, current

    def _store_edit(self, key: tuple[int, int], new: JSONDict, call: ApiCall) -> JSONDict:
        new["edit_date"] = int(time.time())
        with self._lock:
            self._messages[key] = new
            self._edits.append(call)
        call.message = new
        return new

    # ---------------------------------------------------------------------- update queue

    def _enqueue(self, update: JSONDict) -> JSONDict:
        with self._lock:
            if "update_id" not in update:
                update = {"update_id": self._next_update_id, **update}
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            self._updates.append(update)
            self._updates.sort(key=lambda u: u["update_id"])
        self._signal.notify()
        return update

    @staticmethod
    def _update_type(update: JSONDict) -> str:
        return next((k for k in update if k != "update_id"), "")

    def _is_allowed(self, update: JSONDict) -> bool:
        kind = self._update_type(update)
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATE_TYPES

    def _confirm(self, offset: int) -> None:
        # Telegram forgets updates below a positive offset; a negative one keeps the last -N.
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[JSONDict]:
        """Pending updates of allowed types; updates of other types are dropped for good."""
        self._updates = [u for u in self._updates if self._is_allowed(u)]
        return copy.deepcopy(self._updates[:limit])

    async def _webhook_worker(self) -> None:
        """Deliver queued updates to the webhook pool in update_id order, up to
        ``webhook_connections`` at a time."""
        lanes = [asyncio.create_task(self._webhook_lane()) for _ in range(self.webhook_connections)]
        try:
            await asyncio.gather(*lanes)
        finally:
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)

    def _next_for_webhook(self) -> JSONDict | None:
        """The oldest deliverable update not being posted already (a copy)."""
        self._updates = [u for u in self._updates if self._is_allowed(u)]
        for update in self._updates:
            if update["update_id"] not in self._webhook_in_flight:
                return copy.deepcopy(update)
        return None

    async def _webhook_lane(self) -> None:
        while not self._closing:
            version = self._signal.version
            with self._lock:
                target: WebhookTarget | None = None
                update: JSONDict | None = None
                if self._webhooks:
                    update = self._next_for_webhook()
                    if update is not None:
                        self._webhook_in_flight.add(update["update_id"])
                        target = self._webhooks[self._webhook_rr % len(self._webhooks)]
                        self._webhook_rr += 1
            if target is None or update is None:
                await self._signal.wait(version, 1.0)
                continue
            try:
                ok, status, error = await self._post_update(target, update)
            finally:
                with self._lock:
                    self._webhook_in_flight.discard(update["update_id"])
            update_id = update["update_id"]
            with self._lock:
                self._webhook_log.append(
                    WebhookDelivery(update_id, target.url, status, ok, time.time(), error)
                )
                if ok:
                    self._deliveries[update_id] += 1
                    self._updates = [u for u in self._updates if u["update_id"] != update_id]
                else:
                    self._webhook_attempts[update_id] += 1
                    self._webhook_last_error = (int(time.time()), error or f"HTTP {status}")
                    if (
                        self.webhook_max_attempts is not None
                        and self._webhook_attempts[update_id] >= self.webhook_max_attempts
                    ):
                        self._updates = [u for u in self._updates if u["update_id"] != update_id]
            self._signal.notify()
            if not ok:
                await self._sleep(self.webhook_retry_delay)

    async def _post_update(
        self, target: WebhookTarget, update: JSONDict
    ) -> tuple[bool, int | None, str | None]:
        headers = {"Content-Type": "application/json"}
        if target.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = target.secret_token
        assert self._session is not None
        try:
            async with self._session.post(
                target.url,
                data=json.dumps(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return True, response.status, None
                reason = f"Wrong response from the webhook: {response.status} {response.reason}"
                return False, response.status, reason
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return False, None, f"Connection failed: {exc!r}"

    # ---------------------------------------------------------------------- Bot API methods

    @_api_method("getMe")
    async def _get_me(self, params: Params, call: ApiCall) -> Any:
        return {
            **self._bot_user(call.token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @_api_method("logOut")
    async def _log_out(self, params: Params, call: ApiCall) -> Any:
        return True

    @_api_method("close")
    async def _close(self, params: Params, call: ApiCall) -> Any:
        return True

    @_api_method("getUpdates")
    async def _get_updates(self, params: Params, call: ApiCall) -> Any:
        try:
            offset = int(params.get("offset") or 0)
            limit = min(100, max(1, int(params.get("limit") or 100)))
            timeout = max(0.0, float(params.get("timeout") or 0))
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request: wrong parameter in getUpdates") from exc
        with self._lock:
            if self._webhooks:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if isinstance(params.get("allowed_updates"), list):
                self._allowed_updates = list(params["allowed_updates"])
            self._confirm(offset)
            self._poll_generation += 1
            generation = self._poll_generation
            self._active_polls += 1
        # Wake an older long poll so it can be told it was superseded (two bot instances).
        self._signal.notify()
        try:
            return await self._long_poll(generation, limit, time.monotonic() + timeout)
        finally:
            with self._lock:
                self._active_polls -= 1
            self._signal.notify()

    async def _long_poll(self, generation: int, limit: int, deadline: float) -> list[JSONDict]:
        while True:
            version = self._signal.version
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                if self._closing:
                    return []
                batch = self._deliverable(limit)
                if batch:
                    for update in batch:
                        self._deliveries[update["update_id"]] += 1
                    return batch
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await self._signal.wait(version, remaining)

    @_api_method("setWebhook")
    async def _set_webhook(self, params: Params, call: ApiCall) -> Any:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        with self._lock:
            self._webhook_history.append(dict(params))
            if params.get("drop_pending_updates"):
                self._updates.clear()
            if isinstance(params.get("allowed_updates"), list):
                self._allowed_updates = list(params["allowed_updates"])
            if not url:
                self._webhooks = []
            else:
                target = WebhookTarget(str(url), secret)
                if self.multi_webhook:
                    self._webhooks = [t for t in self._webhooks if t.url != target.url]
                    self._webhooks.append(target)
                else:
                    self._webhooks = [target]
            self._webhook_last_error = None
        self._signal.notify()
        return True

    @_api_method("deleteWebhook")
    async def _delete_webhook(self, params: Params, call: ApiCall) -> Any:
        with self._lock:
            self._webhooks = []
            if params.get("drop_pending_updates"):
                self._updates.clear()
        self._signal.notify()
        return True

    @_api_method("getWebhookInfo")
    async def _get_webhook_info(self, params: Params, call: ApiCall) -> Any:
        with self._lock:
            info: JSONDict = {
                "url": self._webhooks[0].url if self._webhooks else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if self._webhooks:
                info["max_connections"] = 40
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
            if self._webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    @_api_method("setMyCommands")
    async def _set_my_commands(self, params: Params, call: ApiCall) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(
                r"[a-z0-9_]{1,32}", str(command.get("command", ""))
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description must be non-empty")
        with self._lock:
            self._commands[self._command_key(params)] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        return True

    @_api_method("getMyCommands")
    async def _get_my_commands(self, params: Params, call: ApiCall) -> Any:
        with self._lock:
            return copy.deepcopy(self._commands.get(self._command_key(params), []))

    @_api_method("deleteMyCommands")
    async def _delete_my_commands(self, params: Params, call: ApiCall) -> Any:
        with self._lock:
            self._commands.pop(self._command_key(params), None)
        return True

    @staticmethod
    def _command_key(params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    @_api_method("setMyDescription")
    async def _set_my_description(self, params: Params, call: ApiCall) -> Any:
        return self._set_profile("description", params)

    @_api_method("getMyDescription")
    async def _get_my_description(self, params: Params, call: ApiCall) -> Any:
        return {"description": self._get_profile("description", params)}

    @_api_method("setMyShortDescription")
    async def _set_my_short_description(self, params: Params, call: ApiCall) -> Any:
        return self._set_profile("short_description", params)

    @_api_method("getMyShortDescription")
    async def _get_my_short_description(self, params: Params, call: ApiCall) -> Any:
        return {"short_description": self._get_profile("short_description", params)}

    @_api_method("setMyName")
    async def _set_my_name(self, params: Params, call: ApiCall) -> Any:
        return self._set_profile("name", params)

    @_api_method("getMyName")
    async def _get_my_name(self, params: Params, call: ApiCall) -> Any:
        return {"name": self._get_profile("name", params) or self.bot_first_name}

    def _set_profile(self, field_name: str, params: Params) -> bool:
        with self._lock:
            key = (field_name, str(params.get("language_code") or ""))
            self._profile[key] = str(params.get(field_name) or "")
        return True

    def _get_profile(self, field_name: str, params: Params) -> str:
        with self._lock:
            return self._profile.get((field_name, str(params.get("language_code") or "")), "")

    @_api_method("sendMessage")
    async def _send_message(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        text, entities = self._format_text(params, "text", "entities", MAX_TEXT_LENGTH, "text")
        markup = self._check_markup(params)
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            content["link_preview_options"] = params["link_preview_options"]
        return self._store_bot_message(call, chat, content, markup=markup)

    @_api_method("sendPhoto")
    async def _send_photo(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        caption = self._caption_content(params)
        markup = self._check_markup(params)
        photo = self._file_from_param(call, "photo", "photo")
        content = {"photo": self.photo_sizes(photo), **caption}
        return self._store_bot_message(call, chat, content, markup=markup)

    @_api_method("sendDocument")
    async def _send_document(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        caption = self._caption_content(params)
        markup = self._check_markup(params)
        document = self._file_from_param(call, "document", "document")
        content = {"document": self.document_dict(document), **caption}
        return self._store_bot_message(call, chat, content, markup=markup)

    def _caption_content(self, params: Params) -> JSONDict:
        if params.get("caption") is None:
            return {}
        caption, entities = self._format_text(
            params, "caption", "caption_entities", MAX_CAPTION_LENGTH, "caption"
        )
        content: JSONDict = {"caption": caption} if caption else {}
        if entities:
            content["caption_entities"] = entities
        return content

    @_api_method("sendLocation")
    async def _send_location(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        try:
            latitude = float(params["latitude"])
            longitude = float(params["longitude"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request: wrong latitude or longitude specified") from exc
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ApiError(400, "Bad Request: wrong latitude or longitude specified")
        location: JSONDict = {"latitude": latitude, "longitude": longitude}
        for extra in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if params.get(extra) is not None:
                location[extra] = params[extra]
        markup = self._check_markup(params)
        return self._store_bot_message(call, chat, {"location": location}, markup=markup)

    @_api_method("forwardMessage")
    async def _forward_message(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        source = self._source_message(params)
        sender = source.get("from") or {}
        if source["chat"]["type"] in ("channel",):
            origin: JSONDict = {
                "type": "channel",
                "chat": source["chat"],
                "message_id": source["message_id"],
                "date": source["date"],
            }
        else:
            origin = {"type": "user", "sender_user": sender, "date": source["date"]}
        content = {**self._content_of(source), "forward_origin": origin}
        return self._store_bot_message(call, chat, content, markup=None)

    @_api_method("copyMessage")
    async def _copy_message(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        source = self._source_message(params)
        content = self._content_of(source)
        if params.get("caption") is not None:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption_content(params))
        markup = self._check_markup(params)
        message = self._store_bot_message(call, chat, content, markup=markup)
        return {"message_id": message["message_id"]}

    @_api_method("editMessageText")
    async def _edit_message_text(self, params: Params, call: ApiCall) -> Any:
        if params.get("inline_message_id"):
            return True  # inline messages are not tracked
        key, current = self._editable(params, call)
        if "text" not in current:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._format_text(params, "text", "entities", MAX_TEXT_LENGTH, "text")
        # No reply_markup in an edit removes the inline keyboard, as on Telegram.
        markup = self._check_markup(params)
        if (
            text == current.get("text")
            and entities == current.get("entities", [])
            and markup == current.get("reply_markup")
        ):
            raise ApiError(400, _NOT_MODIFIED)
        new = {k: v for k, v in current.items() if k not in ("entities", "reply_markup")}
        new["text"] = text
        if entities:
            new["entities"] = entities
        if markup is not None:
            new["reply_markup"] = markup
        return self._store_edit(key, new, call)

    @_api_method("editMessageCaption")
    async def _edit_message_caption(self, params: Params, call: ApiCall) -> Any:
        if params.get("inline_message_id"):
            return True
        key, current = self._editable(params, call)
        caption = self._caption_content(params)
        markup = self._check_markup(params)
        if (
            caption.get("caption") == current.get("caption")
            and caption.get("caption_entities") == current.get("caption_entities")
            and markup == current.get("reply_markup")
        ):
            raise ApiError(400, _NOT_MODIFIED)
        new = {
            k: v
            for k, v in current.items()
            if k not in ("caption", "caption_entities", "reply_markup")
        }
        new.update(caption)
        if markup is not None:
            new["reply_markup"] = markup
        return self._store_edit(key, new, call)

    @_api_method("editMessageReplyMarkup")
    async def _edit_message_reply_markup(self, params: Params, call: ApiCall) -> Any:
        if params.get("inline_message_id"):
            return True
        key, current = self._editable(params, call)
        markup = self._check_markup(params)
        if markup == current.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        new = {k: v for k, v in current.items() if k != "reply_markup"}
        if markup is not None:
            new["reply_markup"] = markup
        return self._store_edit(key, new, call)

    @_api_method("deleteMessage")
    async def _delete_message(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        try:
            key = (chat["id"], int(params.get("message_id")))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request: message identifier is not specified") from exc
        with self._lock:
            if key not in self._messages:
                raise ApiError(400, "Bad Request: message to delete not found")
            del self._messages[key]
            self._deleted.add(key)
            self._deleted_log.append(key)
        return True

    @_api_method("answerCallbackQuery")
    async def _answer_callback_query(self, params: Params, call: ApiCall) -> Any:
        query_id = params.get("callback_query_id")
        if not query_id:
            raise ApiError(400, "Bad Request: query_id is empty")
        if params.get("text") is not None and len(str(params["text"])) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        with self._lock:
            if self._open_queries.pop(str(query_id), None) is None:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or "
                    "query ID is invalid",
                )
            self._answered.append(dict(params))
        return True

    @_api_method("sendChatAction")
    async def _send_chat_action(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        with self._lock:
            self._chat_actions.append({"chat_id": chat["id"], "action": params["action"]})
        return True

    @_api_method("getFile")
    async def _get_file(self, params: Params, call: ApiCall) -> Any:
        file_id = params.get("file_id")
        if not file_id:
            raise ApiError(400, "Bad Request: file_id is empty")
        with self._lock:
            fake_file = self._files.get(str(file_id))
        if fake_file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return fake_file.to_file_dict()

    @_api_method("getChat")
    async def _get_chat(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        # ChatFullInfo: PTB 22 requires these fields.
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    @_api_method("getChatMember")
    async def _get_chat_member(self, params: Params, call: ApiCall) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        try:
            user_id = int(params.get("user_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request: user_id is empty") from exc
        with self._lock:
            explicit = self._members.get((chat["id"], user_id))
            user = self._users.get(user_id)
            participant = user_id in self._participants[chat["id"]]
        if explicit is not None:
            return copy.deepcopy(explicit)
        bot_id = self._bot_id_for(call.token)
        if user_id == bot_id:
            bot = self._bot_user(call.token)
            if chat["type"] == "private":
                return {"status": "member", "user": bot}
            return _member_dict("administrator", bot)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        if chat["type"] == "private":
            if chat["id"] != user_id:
                raise ApiError(400, "Bad Request: user not found")
            return {"status": "member", "user": user.to_dict()}
        return _member_dict("member" if participant else "left", user.to_dict())

    @_api_method("setChatMenuButton")
    async def _set_chat_menu_button(self, params: Params, call: ApiCall) -> Any:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else self._resolve_chat(chat_id)["id"]
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        with self._lock:
            self._menu_buttons[key] = button
        return True

    @_api_method("getChatMenuButton")
    async def _get_chat_menu_button(self, params: Params, call: ApiCall) -> Any:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else self._resolve_chat(chat_id)["id"]
        with self._lock:
            return (
                self._menu_buttons.get(key) or self._menu_buttons.get(None) or {"type": "commands"}
            )

    @_api_method("pinChatMessage")
    async def _pin_chat_message(self, params: Params, call: ApiCall) -> Any:
        self._resolve_chat(params.get("chat_id"))
        return True

    @_api_method("unpinChatMessage")
    async def _unpin_chat_message(self, params: Params, call: ApiCall) -> Any:
        self._resolve_chat(params.get("chat_id"))
        return True

    @_api_method("leaveChat")
    async def _leave_chat(self, params: Params, call: ApiCall) -> Any:
        self._resolve_chat(params.get("chat_id"))
        return True

    # ---------------------------------------------------------------------- test side: actors

    def user(
        self,
        id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "vi",
        *,
        last_name: str | None = None,
    ) -> FakeUser:
        """Introduce a user (citizen or official); their private chat with the bot exists."""
        fake_user = FakeUser(id, first_name, username, language_code, last_name)
        with self._lock:
            self._users[id] = fake_user
            self._chats[id] = fake_user.private_chat()
        return fake_user

    def group(
        self,
        id: int,
        title: str,
        type: str = "group",
        *,
        username: str | None = None,
    ) -> FakeChat:
        """Introduce a group/supergroup/channel the bot is in (ids are negative on Telegram)."""
        if type not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        chat = FakeChat(id, title, type, username)
        with self._lock:
            self._chats[id] = chat.to_dict()
        return chat

    def set_member(
        self, chat: FakeChat | int, user: FakeUser, status: str = "member", **fields: Any
    ) -> None:
        """Make getChatMember answer ``status`` ("creator", "administrator", "member",
        "restricted", "left", "kicked") for ``user`` in ``chat``; ``fields`` override."""
        chat_id = chat if isinstance(chat, int) else chat.id
        with self._lock:
            self._members[(chat_id, user.id)] = {
                **_member_dict(status, user.to_dict()),
                **fields,
            }

    def register_file(
        self,
        content: bytes,
        *,
        kind: str = "document",
        file_name: str | None = None,
        mime_type: str | None = None,
        file_path: str | None = None,
    ) -> FakeFile:
        """Make bytes available to the bot via getFile and the file URL."""
        number = next(self._ids)
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[-1]
        elif kind == "photo":
            extension = ".jpg"
        fake_file = FakeFile(
            file_id=f"FAKE{kind.upper()}{number:06d}AAQ",
            file_unique_id=f"FU{number:06d}",
            content=content,
            file_path=file_path or f"{kind}s/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type or ("image/jpeg" if kind == "photo" else None),
        )
        with self._lock:
            self._files[fake_file.file_id] = fake_file
            self._files_by_path[fake_file.file_path] = fake_file
        return fake_file

    @staticmethod
    def photo_sizes(fake_file: FakeFile, width: int = 1280, height: int = 960) -> list[JSONDict]:
        """A Message.photo list for a registered file (one size)."""
        return [
            {
                "file_id": fake_file.file_id,
                "file_unique_id": fake_file.file_unique_id,
                "file_size": fake_file.file_size,
                "width": width,
                "height": height,
            }
        ]

    @staticmethod
    def document_dict(fake_file: FakeFile) -> JSONDict:
        """A Message.document object for a registered file."""
        return _drop_none(
            {
                "file_id": fake_file.file_id,
                "file_unique_id": fake_file.file_unique_id,
                "file_size": fake_file.file_size,
                "file_name": fake_file.file_name,
                "mime_type": fake_file.mime_type,
            }
        )

    # ---------------------------------------------------------------------- test side: input

    async def send_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (``update_id`` is assigned when missing); returns it."""
        return self._enqueue(copy.deepcopy(update))

    async def send_message(
        self,
        user: FakeUser,
        chat: FakeChat | int | None = None,
        *,
        reply_to: JSONDict | int | None = None,
        **fields: Any,
    ) -> JSONDict:
        """Queue a message from ``user`` with arbitrary content fields; returns the Message.

        ``chat`` defaults to the user's private chat. Examples:
        ``send_message(alice, location={"latitude": 10.45, "longitude": 105.63})``,
        ``send_message(alice, sticker={...})``, ``send_message(alice, text="x", entities=[])``.
        A ``text``/``caption`` without explicit entities gets the ones a client would detect.
        """
        chat_dict = self._chat_for(user, chat)
        chat_id = chat_dict["id"]
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "from": user.to_dict(),
            "chat": chat_dict,
            "date": int(time.time()),
        }
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else reply_to["message_id"]
            with self._lock:
                replied = self._messages.get((chat_id, reply_id))
            if replied is None:
                raise ValueError(f"no message {reply_id} in chat {chat_id} to reply to")
            message["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        message.update(copy.deepcopy(fields))
        if isinstance(message.get("text"), str) and "entities" not in fields:
            entities = detect_entities(message["text"])
            if entities:
                message["entities"] = entities
        if isinstance(message.get("caption"), str) and "caption_entities" not in fields:
            entities = detect_entities(message["caption"])
            if entities:
                message["caption_entities"] = entities
        with self._lock:
            self._messages[(chat_id, message["message_id"])] = message
            self._participants[chat_id].add(user.id)
        self._enqueue({"message": message})
        return message

    async def send_text(
        self,
        user: FakeUser,
        text: str,
        chat: FakeChat | int | None = None,
        *,
        reply_to: JSONDict | int | None = None,
    ) -> JSONDict:
        """The user types ``text`` (``/start`` becomes a command); returns the Message."""
        return await self.send_message(user, chat, reply_to=reply_to, text=text)

    async def send_location(
        self,
        user: FakeUser,
        latitude: float,
        longitude: float,
        chat: FakeChat | int | None = None,
    ) -> JSONDict:
        """The user shares a location (e.g. via a request_location button)."""
        return await self.send_message(
            user, chat, location={"latitude": latitude, "longitude": longitude}
        )

    async def send_contact(
        self,
        user: FakeUser,
        phone_number: str,
        chat: FakeChat | int | None = None,
        *,
        own: bool = True,
        first_name: str | None = None,
    ) -> JSONDict:
        """The user shares a contact; ``own=True`` is what a request_contact button sends
        (the contact carries the sender's user_id)."""
        contact = _drop_none(
            {
                "phone_number": phone_number,
                "first_name": first_name or user.first_name,
                "last_name": user.last_name if own else None,
                "user_id": user.id if own else None,
            }
        )
        return await self.send_message(user, chat, contact=contact)

    async def send_photo(
        self,
        user: FakeUser,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        caption: str | None = None,
        chat: FakeChat | int | None = None,
    ) -> JSONDict:
        """The user sends a photo; its bytes are downloadable by the bot."""
        fake_file = self.register_file(content, kind="photo")
        fields: JSONDict = {"photo": self.photo_sizes(fake_file)}
        if caption is not None:
            fields["caption"] = caption
        return await self.send_message(user, chat, **fields)

    async def send_document(
        self,
        user: FakeUser,
        content: bytes,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        chat: FakeChat | int | None = None,
    ) -> JSONDict:
        """The user sends a file; its bytes are downloadable by the bot."""
        fake_file = self.register_file(content, file_name=file_name, mime_type=mime_type)
        fields: JSONDict = {"document": self.document_dict(fake_file)}
        if caption is not None:
            fields["caption"] = caption
        return await self.send_message(user, chat, **fields)

    async def press(
        self,
        user: FakeUser,
        message: JSONDict | ApiCall,
        callback_data: str | None = None,
        *,
        button_text: str | None = None,
        check: bool = True,
    ) -> str:
        """The user presses an inline button of a message the bot sent; returns the query id.

        The button is looked up in the message's current state (after edits) by
        ``callback_data`` or ``button_text``; with ``check`` a missing button or a deleted
        message fails the test, since a real user could not press it.
        """
        if isinstance(message, ApiCall):
            if message.message is None:
                raise ValueError("that call produced no message")
            message = message.message
        key = (message["chat"]["id"], message["message_id"])
        with self._lock:
            current = self._messages.get(key)
        if current is None:
            if check:
                raise AssertionError(f"message {key} does not exist (deleted?)")
            current = message
        buttons = [
            button
            for row in (current.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]
        chosen = next(
            (
                b
                for b in buttons
                if (callback_data is not None and b.get("callback_data") == callback_data)
                or (button_text is not None and b.get("text") == button_text)
            ),
            None,
        )
        if chosen is None and check:
            shown = [(b.get("text"), b.get("callback_data")) for b in buttons]
            raise AssertionError(
                f"no inline button data={callback_data!r} text={button_text!r} in message "
                f"{key}; buttons: {shown}"
            )
        data = chosen.get("callback_data") if chosen is not None else callback_data
        query_id = str(8_000_000_000_000_000 + next(self._ids))
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(current),
            "chat_instance": str(abs(hash((key[0], user.id))) % 10**18),
            "data": data,
        }
        with self._lock:
            self._open_queries[query_id] = query
        self._enqueue({"callback_query": query})
        return query_id

    def _chat_for(self, user: FakeUser, chat: FakeChat | int | None) -> JSONDict:
        with self._lock:
            self._users.setdefault(user.id, user)
            if chat is None:
                self._chats.setdefault(user.id, user.private_chat())
                return dict(self._chats[user.id])
            chat_id = chat if isinstance(chat, int) else chat.id
            if chat_id not in self._chats:
                if isinstance(chat, FakeChat):
                    self._chats[chat_id] = chat.to_dict()
                else:
                    raise ValueError(f"unknown chat {chat_id}; create it with fake.group()")
            return dict(self._chats[chat_id])

    # ---------------------------------------------------------------------- test side: faults

    def inject(
        self,
        method: str,
        status: int | None = 429,
        *,
        retry_after: int | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        description: str | None = None,
        chat_id: int | str | None = None,
        deliver: bool = False,
        disconnect: bool = False,
    ) -> Fault:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail; returns the Fault.

        * ``status=429`` answers "Too Many Requests" with ``parameters.retry_after``
          (default 1): PTB raises ``RetryAfter``. ``status=500``/``502`` → ``NetworkError``.
        * ``delay`` makes the server sleep first; with ``status=None`` the call then succeeds,
          so a delay longer than the client's read timeout is a timeout on the bot's side while
          the message still gets sent (as on Telegram).
        * ``deliver=True`` applies the method and then answers the error: the lost-answer
          case that makes a retrying bot send duplicates.
        * ``disconnect=True`` drops the connection without an answer.
        * ``chat_id`` limits the fault to calls addressed to that chat; ``times=None`` means
          until :meth:`clear_faults`.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(
            method=method.lower(),
            status=status,
            retry_after=retry_after,
            delay=delay,
            remaining=times,
            description=description,
            chat_id=chat_id,
            deliver=deliver,
            disconnect=disconnect,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def slow(self, method: str, seconds: float, *, times: int | None = 1) -> Fault:
        """Answer ``method`` after ``seconds`` (successfully): a timeout for a fast client."""
        return self.inject(method, status=None, delay=seconds, times=times)

    def clear_faults(self) -> None:
        """Remove all injected faults (not chat failures)."""
        with self._lock:
            self._faults.clear()

    def fail_chat(
        self, chat_id: int | str, status: int = 403, description: str | None = None
    ) -> None:
        """Every call addressed to ``chat_id`` fails; 403 = "bot was blocked by the user"."""
        with self._lock:
            self._failed_chats[str(chat_id)] = ApiError(
                status, description or _default_description(status)
            )

    def unfail_chat(self, chat_id: int | str) -> None:
        """Undo :meth:`fail_chat` (the user unblocked the bot)."""
        with self._lock:
            self._failed_chats.pop(str(chat_id), None)

    # ---------------------------------------------------------------------- test side: webhooks

    def set_webhook_urls(self, urls: Iterable[str], secret_token: str | None = None) -> None:
        """Deliver updates round-robin to ``urls`` (as if the bots had set them)."""
        with self._lock:
            self._webhooks = [WebhookTarget(url, secret_token) for url in urls]
        self._signal.notify()

    @property
    def webhooks(self) -> list[WebhookTarget]:
        """The current webhook pool (empty when polling)."""
        with self._lock:
            return list(self._webhooks)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook POST attempt, successful or not."""
        with self._lock:
            return list(self._webhook_log)

    @property
    def webhook_history(self) -> list[Params]:
        """Parameters of every setWebhook call."""
        with self._lock:
            return list(self._webhook_history)

    # ---------------------------------------------------------------------- test side: queries

    @property
    def calls(self) -> list[ApiCall]:
        """Every request the bot made (including failed ones and getUpdates)."""
        with self._lock:
            return list(self._calls)

    @property
    def sent(self) -> list[ApiCall]:
        """Calls that put a new message in a chat (send*, forward, copy).

        Normally successful ones; a call hit by a ``deliver=True`` fault is here too (the
        message arrived although the bot got an error), which is what duplicate checks need.
        """
        with self._lock:
            return list(self._sent)

    def sent_since(self, count: int) -> list[ApiCall]:
        """`sent` after its first `count` calls: a load test's reader polling for new ones
        copies only those."""
        with self._lock:
            return self._sent[count:]

    @property
    def edits(self) -> list[ApiCall]:
        """Successful editMessage* calls."""
        with self._lock:
            return list(self._edits)

    @property
    def answered_callbacks(self) -> list[JSONDict]:
        """Parameters of successful answerCallbackQuery calls."""
        with self._lock:
            return list(self._answered)

    @property
    def chat_actions(self) -> list[JSONDict]:
        """``{"chat_id", "action"}`` of each sendChatAction."""
        with self._lock:
            return list(self._chat_actions)

    @property
    def deleted(self) -> list[tuple[int, int]]:
        """``(chat_id, message_id)`` of each message the bot deleted."""
        with self._lock:
            return list(self._deleted_log)

    @property
    def commands(self) -> list[JSONDict]:
        """The bot's command list for the default scope and no language."""
        return self.commands_for()

    def commands_for(
        self, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """The command list set for a scope (a BotCommandScope dict) and language."""
        key = self._command_key({"scope": scope, "language_code": language_code})
        with self._lock:
            return copy.deepcopy(self._commands.get(key, []))

    def menu_button(self, chat_id: int | None = None) -> JSONDict | None:
        """The menu button set for a chat (None: the default one)."""
        with self._lock:
            return copy.deepcopy(self._menu_buttons.get(chat_id))

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued but not yet confirmed by the bot."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def messages_to(
        self, chat_id: int | FakeUser | FakeChat, *, include_deleted: bool = False
    ) -> list[JSONDict]:
        """The messages the bot sent to a chat, oldest first, in their current (edited) state."""
        target = chat_id if isinstance(chat_id, int) else chat_id.id
        result = []
        with self._lock:
            for call in self._sent:
                assert call.message is not None
                key = (call.message["chat"]["id"], call.message["message_id"])
                if key[0] != target:
                    continue
                current = self._messages.get(key)
                if current is not None:
                    result.append(current)
                elif include_deleted:
                    result.append(call.message)
            # Copies: a test mutating what it got must not change the fake's state.
            return copy.deepcopy(result)

    def reply_keyboard(self, chat_id: int | FakeUser | FakeChat) -> JSONDict | None:
        """The reply keyboard the user currently sees in a chat (None if removed/never sent)."""
        target = chat_id if isinstance(chat_id, int) else chat_id.id
        with self._lock:
            return copy.deepcopy(self._reply_keyboards.get(target))

    def delivery_counts(self) -> Counter[int]:
        """How often each update_id was handed to the bot (getUpdates results plus successful
        webhook POSTs). Counts above 1 are re-deliveries."""
        with self._lock:
            return Counter(self._deliveries)

    def redelivered_updates(self) -> dict[int, int]:
        """update_id → delivery count, for updates handed out more than once."""
        return {k: v for k, v in self.delivery_counts().items() if v > 1}

    def duplicates(
        self, key: Callable[[ApiCall], Hashable] | None = None
    ) -> dict[Hashable, list[ApiCall]]:
        """Groups of sent messages that share a key, for groups of two or more.

        The default key is ``(chat_id, text-or-caption)``: put an idempotency marker in the
        text and any message delivered twice shows up here.
        """
        key_of = key or (lambda call: (call.chat_id, call.text))
        groups: defaultdict[Hashable, list[ApiCall]] = defaultdict(list)
        for call in self.sent:
            groups[key_of(call)].append(call)
        return {k: v for k, v in groups.items() if len(v) > 1}

    # ---------------------------------------------------------------------- test side: waiting

    async def _wait_until(self, check: Callable[[], _T | None], timeout: float) -> _T | None:
        deadline = time.monotonic() + timeout
        while True:
            version = self._signal.version
            outcome = check()
            if outcome is not None:
                return outcome
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            await self._signal.wait(version, remaining)

    async def _wait_records(
        self,
        stream: str,
        source: Callable[[], list[ApiCall]],
        match: Callable[[ApiCall], bool],
        count: int,
        timeout: float,
        consume: bool,
    ) -> list[ApiCall] | None:
        def check() -> list[ApiCall] | None:
            with self._lock:
                consumed = self._consumed[stream]
                hits = [c for c in source() if c.seq not in consumed and match(c)]
                if len(hits) < count:
                    return None
                hits = hits[:count]
                if consume:
                    consumed.update(c.seq for c in hits)
                return hits

        return await self._wait_until(check, timeout)

    @staticmethod
    def _target_filter(
        target: Callable[[JSONDict], bool] | int | FakeUser | FakeChat | None,
        chat_id: int | None,
        predicate: Callable[[JSONDict], bool] | None,
    ) -> tuple[int | None, Callable[[JSONDict], bool] | None]:
        if callable(target) and not isinstance(target, FakeUser | FakeChat):
            predicate = target
        elif isinstance(target, int):
            chat_id = target
        elif isinstance(target, FakeUser | FakeChat):
            chat_id = target.id
        return chat_id, predicate

    async def wait_for(
        self,
        target: Callable[[JSONDict], bool] | int | FakeUser | FakeChat | None = None,
        *,
        chat_id: int | None = None,
        predicate: Callable[[JSONDict], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,
        consume: bool = True,
    ) -> list[JSONDict]:
        """Wait until the bot has sent ``count`` new messages matching, and return them.

        ``target`` is a chat id, a user/chat (its chat) or a predicate on the Message dict.
        Messages returned are *consumed*: the next ``wait_for`` only sees later ones, so a
        conversation reads naturally (send, wait, send, wait). Non-matching messages stay
        available. Raises :class:`WaitTimeout` (an AssertionError) listing what was sent.
        """
        chat_id, predicate = self._target_filter(target, chat_id, predicate)

        def match(call: ApiCall) -> bool:
            message = call.message
            assert message is not None
            if chat_id is not None and message["chat"]["id"] != chat_id:
                return False
            return predicate is None or bool(predicate(message))

        found = await self._wait_records("sent", lambda: self._sent, match, count, timeout, consume)
        if found is None:
            raise WaitTimeout(
                f"bot did not send {count} matching message(s) to chat {chat_id} within "
                f"{timeout}s; sent so far: {self._describe(self.sent)}"
            )
        with self._lock:
            return [copy.deepcopy(call.message) for call in found if call.message is not None]

    async def wait_for_edit(
        self,
        target: Callable[[JSONDict], bool] | int | FakeUser | FakeChat | None = None,
        *,
        chat_id: int | None = None,
        predicate: Callable[[JSONDict], bool] | None = None,
        message_id: int | None = None,
        count: int = 1,
        timeout: float = 5.0,
        consume: bool = True,
    ) -> list[JSONDict]:
        """Like :meth:`wait_for` for edits; returns the edited Message dicts."""
        chat_id, predicate = self._target_filter(target, chat_id, predicate)

        def match(call: ApiCall) -> bool:
            message = call.message
            assert message is not None
            if chat_id is not None and message["chat"]["id"] != chat_id:
                return False
            if message_id is not None and message["message_id"] != message_id:
                return False
            return predicate is None or bool(predicate(message))

        found = await self._wait_records(
            "edits", lambda: self._edits, match, count, timeout, consume
        )
        if found is None:
            raise WaitTimeout(
                f"bot did not edit {count} matching message(s) in chat {chat_id} within "
                f"{timeout}s; edits so far: {self._describe(self.edits)}"
            )
        with self._lock:
            return [copy.deepcopy(call.message) for call in found if call.message is not None]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
        consume: bool = True,
        ok: bool | None = None,
    ) -> list[ApiCall]:
        """Wait for ``count`` calls of ``method`` (any case; ``ok`` filters on success)."""
        wanted = method.lower()

        def match(call: ApiCall) -> bool:
            if call.method.lower() != wanted:
                return False
            if ok is not None and call.ok != ok:
                return False
            return predicate is None or bool(predicate(call))

        found = await self._wait_records(
            "calls", lambda: self._calls, match, count, timeout, consume
        )
        if found is None:
            seen = Counter(c.method for c in self.calls)
            raise WaitTimeout(f"no {count}x {method} within {timeout}s; calls so far: {seen}")
        return found

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 5.0) -> JSONDict:
        """Wait until the bot answered the callback query ``query_id``; return the params."""

        def check() -> JSONDict | None:
            with self._lock:
                return next(
                    (a for a in self._answered if str(a.get("callback_query_id")) == query_id),
                    None,
                )

        answer = await self._wait_until(check, timeout)
        if answer is None:
            raise WaitTimeout(f"callback query {query_id} was not answered within {timeout}s")
        return answer

    @property
    def active_polls(self) -> int:
        """How many getUpdates requests are being served right now."""
        with self._lock:
            return self._active_polls

    async def wait_for_poller(self, timeout: float = 5.0) -> None:
        """Wait until the bot is inside a getUpdates call, i.e. its polling loop is up."""

        def check() -> bool | None:
            with self._lock:
                return True if self._active_polls > 0 else None

        if await self._wait_until(check, timeout) is None:
            raise WaitTimeout(f"no getUpdates request arrived within {timeout}s")

    async def wait_until_consumed(self, timeout: float = 5.0) -> None:
        """Wait until the bot has confirmed every queued update (polling offset or 2xx)."""

        def check() -> bool | None:
            with self._lock:
                return True if not self._updates else None

        if await self._wait_until(check, timeout) is None:
            raise WaitTimeout(f"{len(self.pending_updates)} update(s) still pending")

    async def assert_no_message(
        self, chat_id: int | FakeUser | FakeChat | None = None, within: float = 0.3
    ) -> None:
        """Fail if the bot sends a (not yet consumed) message to the chat within ``within`` s."""
        target = None if chat_id is None else chat_id if isinstance(chat_id, int) else chat_id.id
        with contextlib.suppress(WaitTimeout):
            extra = await self.wait_for(chat_id=target, timeout=within, consume=False)
            raise AssertionError(f"unexpected message(s) to chat {target}: {extra}")

    @staticmethod
    def _describe(calls: list[ApiCall]) -> str:
        if not calls:
            return "nothing"
        lines = [f"[{c.chat_id}] {c.method}: {(c.text or '')[:80]!r}" for c in calls[-10:]]
        return "\n  " + "\n  ".join(lines)


class _Disconnect(Exception):
    """Internal: the fault asks to drop the connection."""


def _member_dict(status: str, user: JSONDict) -> JSONDict:
    """A ChatMember dict with every field PTB 22 requires for ``status``."""
    if status == "creator":
        return {"status": status, "user": user, "is_anonymous": False}
    if status == "administrator":
        rights = (
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_pin_messages",
        )
        return {
            "status": status,
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            **dict.fromkeys(rights, True),
        }
    if status == "restricted":
        flags = (
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
            "can_send_messages",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_manage_topics",
            "can_send_audios",
            "can_send_documents",
            "can_send_photos",
            "can_send_videos",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_edit_tag",
        )
        return {
            "status": status,
            "user": user,
            "is_member": True,
            "until_date": 0,
            **dict.fromkeys(flags, False),
        }
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    if status in ("member", "left"):
        return {"status": status, "user": user}
    raise ValueError(f"unknown chat member status {status!r}")
