"""A fake WhatsApp Cloud API (Graph API) server, served by uvicorn on loopback.

Rumbo's real client talks to it over HTTP, and it plays the people on WhatsApp by
POSTing signed webhook calls to Rumbo's webhook::

    async with FakeWhatsApp(clock=clock) as wa:
        settings = configured(settings, whatsapp={"api_url": wa.base_url, ...})
        wa.webhook_url = "http://127.0.0.1:.../whatsapp/webhook"
        await wa.user_sends_text("5215512345678", "Hola ñandú 👋")

It answers like the real API (``{"messaging_product": "whatsapp", "messages": [{"id":
"wamid..."}]}``, or ``{"error": {"message", "type", "code", "error_data": {"details"},
"fbtrace_id"}}``), refuses what the real one refuses (a reply button title over 20
characters, more than 3 buttons, more than 10 list rows, a body over 1024, a text over
4096, an unknown template or a wrong parameter count, free text outside the 24-hour
window: 131047), records every message sent with its parsed structure, serves media
downloads, and injects faults (``fail_next``).

Lengths are counted in UTF-16 code units, like Rumbo's renderer: the strict reading.
Webhook calls are signed over the exact bytes sent (``X-Hub-Signature-256``), with
emoji and accents left as raw UTF-8, so re-serialising the JSON would break them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.telegram_api import serve_loopback

JSON = dict[str, Any]
Clock = Callable[[], datetime]

API_VERSION = "v21.0"
DEFAULT_TOKEN = "EAAG-test-token"
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_APP_SECRET = "test-app-secret-ñ"
DEFAULT_DISPLAY_NUMBER = "15550001234"
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "locales" / "whatsapp_templates"

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_LIST_BUTTON = 20
MAX_SECTION_TITLE = 24
WINDOW = timedelta(hours=24)

FaultKind = Literal[
    "rate_limit",  # 429, code 130429 (throughput)
    "pair_rate_limit",  # 400, code 131056 (too many messages to one person)
    "server_error",  # 500, code 2 (service temporarily unavailable)
    "undeliverable",  # 400, code 131026
    "reengagement",  # 400, code 131047 (window closed)
    "expired_token",  # 401, code 190
]

_FAULTS: dict[str, tuple[int, int, str]] = {
    "rate_limit": (429, 130429, "Rate limit hit"),
    "pair_rate_limit": (400, 131056, "(Business Account, Consumer Account) pair rate limit hit"),
    "server_error": (500, 2, "Service temporarily unavailable"),
    "undeliverable": (400, 131026, "Message undeliverable"),
    "reengagement": (400, 131047, "Re-engagement message"),
    "expired_token": (401, 190, "Error validating access token: Session has expired"),
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sign(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def _invalid(details: str) -> ApiError:
    return ApiError(400, 131009, "(#131009) Parameter value is not valid", details)


# --------------------------------------------------------------------------- records


@dataclass
class SentMessage:
    """One message Rumbo sent, as the person would get it.

    ``text`` is the text shown (the body of an interactive message, a template's body
    with its parameters filled in); ``buttons`` are (id, title) of reply buttons or
    (payload, text) of a template's quick replies; ``rows`` are (id, title,
    description) of a list.
    """

    wamid: str
    to: str
    type: str
    text: str
    buttons: list[tuple[str, str]]
    rows: list[tuple[str, str, str]]
    list_button: str | None
    template: str | None
    template_language: str | None
    params: list[str]
    media_id: str | None
    raw: JSON
    at: datetime

    @property
    def interactive_type(self) -> str | None:
        interactive = self.raw.get("interactive")
        return interactive.get("type") if isinstance(interactive, dict) else None

    @property
    def options(self) -> list[tuple[str, str]]:
        """What can be tapped: (id or payload, title) of buttons or list rows."""
        return self.buttons or [(row_id, title) for row_id, title, _ in self.rows]


@dataclass
class Call:
    """A request that reached the API, answered with ``status``."""

    method: str
    path: str
    status: int
    code: int | None = None


@dataclass
class WebhookCall:
    """One webhook POST the fake made, with Rumbo's answer."""

    body: bytes
    signature: str | None
    status: int


@dataclass
class _Template:
    name: str
    language: str
    body: str
    params: int
    buttons: list[str]


