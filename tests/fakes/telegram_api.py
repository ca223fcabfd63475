"""A fake Telegram Bot API server, served by uvicorn on loopback, for the tests.

The real python-telegram-bot client (or plain httpx) talks to it over HTTP::

    async with FakeTelegram(token="123:ABC") as tg:
        bot = Bot("123:ABC", base_url=tg.base_url, base_file_url=tg.file_url)
        # or: Application.builder().token("123:ABC").base_url(tg.base_url)
        #                          .base_file_url(tg.file_url).build()

PTB appends the token to ``base_url`` (``"{base_url}{token}/{method}"``), so
``tg.base_url`` is ``f"{tg.api_url}/bot"`` and a request lands on
``{api_url}/bot{token}/{method}``, exactly like ``https://api.telegram.org``.

The fake answers like the real server (``{"ok": true, "result": ...}``, or
``{"ok": false, "error_code": ..., "description": ...}``), refuses what the real one
refuses (text over 4096 characters, empty text, callback data over 64 bytes, broken
HTML, unknown methods, a wrong token, ...), records every call, and lets a test play
the user (``user_sends_text``, ``user_taps``, ...) and inject faults (``fail_next``).
``hold`` keeps calls waiting before the fake takes them: one whose client goes away
meanwhile is dropped, never delivered (as when a sender process dies mid-call).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import itertools
import json
import math
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

JSON = dict[str, Any]
Button = tuple[str, str | None]

FaultKind = Literal[
    "retry_after",  # 429 Too Many Requests with parameters.retry_after
    "server_error",  # 500 Internal Server Error
    "timeout",  # holds the request past the client's timeout; nothing is delivered
    "timeout_after_delivery",  # delivers, then holds the answer past the client's timeout
    "blocked",  # 403 Forbidden: bot was blocked by the user
    "chat_not_found",  # 400 Bad Request: chat not found
]

DEFAULT_TOKEN = "123456:TEST-TOKEN"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200

_METHOD_NAMES = (
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "deleteMessages",
    "answerCallbackQuery",
    "sendVoice",
    "sendChatAction",
    "getFile",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
)
# Bot API method names are case-insensitive.
_METHODS = {name.lower(): name for name in _METHOD_NAMES}
_SEND_METHODS = ("sendMessage", "sendVoice")
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
# Update types the real server leaves out unless asked for by allowed_updates.
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
    "web_app",
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_CLOSE_TIMEOUT = 5.0
CLIENT_CLOSED = 499
"""The status a held call gets when its client went away before the hold ended."""


# --------------------------------------------------------------------------- records


@dataclass
class SentRecord:
    """One successful outbound call that changed what the user sees.

    ``method`` is one of sendMessage, sendVoice, editMessageText,
    editMessageReplyMarkup, deleteMessage, deleteMessages (one record per deleted
    message). ``text`` is the text this call set, as the user sees it (HTML tags
    removed, entities decoded); None for voice without caption, markup-only edits
    and deletions. ``buttons`` are the inline keyboard rows as (text, callback_data)
    pairs (callback_data is None for URL and other buttons). ``params`` are the
    request parameters as received (form values are strings). ``at`` is
    ``time.monotonic()`` when the fake accepted the call.
    """

    method: str
    chat_id: int
    message_id: int | None
    text: str | None
    buttons: list[list[Button]]
    reply_markup: JSON | None
    voice: bytes | None
    params: JSON
    at: float


@dataclass
class ChatMessage:
    """A message as it now stands in a chat (edits applied, deleted ones gone)."""

    chat_id: int
    message_id: int
    from_bot: bool
    text: str | None
    buttons: list[list[Button]]
    voice_file_id: str | None
    raw: JSON


@dataclass
class Call:
    """Every request that reached a known method, answered or not (yet).

    ``status`` is None while the request is held (a "timeout" fault, ``hold``), else
    the HTTP status the fake answered with (``CLIENT_CLOSED`` for a held call whose
    client went away: not delivered); ``description`` is the error description.
    """

    method: str
    params: JSON
    chat_id: int | None
    at: float
    status: int | None = None
    description: str | None = None


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int


@dataclass
class _Fault:
    method: str
    kind: FaultKind
    remaining: int
    retry_after: float
    delay: float | None
    chat_id: int | None


@dataclass
class _Gate:
    method: str
    let_through: int
    opened: asyncio.Event


@dataclass
class _Pending:
    update: JSON
    redelivery: bool

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class _Stored:
    message: JSON
    from_bot: bool
    source: tuple[str, str | None] | None = None  # raw text and parse_mode, for edits
    markup: JSON | None = None  # inline keyboard markup, as echoed


@dataclass
class _Upload:
    filename: str | None
    content: bytes
    content_type: str | None


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


# --------------------------------------------------------------------------- parameters


class _Params:
    """Request parameters from a query string, a JSON body or a form."""

    def __init__(self, values: JSON, uploads: dict[str, _Upload]) -> None:
        self.values = values
        self.uploads = uploads

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise ApiError(400, f'Bad Request: field "{name}" must be of type String')

    def get_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer') from None

    def get_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f'Bad Request: field "{name}" must be a Number') from None

    def get_bool(self, name: str) -> bool:
        return self.values.get(name) in (True, 1, "true", "True", "1")

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None

    def get_file(self, name: str) -> _Upload | str | None:
        """An uploaded file (also via ``attach://``), or a file_id / URL string."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.get_str(name)
        if value is not None and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, f"Bad Request: file {value} not found in the request")
            return upload
        return value