@dataclass
class _Fault:
    kind: str
    remaining: int
    to: str | None


@dataclass
class _Media:
    content: bytes
    mime_type: str


@dataclass
class _User:
    wa_id: str
    name: str
    last_inbound: datetime | None = None
    messages: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the fake


class FakeWhatsApp:
    """The Cloud API for one business number, and the people who write to it.

    Args:
        token: the bearer token accepted; any other answers 401 (code 190).
        phone_number_id: the business number's id in URLs and webhooks.
        app_secret: signs the webhook calls.
        clock: the time of messages and of the 24-hour window (default: now).
        enforce_window: refuse free-form messages to a person who has not written in
            24 hours (131047), and record them in ``window_violations``.
        templates_dir: the approved templates (``<name>.<language>.json``).
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        app_secret: str = DEFAULT_APP_SECRET,
        clock: Clock | None = None,
        enforce_window: bool = True,
        templates_dir: Path = TEMPLATES_DIR,
    ) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.enforce_window = enforce_window
        self.webhook_url: str | None = None
        self.wamid_padding = 0
        """Extra characters in the wamids made from now on (WhatsApp promises no length)."""

        self.sent: list[SentMessage] = []
        self.calls: list[Call] = []
        self.refused: list[tuple[JSON, ApiError]] = []
        self.window_violations: list[JSON] = []
        self.webhook_calls: list[WebhookCall] = []
        self.uploads: dict[str, _Media] = {}
        self.media: dict[str, _Media] = {}
        self.templates: dict[tuple[str, str], _Template] = _load_templates(templates_dir)
        self.users: dict[str, _User] = {}

        self._faults: list[_Fault] = []
        self._wamids = itertools.count(1)
        self._media_ids = itertools.count(900_001)
        self._root: str | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._http: httpx.AsyncClient | None = None
        version = API_VERSION
        self.app = Starlette(
            routes=[
                Route(f"/{version}/{{number}}/messages", self._messages, methods=["POST"]),
                Route(f"/{version}/{{number}}/media", self._upload, methods=["POST"]),
                Route(f"/{version}/{{media_id}}", self._media_info, methods=["GET"]),
                Route("/media-download/{media_id}", self._media_download, methods=["GET"]),
                Route("/{path:path}", self._not_found, methods=["GET", "POST", "DELETE"]),
            ]
        )

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeWhatsApp:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._stack is not None:
            raise RuntimeError("already started")
        self._stack = contextlib.AsyncExitStack()
        self._root = await self._stack.enter_async_context(serve_loopback(self.app))
        self._http = await self._stack.enter_async_context(httpx.AsyncClient(timeout=30.0))

    async def stop(self) -> None:
        if self._stack is None:
            return
        stack, self._stack = self._stack, None
        await stack.aclose()

    @property
    def root_url(self) -> str:
        if self._root is None:
            raise RuntimeError("the fake WhatsApp server is not running")
        return self._root

    @property
    def base_url(self) -> str:
        """What ``RUMBO_WHATSAPP_API_URL`` takes: ``{root}/v21.0``."""
        return f"{self.root_url}/{API_VERSION}"

    # ----------------------------------------------------------------- inspection

    def to(self, wa_id: str) -> list[SentMessage]:
        return [m for m in self.sent if m.to == wa_id]

    def last_to(self, wa_id: str) -> SentMessage:
        sent = self.to(wa_id)
        if not sent:
            raise AssertionError(f"nothing was sent to {wa_id}")
        return sent[-1]

    def fail_next(self, kind: FaultKind, count: int = 1, *, to: str | None = None) -> None:
        """The next ``count`` sends (to ``to``, or anyone) fail with ``kind``."""
        self._faults.append(_Fault(kind, count, to))

    # ----------------------------------------------------------------- the people

    def _user(self, wa_id: str, name: str | None = None) -> _User:
        user = self.users.get(wa_id)
        if user is None:
            user = self.users[wa_id] = _User(wa_id, name or "Lu")
        return user

    def _value(self, wa_id: str, key: str, items: list[JSON]) -> JSON:
        user = self._user(wa_id)
        return {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": DEFAULT_DISPLAY_NUMBER,
                "phone_number_id": self.phone_number_id,
            },
            "contacts": [{"profile": {"name": user.name}, "wa_id": wa_id}],
            key: items,
        }

    @staticmethod
    def envelope(*values: JSON) -> JSON:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [{"value": value, "field": "messages"} for value in values],
                }
            ],
        }

    def new_wamid(self) -> str:
        """About 60 characters like most real ones, plus ``wamid_padding``."""
        token = secrets.token_hex(8).upper() + "X" * self.wamid_padding
        return f"wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIY{token}{next(self._wamids):04d}AA=="

    def _inbound(self, wa_id: str, kind: str, content: JSON, *, context: str | None) -> JSON:
        message: JSON = {
            "from": wa_id,
            "id": self.new_wamid(),
            "timestamp": str(int(self.clock().timestamp())),
            "type": kind,
            kind: content,
        }
        if context is not None:
            message["context"] = {"from": DEFAULT_DISPLAY_NUMBER, "id": context}
        return message

    async def user_message(
        self, wa_id: str, kind: str, content: JSON, *, context: str | None = None
    ) -> tuple[int, JSON]:
        """A person sends a message of any ``kind``; Rumbo's answer and the message."""
        message = self._inbound(wa_id, kind, content, context=context)
        user = self._user(wa_id)
        user.last_inbound = self.clock()
        user.messages.append(message["id"])
        status = await self.post(self.envelope(self._value(wa_id, "messages", [message])))
        return status, message

    async def user_sends_text(self, wa_id: str, text: str) -> tuple[int, JSON]:
        return await self.user_message(wa_id, "text", {"body": text})

    async def user_taps(self, wa_id: str, label: str) -> tuple[int, JSON]:
        """Tap the newest button, list row or template quick reply titled ``label``
        among the messages sent to the person: the title as shown (perhaps cut with
        "…"), else the first title that starts with ``label``."""
        shown: list[str] = []
        for exact in (True, False):
            for sent in reversed(self.to(wa_id)):
                if sent.type not in ("template", "interactive"):
                    continue
                for option_id, title in sent.options:
                    if not (_same_label(title, label) if exact else title.startswith(label)):
                        continue
                    if sent.type == "template":
                        return await self.user_message(
                            wa_id,
                            "button",
                            {"payload": option_id, "text": title},
                            context=sent.wamid,
                        )
                    return await self.user_chooses(wa_id, sent, option_id, title)
                if exact:
                    shown.extend(title for _, title in sent.options)
        raise AssertionError(f"no option {label!r} was shown to {wa_id}; shown: {shown}")

    async def user_chooses(
        self, wa_id: str, sent: SentMessage, option_id: str, title: str
    ) -> tuple[int, JSON]:
        if sent.interactive_type == "list":
            reply: JSON = {"type": "list_reply", "list_reply": {"id": option_id, "title": title}}
        else:
            reply = {"type": "button_reply", "button_reply": {"id": option_id, "title": title}}
        return await self.user_message(wa_id, "interactive", reply, context=sent.wamid)

    async def user_sends_voice(
        self, wa_id: str, audio: bytes, mime_type: str = "audio/ogg; codecs=opus"
    ) -> tuple[int, JSON]:
        media_id = str(next(self._media_ids))
        self.media[media_id] = _Media(audio, mime_type)
        return await self.user_message(
            wa_id,
            "audio",
            {
                "mime_type": mime_type,
                "sha256": hashlib.sha256(audio).hexdigest(),
                "id": media_id,
                "voice": True,
            },
        )

    async def status(
        self,
        wamid: str,
        status: str,
        *,
        errors: list[JSON] | None = None,
        at: datetime | None = None,
    ) -> int:
        """WhatsApp reports what became of a message Rumbo sent."""
        sent = next((m for m in self.sent if m.wamid == wamid), None)
        recipient = sent.to if sent is not None else "5215500000000"
        item: JSON = {
            "id": wamid,
            "status": status,
            "timestamp": str(int((at or self.clock()).timestamp())),
            "recipient_id": recipient,
        }
        if status != "failed":
            item["conversation"] = {"id": "c0ffee", "origin": {"type": "service"}}
            item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
        if errors:
            item["errors"] = errors
        return await self.post(self.envelope(self._value(recipient, "statuses", [item])))

    async def post(self, payload: JSON) -> int:
        """POST ``payload`` to the webhook as Meta does: raw UTF-8, signed."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return await self.post_raw(body, sign(self.app_secret, body))

    async def post_raw(self, body: bytes, signature: str | None) -> int:
        if self.webhook_url is None or self._http is None:
            raise RuntimeError("set webhook_url (and start the fake) first")
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        response = await self._http.post(self.webhook_url, content=body, headers=headers)
        self.webhook_calls.append(WebhookCall(body, signature, response.status_code))
        return response.status_code

    async def redeliver(self, index: int = -1) -> int:
        """Send a webhook call again, byte for byte (Meta retries for days)."""
        call = self.webhook_calls[index]
        return await self.post_raw(call.body, call.signature)

    # ----------------------------------------------------------------- the API

    def _check_auth(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            raise ApiError(401, 190, "Invalid OAuth access token - Cannot parse access token")

    async def _messages(self, request: Request) -> Response:
        body: JSON = {}
        try:
            self._check_auth(request)
            if request.path_params["number"] != self.phone_number_id:
                raise ApiError(400, 100, "Unsupported post request. Object does not exist")
            try:
                body = json.loads(await request.body())
            except ValueError:
                raise ApiError(400, 100, "Invalid JSON") from None
            if not isinstance(body, dict):
                raise ApiError(400, 100, "Invalid parameter")
            self._fault(str(body.get("to", "")))
            sent = self._accept(body)
        except ApiError as error:
            self.refused.append((body, error))
            return self._error(request, error)
        self.sent.append(sent)
        self.calls.append(Call("POST", request.url.path, 200))
        answer: JSON = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": sent.to, "wa_id": sent.to}],
            "messages": [{"id": sent.wamid}],
        }
        if sent.type == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return JSONResponse(answer)

    def _fault(self, to: str) -> None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.to in (None, to):
                fault.remaining -= 1
                status, code, message = _FAULTS[fault.kind]
                self._faults = [f for f in self._faults if f.remaining > 0]
                raise ApiError(status, code, message)

    def _accept(self, body: JSON) -> SentMessage:
        if body.get("messaging_product") != "whatsapp":
            raise ApiError(400, 100, "The parameter messaging_product is required.")
        to = body.get("to")
        if not isinstance(to, str) or not to.isdigit():
            raise ApiError(400, 100, "Invalid parameter", "to")
        kind = body.get("type", "text")
        content = body.get(kind)
        if not isinstance(content, dict):
            raise ApiError(400, 100, f"The parameter {kind} is required.")
        if kind != "template" and self.enforce_window:
            last = self._user(to).last_inbound
            if last is None or self.clock() - last >= WINDOW:
                self.window_violations.append(body)
                raise ApiError(
                    400,
                    131047,
                    "Re-engagement message",
                    "Message failed to send because more than 24 hours have passed since "
                    "the customer last replied to this number.",
                )
        sent = SentMessage(
            wamid=self.new_wamid(),
            to=to,
            type=str(kind),
            text="",
            buttons=[],
            rows=[],
            list_button=None,
            template=None,
            template_language=None,
            params=[],
            media_id=None,
            raw=body,
            at=self.clock(),
        )
        if kind == "text":
            text = content.get("body")
            if not isinstance(text, str) or not text.strip():
                raise ApiError(400, 100, "The parameter text['body'] is required.")
            if utf16_len(text) > MAX_TEXT:
                raise _invalid(f"text body is longer than {MAX_TEXT} characters")
            sent.text = text
        elif kind == "interactive":
            self._interactive(content, sent)
        elif kind == "template":
            self._template(content, sent)
        elif kind == "audio":
            media_id = content.get("id")
            if not isinstance(media_id, str) or media_id not in self.uploads:
                raise ApiError(400, 131053, "Media upload error", "unknown media id")
            sent.media_id = media_id
        else:
            raise ApiError(400, 131051, "Unsupported message type")
        return sent

    def _interactive(self, content: JSON, sent: SentMessage) -> None:
        kind = content.get("type")
        body = content.get("body")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, 100, "The parameter interactive['body']['text'] is required.")
        if utf16_len(text) > MAX_BODY:
            raise _invalid(f"body text is longer than {MAX_BODY} characters")
        sent.text = text
        action = content.get("action")
        if not isinstance(action, dict):
            raise ApiError(400, 100, "The parameter interactive['action'] is required.")
        if kind == "button":
            buttons = action.get("buttons")
            if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
                raise _invalid(f"buttons: between 1 and {MAX_BUTTONS} reply buttons")
            for button in buttons:
                reply = button.get("reply") if isinstance(button, dict) else None
                if not isinstance(reply, dict) or button.get("type") != "reply":
                    raise _invalid("a button is {'type': 'reply', 'reply': {...}}")
                button_id, title = reply.get("id"), reply.get("title")
                if not isinstance(button_id, str) or not 1 <= len(button_id) <= MAX_BUTTON_ID:
                    raise _invalid(f"button id: 1 to {MAX_BUTTON_ID} characters")
                if not isinstance(title, str) or not 1 <= utf16_len(title) <= MAX_BUTTON_TITLE:
                    raise _invalid(f"button title: 1 to {MAX_BUTTON_TITLE} characters: {title!r}")
                sent.buttons.append((button_id, title))
            if len({b for b, _ in sent.buttons}) != len(sent.buttons):
                raise _invalid("button ids must be unique")
            if len({t for _, t in sent.buttons}) != len(sent.buttons):
                raise _invalid("button titles must be unique")
        elif kind == "list":
            label = action.get("button")
            if not isinstance(label, str) or not 1 <= utf16_len(label) <= MAX_LIST_BUTTON:
                raise _invalid(f"list button: 1 to {MAX_LIST_BUTTON} characters")
            sent.list_button = label
            sections = action.get("sections")
            if not isinstance(sections, list) or not 1 <= len(sections) <= MAX_ROWS:
                raise _invalid("sections: 1 to 10")
            for section in sections:
                if not isinstance(section, dict):
                    raise _invalid("a section is an object")
                title = section.get("title")
                if len(sections) > 1 and not isinstance(title, str):
                    raise _invalid("section title is required with more than one section")
                if isinstance(title, str) and utf16_len(title) > MAX_SECTION_TITLE:
                    raise _invalid(f"section title: at most {MAX_SECTION_TITLE} characters")
                rows = section.get("rows")
                if not isinstance(rows, list) or not rows:
                    raise _invalid("a section needs rows")
                for row in rows:
                    self._row(row, sent)
            if len(sent.rows) > MAX_ROWS:
                raise _invalid(f"at most {MAX_ROWS} rows in a list")
            if len({r[0] for r in sent.rows}) != len(sent.rows):
                raise _invalid("row ids must be unique")
        else:
            raise _invalid(f"interactive type {kind!r} is not used by this fake")

    @staticmethod
    def _row(row: Any, sent: SentMessage) -> None:
        if not isinstance(row, dict):
            raise _invalid("a row is an object")
        row_id, title, description = row.get("id"), row.get("title"), row.get("description", "")
        if not isinstance(row_id, str) or not 1 <= len(row_id) <= MAX_ROW_ID:
            raise _invalid(f"row id: 1 to {MAX_ROW_ID} characters")
        if not isinstance(title, str) or not 1 <= utf16_len(title) <= MAX_ROW_TITLE:
            raise _invalid(f"row title: 1 to {MAX_ROW_TITLE} characters: {title!r}")
        if not isinstance(description, str) or utf16_len(description) > MAX_ROW_DESCRIPTION:
            raise _invalid(f"row description: at most {MAX_ROW_DESCRIPTION} characters")
        sent.rows.append((row_id, title, description))

    def _template(self, content: JSON, sent: SentMessage) -> None:
        name = content.get("name")
        language = content.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        template = self.templates.get((str(name), str(code)))
        if template is None:
            raise ApiError(
                404 if name else 400,
                132001,
                "Template name does not exist in the translation",
                f"template name ({name}) does not exist in {code}",
            )
        params: list[str] = []
        payloads: dict[int, str] = {}
        for component in content.get("components", []):
            if not isinstance(component, dict):
                raise _invalid("a component is an object")
            if component.get("type") == "body":
                for parameter in component.get("parameters", []):
                    text = parameter.get("text") if isinstance(parameter, dict) else None
                    if parameter.get("type") != "text" or not isinstance(text, str) or not text:
                        raise ApiError(400, 132012, "Parameter format does not match format")
                    if "\n" in text or "\t" in text or "    " in text:
                        raise ApiError(
                            400,
                            132018,
                            "Message template parameters contain an issue",
                            "no new-lines, tabs or more than 4 consecutive spaces",
                        )
                    params.append(text)
            elif component.get("type") == "button":
                index = int(component.get("index", -1))
                parameters = component.get("parameters") or [{}]
                if component.get("sub_type") != "quick_reply" or not (
                    0 <= index < len(template.buttons)
                ):
                    raise _invalid("a quick_reply button with an index of the template")
                payloads[index] = str(parameters[0].get("payload", ""))
        if len(params) != template.params:
            raise ApiError(
                400,
                132000,
                "Number of parameters does not match the expected number of params",
                f"body: expected {template.params}, got {len(params)}",
            )
        text = template.body
        for number, value in enumerate(params, start=1):
            text = text.replace(f"{{{{{number}}}}}", value)
        sent.text = text
        sent.template, sent.template_language, sent.params = (
            template.name,
            template.language,
            params,
        )
        sent.buttons = [
            (payloads.get(index, title), title) for index, title in enumerate(template.buttons)
        ]

    async def _upload(self, request: Request) -> Response:
        try:
            self._check_auth(request)
            async with request.form() as form:
                upload = form.get("file")
                if form.get("messaging_product") != "whatsapp" or not isinstance(
                    upload, UploadFile
                ):
                    raise ApiError(400, 100, "messaging_product and file are required")
                content = await upload.read()
                mime_type = str(form.get("type") or upload.content_type or "")
        except ApiError as error:
            return self._error(request, error)
        media_id = str(next(self._media_ids))
        self.uploads[media_id] = _Media(content, mime_type)
        self.calls.append(Call("POST", request.url.path, 200))
        return JSONResponse({"id": media_id})

    async def _media_info(self, request: Request) -> Response:
        try:
            self._check_auth(request)
            media_id = request.path_params["media_id"]
            media = self.media.get(media_id)
            if media is None:
                raise ApiError(
                    400, 100, "Unsupported get request. Object does not exist", "media id"
                )
        except ApiError as error:
            return self._error(request, error)
        self.calls.append(Call("GET", request.url.path, 200))
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.root_url}/media-download/{media_id}?ext=1",
                "mime_type": media.mime_type,
                "sha256": hashlib.sha256(media.content).hexdigest(),
                "file_size": len(media.content),
                "id": media_id,
            }
        )

    async def _media_download(self, request: Request) -> Response:
        try:
            self._check_auth(request)
        except ApiError as error:
            return self._error(request, error)
        media = self.media.get(request.path_params["media_id"])
        if media is None:
            return Response(status_code=404)
        self.calls.append(Call("GET", request.url.path, 200))
        return Response(media.content, media_type=media.mime_type.split(";")[0])

    async def _not_found(self, request: Request) -> Response:
        return self._error(
            request, ApiError(400, 100, "Unsupported request: unknown path", request.url.path)
        )

    def _error(self, request: Request, error: ApiError) -> Response:
        self.calls.append(Call(request.method, request.url.path, error.status, error.code))
        body: JSON = {
            "error": {
                "message": error.message,
                "type": "OAuthException",
                "code": error.code,
                "error_data": {"messaging_product": "whatsapp", "details": error.details},
                "fbtrace_id": "AbCdEfGh123",
            }
        }
        return JSONResponse(body, status_code=error.status)


def _same_label(shown: str, wanted: str) -> bool:
    """A label as shown (perhaps cut, ending with "…") matches the full one."""
    if shown == wanted:
        return True
    return shown.endswith("…") and wanted.startswith(shown[:-1].rstrip())


def _load_templates(directory: Path) -> dict[tuple[str, str], _Template]:
    found: dict[tuple[str, str], _Template] = {}
    for path in sorted(directory.glob("*.*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("meta_approval", "approved") != "approved":
            continue  # Meta knows only what it approved
        found[(data["name"], data["language"])] = _Template(
            name=data["name"],
            language=data["language"],
            body=data["body"],
            params=len(data.get("params", [])),
            buttons=[b["text"] for b in data.get("buttons", [])],
        )
    return found


__all__ = [
    "DEFAULT_APP_SECRET",
    "DEFAULT_PHONE_NUMBER_ID",
    "DEFAULT_TOKEN",
    "FakeWhatsApp",
    "FaultKind",
    "SentMessage",
    "WebhookCall",
    "sign",
]