async def _read_params(request: Request) -> _Params:
    values: JSON = dict(request.query_params)
    uploads: dict[str, _Upload] = {}
    content_type = request.headers.get("content-type", "").lower()
    if request.method == "POST":
        if content_type.startswith("application/json"):
            body = await request.body()
            if body.strip():
                try:
                    data = json.loads(body)
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON request body") from None
                if not isinstance(data, dict):
                    raise ApiError(400, "Bad Request: JSON request body must be an object")
                values.update(data)
        elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            async with request.form() as form:
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        content = await value.read()
                        uploads[key] = _Upload(value.filename, content, value.content_type)
                    else:
                        values[key] = value
    return _Params(values, uploads)


def _lenient_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- text checks

_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_MARKDOWN_V2_MARKUP = frozenset("*_~|")
_MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")


def _entities_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _parse_html(text: str) -> str:
    """The visible text of a parse_mode=HTML message, or the error Telegram gives."""
    visible: list[str] = []
    open_tags: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        offset = len(text[:position].encode())
        if char == "<":
            match = _HTML_TAG.match(text, position)
            if match is None:
                raise _entities_error(f"Unsupported start tag at byte offset {offset}")
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in _HTML_TAGS:
                raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
            if closing:
                if not open_tags or open_tags[-1] != name:
                    expected = f'"</{open_tags[-1]}>"' if open_tags else "no end tag"
                    raise _entities_error(
                        f"Unmatched end tag at byte offset {offset}, expected {expected}, "
                        f'found "</{name}>"'
                    )
                open_tags.pop()
            else:
                open_tags.append(name)
            position = match.end()
        elif char == "&":
            match = _HTML_ENTITY.match(text, position)
            if match is None:
                raise _entities_error(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            visible.append(html.unescape(match.group(0)))
            position = match.end()
        else:
            visible.append(char)
            position += 1
    if open_tags:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(visible)


def _parse_markdown_v2(text: str) -> str:
    """Approximate visible text of a MarkdownV2 message; refuses unescaped reserved
    characters outside code, pre and link URLs, as Telegram does."""
    visible: list[str] = []
    position = 0
    line_start = True
    while position < len(text):
        char = text[position]
        if char == "\\":
            if position + 1 >= len(text):
                raise _entities_error("Unexpected end of escape sequence")
            visible.append(text[position + 1])
            position += 2
        elif char == "`":
            fence = "```" if text.startswith("```", position) else "`"
            end = text.find(fence, position + len(fence))
            if end < 0:
                raise _entities_error(f"Can't find end of {'Pre' if fence == '```' else 'Code'}")
            visible.append(text[position + len(fence) : end])
            position = end + len(fence)
        elif char in "[]":
            position += 1
            if char == "]" and text.startswith("(", position):
                end = text.find(")", position)
                if end < 0:
                    raise _entities_error("Can't find end of a URL")
                position = end + 1
        elif char in _MARKDOWN_V2_MARKUP or (char == ">" and line_start):
            position += 1
        elif char in _MARKDOWN_V2_RESERVED:
            raise _entities_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            visible.append(char)
            position += 1
        line_start = char == "\n"
    return "".join(visible)


def _visible_text(text: str, parse_mode: str | None) -> str:
    mode = (parse_mode or "").lower()
    if mode == "":
        return text
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return text
    raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")


def _check_inline_keyboard(rows: Any) -> list[list[JSON]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
    checked: list[list[JSON]] = []
    for row in rows:
        checked_row: list[JSON] = []
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button")
            if not button["text"].strip():
                raise ApiError(400, "Bad Request: inline keyboard button text is empty")
            actions = [name for name in _BUTTON_ACTIONS if name in button]
            if len(actions) != 1:
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if "callback_data" in button and (
                not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if "url" in button and (
                not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://"))
            ):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
            checked_row.append(button)
        checked.append(checked_row)
    return checked


def _check_reply_markup(markup: Any) -> JSON | None:
    """Validates a reply_markup; returns the inline keyboard markup the message keeps."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = _check_inline_keyboard(markup["inline_keyboard"])
        return {"inline_keyboard": rows} if any(rows) else None
    if "keyboard" in markup:
        keyboard = markup["keyboard"]
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise ApiError(400, 'Bad Request: field "keyboard" must be an Array of Arrays')
        return None
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return None
    raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")


def _buttons(markup: JSON | None) -> list[list[Button]]:
    if not markup:
        return []
    return [
        [(button["text"], button.get("callback_data")) for button in row]
        for row in markup.get("inline_keyboard", [])
    ]


def _update_type(update: JSON) -> str | None:
    return next((key for key in update if key != "update_id"), None)


def _chat_of(update: JSON) -> int | None:
    for value in update.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(chat, dict):
                return _lenient_int(chat.get("id"))
    return None


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- server


class _LoopbackServer(uvicorn.Server):
    """uvicorn without its 0.1 s ticks: started and stopped by hand, in-process."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _CLOSE_TIMEOUT
        while self.server_state.connections or self.server_state.tasks:
            if loop.time() > deadline:
                for task in self.server_state.tasks:
                    task.cancel()
                break
            await asyncio.sleep(0.002)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


@contextlib.asynccontextmanager
async def serve_loopback(app: ASGIApp) -> AsyncIterator[str]:
    """Serves an ASGI app on 127.0.0.1 with an OS-assigned port; yields its base URL."""
    config = uvicorn.Config(
        app,
        lifespan="off",
        http="h11",
        ws="none",
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )
    config.load()
    server = _LoopbackServer(config)
    server.lifespan = config.lifespan_class(config)
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets created with it;
    # without it every response waits ~40 ms for a delayed ACK.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await server.startup(sockets=[sock])
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await server.shutdown(sockets=[sock])


# --------------------------------------------------------------------------- the fake


class FakeTelegram:
    """A Telegram Bot API server for one bot, on loopback.

    Args:
        token: the bot token the server accepts; any other answers 401.
        enforce_limits: answer 429 (with retry_after) when a sendMessage/sendVoice
            would exceed ``per_chat_per_second`` to one chat or ``global_per_second``
            overall, in any one-second window.
        strict_chats: answer "chat not found" for chats no update has come from yet
            (real Telegram refuses chats that never started the bot).
        bot_username: the username getMe reports.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        enforce_limits: bool = False,
        per_chat_per_second: int = 1,
        global_per_second: int = 30,
        strict_chats: bool = False,
        bot_username: str = "rumbo_test_bot",
    ) -> None:
        self.token = token
        self.enforce_limits = enforce_limits
        self.per_chat_per_second = per_chat_per_second
        self.global_per_second = global_per_second
        self.strict_chats = strict_chats
        self.bot_id = _lenient_int(token.split(":", 1)[0]) or 123456
        self.bot_username = bot_username

        # What the bot did.
        self.sent: list[SentRecord] = []
        self.deleted: list[tuple[int, int]] = []
        self.calls: list[Call] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.callback_answers: dict[str, JSON] = {}
        self.commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.webhook: WebhookConfig | None = None
        # What users did, every update ever built or enqueued, by id.
        self.updates: dict[int, JSON] = {}
        self.blocked_chats: set[int] = set()
        self.known_chats: set[int] = set()
        self.files: dict[str, bytes] = {}

        self._api_url: str | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._closing = asyncio.Event()
        self._changed = asyncio.Event()
        self._internal_errors: list[BaseException] = []
        self._faults: list[_Fault] = []
        self._gates: list[_Gate] = []
        self._held: list[Call] = []
        self._pending: list[_Pending] = []
        self._confirmed = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._last_update_id = 10_000
        self._query_ids = itertools.count(7_000_000_001)
        self._file_numbers = itertools.count(1)
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], _Stored] = {}
        self._file_paths: dict[str, str] = {}
        self._callback_queries: dict[str, bool] = {}
        self._users: dict[int, JSON] = {}
        self._recent_sends: list[tuple[float, int]] = []
        self._handlers: dict[str, Callable[[_Params], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendVoice": self._send_voice,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
        }
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api_endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._file_endpoint, methods=["GET"]),
                Route("/{path:path}", self._not_found, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
        if self._internal_errors and exc_info[0] is None:
            raise RuntimeError("the fake Telegram server failed") from self._internal_errors[0]

    async def start(self) -> None:
        if self._stack is not None:
            raise RuntimeError("already started")
        self._closing = asyncio.Event()
        self._changed = asyncio.Event()
        self._stack = contextlib.AsyncExitStack()
        self._api_url = await self._stack.enter_async_context(serve_loopback(self.app))

    async def stop(self) -> None:
        """Releases held and long-polling requests at once, then stops the server."""
        if self._stack is None:
            return
        self._closing.set()
        self._notify()
        stack, self._stack = self._stack, None
        await stack.aclose()

    @property
    def api_url(self) -> str:
        """The server root, like ``https://api.telegram.org``."""
        if self._api_url is None:
            raise RuntimeError("the fake Telegram server is not running")
        return self._api_url

    @property
    def base_url(self) -> str:
        """What PTB takes as ``base_url`` (it appends the token): ``{api_url}/bot``."""
        return f"{self.api_url}/bot"

    @property
    def file_url(self) -> str:
        """What PTB takes as ``base_file_url``: ``{api_url}/file/bot``."""
        return f"{self.api_url}/file/bot"

    def method_url(self, method: str) -> str:
        """The full URL of one method, for plain httpx."""
        return f"{self.api_url}/bot{self.token}/{method}"

    # ----------------------------------------------------------------- the user's side

    def set_user(self, user_id: int, **fields: Any) -> None:
        """Overrides fields of a user's profile (first_name, username, language_code...)."""
        self._user(user_id).update(fields)

    def user_sends_text(self, chat_id: int, text: str, user_id: int | None = None) -> int:
        """Queues a text message from the user; a leading /command gets its entity."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_length(command)}
            ]
        message = self._store_message(chat_id, from_bot=False, user_id=user_id, content=content)
        return self.enqueue({"message": copy.deepcopy(message)})

    def user_sends_command(self, chat_id: int, command: str, user_id: int | None = None) -> int:
        """Queues a command such as ``"/start CODE"`` (a deep link arrives like this)."""
        if not command.startswith("/"):
            raise ValueError(f"a command starts with '/': {command!r}")
        return self.user_sends_text(chat_id, command, user_id)

    def user_sends_voice(
        self, chat_id: int, ogg_bytes: bytes, duration: int, user_id: int | None = None
    ) -> int:
        """Queues a voice note; its file can be fetched with getFile and downloaded."""
        voice = self._register_file(ogg_bytes, duration)
        message = self._store_message(
            chat_id, from_bot=False, user_id=user_id, content={"voice": voice}
        )
        return self.enqueue({"message": copy.deepcopy(message)})

    def user_taps(
        self,
        chat_id: int,
        callback_data: str,
        message_id: int | None = None,
        user_id: int | None = None,
    ) -> int:
        """Queues a tap on an inline button the bot is showing in that chat.

        Without ``message_id`` the newest bot message showing that button is tapped.
        Raises LookupError when no such button is on screen (use ``enqueue`` to forge
        a callback query the client could not have sent).
        """
        stored = self._message_with_button(chat_id, callback_data, message_id)
        query_id = str(next(self._query_ids))
        self._callback_queries[query_id] = False
        user = self._user(user_id if user_id is not None else chat_id)
        query = {
            "id": query_id,
            "from": copy.deepcopy(user),
            "message": copy.deepcopy(stored.message),
            "chat_instance": str(-abs(chat_id) * 7919 - self.bot_id),
            "data": callback_data,
        }
        return self.enqueue({"callback_query": query})

    def enqueue(self, update: JSON) -> int:
        """Queues any update; assigns ``update_id`` when missing. Returns the id."""
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update = {"update_id": self._last_update_id + 1, **update}
        update_id = int(update["update_id"])
        self._last_update_id = max(self._last_update_id, update_id)
        self.updates[update_id] = update
        chat_id = _chat_of(update)
        if chat_id is not None:
            self.known_chats.add(chat_id)
        self._pending.append(_Pending(update, redelivery=False))
        self._notify()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Delivers an update again with the same id, even if already confirmed,
        as Telegram does when a client did not acknowledge it."""
        if update_id not in self.updates:
            raise KeyError(f"no update {update_id}")
        self._pending.append(_Pending(copy.deepcopy(self.updates[update_id]), redelivery=True))
        self._notify()

    @property
    def pending_update_count(self) -> int:
        return len(self._pending)

    async def post_update_to(
        self,
        url: str,
        update: JSON | int,
        secret_token: str | None = None,
        *,
        http_timeout: float = 10.0,
    ) -> httpx.Response:
        """POSTs an update (a dict, or the id of one built here) to a webhook URL the
        way Telegram does, with the X-Telegram-Bot-Api-Secret-Token header."""
        body = self.updates[update] if isinstance(update, int) else update
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        async with httpx.AsyncClient(timeout=http_timeout) as client:
            return await client.post(url, content=content, headers=headers)

    # ----------------------------------------------------------------- faults and limits

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        kind: FaultKind,
        retry_after: float = 1,
        delay: float | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Makes the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail.

        ``retry_after`` is the seconds a "retry_after" fault asks for (Telegram sends
        whole seconds; a fraction keeps tests fast). ``delay`` is how long a
        "timeout" fault holds the request (default: until the fake stops); it must
        exceed the client's read timeout.
        """
        canonical = _METHODS.get(method.lower())
        if canonical is None:
            raise ValueError(f"unknown method {method!r}")
        if kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {kind!r}")
        self._faults.append(_Fault(canonical, kind, times, retry_after, delay, chat_id))

    def block_chat(self, chat_id: int) -> None:
        """The user blocks the bot: every send to the chat answers 403 until unblocked."""
        self.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self.blocked_chats.discard(chat_id)

    def hold(self, method: str, *, after: int = 0) -> None:
        """Holds the calls of ``method`` (all but the next ``after``) until ``release``.

        A held call waits before the fake takes it: nothing is delivered or checked
        yet (its ``Call`` has status None and is in ``held``). On ``release`` it is
        handled as usual. When its client goes away first (it closes the connection,
        its process dies), the call is dropped undelivered with ``CLIENT_CLOSED``: the
        platform never received the message, so whoever sends it again sends it once.
        """
        canonical = _METHODS.get(method.lower())
        if canonical is None:
            raise ValueError(f"unknown method {method!r}")
        self._gates.append(_Gate(canonical, after, asyncio.Event()))

    def release(self, method: str | None = None) -> None:
        """Lets the held calls (of ``method``, or of every method) go on, and stops
        holding later ones."""
        for gate in [g for g in self._gates if method is None or g.method == method]:
            gate.opened.set()
            self._gates.remove(gate)

    @property
    def held(self) -> list[Call]:
        """The calls waiting at a ``hold`` now, oldest first."""
        return list(self._held)

    def dropped(self, method: str | None = None) -> list[Call]:
        """Held calls whose client went away before the hold ended (not delivered)."""
        return [
            call
            for call in self.calls
            if call.status == CLIENT_CLOSED
            and (method is None or call.method.lower() == method.lower())
        ]

    # ----------------------------------------------------------------- what the bot did

    def messages_for(self, chat_id: int, *, include_user: bool = False) -> list[ChatMessage]:
        """The bot's messages now in the chat, oldest first (the user's too if asked)."""
        found = sorted(
            (message_id, stored)
            for (chat, message_id), stored in self._messages.items()
            if chat == chat_id and (include_user or stored.from_bot)
        )
        return [self._view(stored) for _, stored in found]

    def sent_to(self, chat_id: int) -> list[SentRecord]:
        return [record for record in self.sent if record.chat_id == chat_id]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def send_times(self, chat_id: int) -> list[float]:
        """``time.monotonic()`` of every sendMessage/sendVoice accepted for the chat."""
        return [r.at for r in self.sent if r.chat_id == chat_id and r.method in _SEND_METHODS]

    def min_send_gap(self, chat_id: int) -> float | None:
        """The shortest time between two consecutive sends to the chat, in seconds."""
        times = self.send_times(chat_id)
        return min((b - a for a, b in itertools.pairwise(times)), default=None)

    def unanswered_callbacks(self) -> list[str]:
        return [query for query, answered in self._callback_queries.items() if not answered]

    async def wait_for_sent(
        self,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 (a bound on the wait, not on a call inside)
        *,
        chat_id: int | None = None,
        method: str | None = None,
    ) -> list[SentRecord]:
        """Waits until ``tg.sent`` holds at least ``count`` records (of that chat and
        method, if given) and returns them; raises AssertionError after ``timeout``."""

        def matching() -> list[SentRecord]:
            return [
                record
                for record in self.sent
                if (chat_id is None or record.chat_id == chat_id)
                and (method is None or record.method == method)
            ]

        if await self._wait_until(lambda: len(matching()) >= count, timeout):
            return matching()
        seen = [(r.method, r.chat_id, r.text) for r in matching()]
        raise AssertionError(f"expected {count} sent, got {len(seen)} in {timeout}s: {seen}")

    async def wait_for_calls(
        self,
        method: str,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 (a bound on the wait, not on a call inside)
    ) -> list[Call]:
        """Waits until ``method`` was called ``count`` times (answered or failed)."""
        if await self._wait_until(lambda: len(self.calls_to(method)) >= count, timeout):
            return self.calls_to(method)
        got = len(self.calls_to(method))
        raise AssertionError(f"expected {count} {method} calls, got {got} in {timeout}s")

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 (a bound on the wait, not on a call inside)
        *,
        what: str = "the condition",
    ) -> None:
        """Waits until ``condition()`` holds, checked whenever the fake's state changes
        (a call arrives, is held, answered or dropped); AssertionError after ``timeout``."""
        if not await self._wait_until(condition, timeout):
            raise AssertionError(f"{what}: not reached in {timeout}s")

    async def _wait_until(self, condition: Callable[[], bool], seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    changed = self._changed
                    if condition():
                        return True
                    await changed.wait()
        return condition()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ----------------------------------------------------------------- HTTP endpoints

    async def _not_found(self, request: Request) -> Response:
        return _error_response(ApiError(404, "Not Found"))

    async def _api_endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        method = _METHODS.get(request.path_params["method"].lower())
        if method is None:
            return _error_response(ApiError(404, "Not Found"))
        try:
            params = await _read_params(request)
        except ApiError as error:
            return _error_response(error)
        call = Call(
            method, params.values, _lenient_int(params.values.get("chat_id")), time.monotonic()
        )
        self.calls.append(call)
        self._notify()
        gate = self._gate_for(method)
        if gate is not None and not await self._pass_gate(gate, call, request):
            call.status = CLIENT_CLOSED
            call.description = "the client went away while the call was held: not delivered"
            self._notify()
            return Response(status_code=CLIENT_CLOSED)  # nobody is listening any more
        try:
            fault = self._take_fault(call)
            if fault is None:
                result = await self._handlers[method](params)
            else:
                result = await self._apply_fault(fault, params)
        except ApiError as error:
            call.status, call.description = error.status, error.description
            self._notify()
            return _error_response(error)
        except Exception as error:
            self._internal_errors.append(error)
            call.status, call.description = 500, f"fake failed: {error!r}"
            self._notify()
            return _error_response(ApiError(500, call.description))
        call.status = 200
        self._notify()
        return JSONResponse({"ok": True, "result": result})

    async def _file_endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        file_id = self._file_paths.get(request.path_params["file_path"])
        if file_id is None:
            return _error_response(ApiError(404, "Not Found"))
        return Response(self.files[file_id], media_type="audio/ogg")

    def _gate_for(self, method: str) -> _Gate | None:
        for gate in self._gates:
            if gate.method == method:
                if gate.let_through > 0:
                    gate.let_through -= 1
                    return None
                return gate
        return None

    async def _pass_gate(self, gate: _Gate, call: Call, request: Request) -> bool:
        """Waits for the gate to open (True) or the client to go away (False). When
        the fake stops first, the call goes on (and usually finds its client gone)."""
        self._held.append(call)
        self._notify()
        waiters = {
            asyncio.ensure_future(gate.opened.wait()),
            asyncio.ensure_future(self._closing.wait()),
        }
        gone = asyncio.ensure_future(_client_gone(request))
        try:
            await asyncio.wait({*waiters, gone}, return_when=asyncio.FIRST_COMPLETED)
            # Both at once: the client is gone, so the platform never got the message.
            return not gone.done()
        finally:
            for waiter in (*waiters, gone):
                waiter.cancel()
            self._held.remove(call)
            self._notify()

    def _take_fault(self, call: Call) -> _Fault | None:
        for fault in self._faults:
            if fault.method == call.method and fault.chat_id in (None, call.chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    async def _apply_fault(self, fault: _Fault, params: _Params) -> Any:
        if fault.kind == "retry_after":
            seconds = fault.retry_after
            wire = int(seconds) if float(seconds).is_integer() else seconds
            raise ApiError(429, f"Too Many Requests: retry after {wire}", {"retry_after": wire})
        if fault.kind == "server_error":
            raise ApiError(500, "Internal Server Error")
        if fault.kind == "blocked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if fault.kind == "chat_not_found":
            raise ApiError(400, "Bad Request: chat not found")
        if fault.kind == "timeout":
            await self._hold(fault.delay)
            raise ApiError(502, "Bad Gateway")
        result = await self._handlers[fault.method](params)
        await self._hold(fault.delay)
        return result

    async def _hold(self, delay: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._closing.wait()

    # ----------------------------------------------------------------- helpers

    def _bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Rumbo",
            "username": self.bot_username,
        }

    def _user(self, user_id: int) -> JSON:
        if user_id not in self._users:
            self._users[user_id] = {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User{abs(user_id)}",
                "language_code": "es",
            }
        return self._users[user_id]

    def _chat(self, chat_id: int) -> JSON:
        if chat_id < 0:
            return {"id": chat_id, "type": "group", "title": f"Group {abs(chat_id)}"}
        user = self._user(chat_id)
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _store_message(
        self,
        chat_id: int,
        *,
        from_bot: bool,
        content: JSON,
        user_id: int | None = None,
        source: tuple[str, str | None] | None = None,
        markup: JSON | None = None,
    ) -> JSON:
        message_id = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = message_id
        sender = (
            self._bot_user() if from_bot else self._user(chat_id if user_id is None else user_id)
        )
        message: JSON = {
            "message_id": message_id,
            "from": copy.deepcopy(sender),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if markup is not None:
            message["reply_markup"] = copy.deepcopy(markup)
        self._messages[(chat_id, message_id)] = _Stored(message, from_bot, source, markup)
        if not from_bot:
            self.known_chats.add(chat_id)
        return message

    def _view(self, stored: _Stored) -> ChatMessage:
        message = stored.message
        voice = message.get("voice")
        return ChatMessage(
            chat_id=message["chat"]["id"],
            message_id=message["message_id"],
            from_bot=stored.from_bot,
            text=message.get("text", message.get("caption")),
            buttons=_buttons(stored.markup),
            voice_file_id=voice["file_id"] if voice else None,
            raw=copy.deepcopy(message),
        )

    def _message_with_button(
        self, chat_id: int, callback_data: str, message_id: int | None
    ) -> _Stored:
        candidates = [
            stored
            for (chat, number), stored in sorted(self._messages.items(), reverse=True)
            if chat == chat_id and stored.from_bot and message_id in (None, number)
        ]
        for stored in candidates:
            if any(data == callback_data for row in _buttons(stored.markup) for _, data in row):
                return stored
        showing = [_buttons(stored.markup) for stored in candidates if stored.markup]
        raise LookupError(
            f"no button {callback_data!r} on screen in chat {chat_id}"
            f"{'' if message_id is None else f' message {message_id}'}; showing {showing}"
        )

    def _register_file(self, content: bytes, duration: int | None) -> JSON:
        number = next(self._file_numbers)
        file_id = f"AwACAgEAAx0FakeVoice{number:06d}"
        self.files[file_id] = content
        self._file_paths[f"voice/file_{number}.oga"] = file_id
        voice: JSON = {
            "file_id": file_id,
            "file_unique_id": f"AgADFake{number:06d}",
            "duration": duration or 0,
            "mime_type": "audio/ogg",
            "file_size": len(content),
        }
        return voice

    def _voice_object(self, file_id: str) -> JSON:
        for path, known in self._file_paths.items():
            if known == file_id:
                number = int(path.removeprefix("voice/file_").removesuffix(".oga"))
                return {
                    "file_id": file_id,
                    "file_unique_id": f"AgADFake{number:06d}",
                    "duration": 0,
                    "mime_type": "audio/ogg",
                    "file_size": len(self.files[file_id]),
                }
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _target_chat(self, params: _Params, *, writes: bool = True) -> int:
        raw = params.values.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat_id = _lenient_int(raw)
        if not chat_id or (self.strict_chats and chat_id not in self.known_chats):
            raise ApiError(400, "Bad Request: chat not found")
        if writes and chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _target_message(self, params: _Params) -> tuple[int, int, _Stored]:
        if params.values.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat_id = self._target_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        stored = self._messages.get((chat_id, message_id))
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat_id, message_id, stored

    def _checked_text(
        self, params: _Params, name: str, limit: int, *, required: bool
    ) -> tuple[str | None, str | None]:
        """Returns (raw, visible) for a text or caption parameter, or the API's error."""
        raw = params.get_str(name)
        parse_mode = params.get_str("parse_mode")
        if raw is None or not raw.strip():
            if required:
                raise ApiError(400, "Bad Request: message text is empty")
            return None, None
        visible = _visible_text(raw, parse_mode)
        if required and not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(visible) > limit:
            too_long = "message is too long" if name == "text" else "message caption is too long"
            raise ApiError(400, f"Bad Request: {too_long}")
        return raw, visible

    def _check_rate(self, chat_id: int) -> None:
        now = time.monotonic()
        self._recent_sends = [(at, chat) for at, chat in self._recent_sends if now - at < 1.0]
        if self.enforce_limits:
            same_chat = [at for at, chat in self._recent_sends if chat == chat_id]
            if len(same_chat) >= self.per_chat_per_second:
                _raise_flood(same_chat[0] + 1.0 - now)
            if len(self._recent_sends) >= self.global_per_second:
                _raise_flood(self._recent_sends[0][0] + 1.0 - now)
        self._recent_sends.append((now, chat_id))

    def _record(
        self,
        method: str,
        chat_id: int,
        message_id: int | None,
        params: _Params,
        *,
        text: str | None = None,
        markup: JSON | None = None,
        voice: bytes | None = None,
    ) -> None:
        reply_markup = params.get_json("reply_markup")
        self.sent.append(
            SentRecord(
                method=method,
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                buttons=_buttons(markup),
                reply_markup=reply_markup if isinstance(reply_markup, dict) else None,
                voice=voice,
                params=dict(params.values),
                at=time.monotonic(),
            )
        )
        self._notify()

    # ----------------------------------------------------------------- methods

    async def _get_me(self, params: _Params) -> JSON:
        return {
            **self._bot_user(),
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: _Params) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = min(max(params.get_float("timeout") or 0.0, 0.0), 50.0)
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._take_updates(offset, limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await changed.wait()

    def _take_updates(self, offset: int | None, limit: int) -> list[JSON]:
        if offset is not None and offset < 0:
            regular = sorted(p.update_id for p in self._pending if not p.redelivery)
            if len(regular) > -offset:
                self._confirmed = max(self._confirmed, regular[offset])
        elif offset is not None:
            self._confirmed = max(self._confirmed, offset)
        self._pending = [
            pending
            for pending in self._pending
            if (pending.redelivery or pending.update_id >= self._confirmed)
            and self._is_allowed(pending.update)
        ]
        # Redeliveries first, so a client's next offset stays above everything it got.
        ordered = [p for p in self._pending if p.redelivery] + sorted(
            (p for p in self._pending if not p.redelivery), key=lambda p: p.update_id
        )
        batch = ordered[:limit]
        for pending in batch:
            pending.redelivery = False
        return [copy.deepcopy(pending.update) for pending in batch]

    def _is_allowed(self, update: JSON) -> bool:
        kind = _update_type(update)
        if self._allowed_updates is None:
            return kind not in _NOT_DELIVERED_BY_DEFAULT
        return kind in self._allowed_updates

    async def _set_webhook(self, params: _Params) -> bool:
        url = params.get_str("url") or ""
        if not url:
            return await self._delete_webhook(params)
        parsed = httpx.URL(url)
        if parsed.scheme != "https":
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if (parsed.port or 443) not in _WEBHOOK_PORTS:
            raise ApiError(
                400,
                "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
            )
        secret = params.get_str("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get_json("allowed_updates")
        if params.get_bool("drop_pending_updates"):
            self._drop_pending()
        self.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            allowed_updates=allowed if isinstance(allowed, list) else None,
            max_connections=params.get_int("max_connections") or 40,
        )
        return True

    async def _delete_webhook(self, params: _Params) -> bool:
        if params.get_bool("drop_pending_updates"):
            self._drop_pending()
        self.webhook = None
        return True

    def _drop_pending(self) -> None:
        self._pending.clear()
        self._confirmed = self._last_update_id + 1

    async def _get_webhook_info(self, params: _Params) -> JSON:
        info: JSON = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
        return info

    async def _send_message(self, params: _Params) -> JSON:
        chat_id = self._target_chat(params)
        raw, visible = self._checked_text(params, "text", MAX_TEXT_LENGTH, required=True)
        assert raw is not None and visible is not None
        markup = _check_reply_markup(params.get_json("reply_markup"))
        self._check_rate(chat_id)
        content: JSON = {"text": visible}
        if params.get_bool("protect_content"):
            content["has_protected_content"] = True
        message = self._store_message(
            chat_id,
            from_bot=True,
            content=content,
            source=(raw, params.get_str("parse_mode")),
            markup=markup,
        )
        self._record(
            "sendMessage", chat_id, message["message_id"], params, text=visible, markup=markup
        )
        return message

    async def _send_voice(self, params: _Params) -> JSON:
        chat_id = self._target_chat(params)
        voice = params.get_file("voice")
        _, caption = self._checked_text(params, "caption", MAX_CAPTION_LENGTH, required=False)
        markup = _check_reply_markup(params.get_json("reply_markup"))
        duration = params.get_int("duration")
        if voice is None:
            raise ApiError(400, "Bad Request: there is no voice in the request")
        if isinstance(voice, _Upload):
            if not voice.content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            self._check_rate(chat_id)
            voice_object = self._register_file(voice.content, duration)
        else:
            voice_object = self._voice_object(voice)
            if duration is not None:
                voice_object["duration"] = duration
            self._check_rate(chat_id)
        content: JSON = {"voice": voice_object}
        if caption is not None:
            content["caption"] = caption
        message = self._store_message(chat_id, from_bot=True, content=content, markup=markup)
        self._record(
            "sendVoice",
            chat_id,
            message["message_id"],
            params,
            text=caption,
            markup=markup,
            voice=self.files[voice_object["file_id"]],
        )
        return message

    async def _edit_message_text(self, params: _Params) -> JSON:
        chat_id, message_id, stored = self._target_message(params)
        raw, visible = self._checked_text(params, "text", MAX_TEXT_LENGTH, required=True)
        assert raw is not None and visible is not None
        markup = _check_reply_markup(params.get_json("reply_markup"))
        if "text" not in stored.message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        source = (raw, params.get_str("parse_mode"))
        if source == stored.source and markup == stored.markup:
            raise ApiError(400, _NOT_MODIFIED)
        stored.source, stored.markup = source, markup
        stored.message["text"] = visible
        self._set_markup(stored, markup)
        self._record("editMessageText", chat_id, message_id, params, text=visible, markup=markup)
        return copy.deepcopy(stored.message)

    async def _edit_message_reply_markup(self, params: _Params) -> JSON:
        chat_id, message_id, stored = self._target_message(params)
        markup = _check_reply_markup(params.get_json("reply_markup"))
        if markup == stored.markup:
            raise ApiError(400, _NOT_MODIFIED)
        stored.markup = markup
        self._set_markup(stored, markup)
        self._record("editMessageReplyMarkup", chat_id, message_id, params, markup=markup)
        return copy.deepcopy(stored.message)

    @staticmethod
    def _set_markup(stored: _Stored, markup: JSON | None) -> None:
        stored.message["edit_date"] = int(time.time())
        if markup is None:
            stored.message.pop("reply_markup", None)
        else:
            stored.message["reply_markup"] = copy.deepcopy(markup)

    async def _delete_message(self, params: _Params) -> bool:
        chat_id = self._target_chat(params, writes=False)
        message_id = params.get_int("message_id")
        if message_id is None or (chat_id, message_id) not in self._messages:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._forget(chat_id, message_id, "deleteMessage", params)
        return True

    async def _delete_messages(self, params: _Params) -> bool:
        chat_id = self._target_chat(params, writes=False)
        ids = params.get_json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must be a list of 1-100 identifiers")
        for message_id in ids:
            if (chat_id, _lenient_int(message_id)) in self._messages:
                self._forget(chat_id, int(message_id), "deleteMessages", params)
        return True

    def _forget(self, chat_id: int, message_id: int, method: str, params: _Params) -> None:
        del self._messages[(chat_id, message_id)]
        self.deleted.append((chat_id, message_id))
        self._record(method, chat_id, message_id, params)

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.get_str("callback_query_id")
        if query_id is None or self._callback_queries.get(query_id, True):
            raise ApiError(400, _QUERY_INVALID)
        text = params.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        self.callback_answers[query_id] = {
            "text": text,
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url"),
        }
        return True

    async def _send_chat_action(self, params: _Params) -> bool:
        chat_id = self._target_chat(params)
        action = params.get_str("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append((chat_id, action))
        return True

    async def _get_file(self, params: _Params) -> JSON:
        file_id = params.get_str("file_id")
        if not file_id or file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path = next(path for path, known in self._file_paths.items() if known == file_id)
        voice = self._voice_object(file_id)
        return {
            "file_id": file_id,
            "file_unique_id": voice["file_unique_id"],
            "file_size": voice["file_size"],
            "file_path": path,
        }

    def _commands_key(self, params: _Params) -> tuple[str, str]:
        scope = params.get_json("scope")
        scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
        return scope_type, params.get_str("language_code") or ""

    async def _set_my_commands(self, params: _Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, 'Bad Request: field "commands" must be an Array of up to 100')
        checked: list[tuple[str, str]] = []
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append((name, description))
        self.commands[self._commands_key(params)] = checked
        return True

    async def _get_my_commands(self, params: _Params) -> list[JSON]:
        commands = self.commands.get(self._commands_key(params), [])
        return [{"command": name, "description": text} for name, text in commands]

    async def _delete_my_commands(self, params: _Params) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True


async def _client_gone(request: Request) -> None:
    """Returns when the client closes the connection (the body is read by now, so
    the next ASGI message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _raise_flood(wait: float) -> None:
    seconds = max(1, math.ceil(wait))
    raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def _error_response(error: ApiError) -> JSONResponse:
    body: JSON = {"ok": False, "error_code": error.status, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return JSONResponse(body, status_code=error.status)


__all__ = [
    "CLIENT_CLOSED",
    "DEFAULT_TOKEN",
    "Call",
    "ChatMessage",
    "FakeTelegram",
    "FaultKind",
    "SentRecord",
    "WebhookConfig",
    "serve_loopback",
]
