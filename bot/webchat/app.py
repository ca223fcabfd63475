"""The web chat routes: the conversation in a browser, for demos and staff training.

It is a DEMO channel and says so on every page. Each browser gets a random chat id
in a signed cookie (nothing personal in URLs). The pages are plain HTML forms with
POST-redirect-GET and work without JavaScript; ``static/chat.js`` only scrolls to the
newest message and reloads when a new one waits.

Every form carries a signed token naming the chat and a fresh update id (a uuid4
made when the page was rendered), so a double submit is applied once by
``bot.inbound.receive`` and a form from another browser or site is ignored.

Anyone can open the page and type a linking code, so guesses are limited beyond
the per-chat limit of the linking service (a fresh chat costs nothing): per
client address and for all web chats together (``CodeGuessLimits``), counted in
the database under a row lock. When a code is redeemed the chat gets a new id, so
an id known before (a cookie planted on a shared computer) opens nothing after.
Chats never linked are removed after a day (``purge_anonymous_webchats``).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.inbound import Handler, Inbound, receive
from bot.webchat import delivery
from bot.webchat.echoes import Echo, Echoes
from bot.webchat.page import Item, bot_item, page_words, wait_text
from dialogs.events import Event, without_controls
from dialogs.screens import MAX_ACTION_BYTES
from locales import is_supported, translator
from plan_store.enums import Channel
from plan_store.models import ChatSession, Staff
from plan_store.services import chats, throttle
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory
from web.headers import SecurityHeadersMiddleware

HERE = Path(__file__).resolve().parent
COOKIE = "rumbo_webchat"
COOKIE_SECONDS = 30 * 24 * 3600
FORM_SECONDS = 24 * 3600
"""A form is good for a day: the ids of updates are forgotten after one."""
MAX_TEXT_CHARS = 4096
MAX_BODY_BYTES = 64 * 1024

_START = re.compile(r"^/start(?:\s+(?P<payload>.*))?$", re.DOTALL | re.IGNORECASE)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class CodeGuessLimits:
    """Messages from chats not linked to a case (where a linking code is typed),
    per client address and for all web chats together, in ``window``. A message
    that turns out not to be a wrong code is given back."""

    window: timedelta = timedelta(hours=1)
    per_address: int = 10
    in_all: int = 120


class WebChat:
    """The web chat for one process: routes, the signing keys, the echoes."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        secret_key: str,
        *,
        handler: Handler | None = None,
        echoes: Echoes | None = None,
        limits: CodeGuessLimits | None = None,
        timezone: str = "America/Mexico_City",
    ) -> None:
        self.uow_factory = uow_factory
        self.handler = handler
        self.echoes = echoes if echoes is not None else Echoes()
        self.limits = limits or CodeGuessLimits()
        self.timezone = timezone
        self.held: dict[str, datetime] = {}
        """Chats told to wait (until when), shown once on the next page."""
        self._chats = URLSafeTimedSerializer(secret_key, salt="rumbo.webchat.chat")
        self._forms = URLSafeTimedSerializer(secret_key, salt="rumbo.webchat.form")
        self._templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def routes(self) -> list[BaseRoute]:
        return [
            Mount(
                "/chat",
                routes=[
                    Route("/", self.page, methods=["GET"], name="page"),
                    Route("/send", self.send, methods=["POST"], name="send"),
                    Route("/tap", self.tap, methods=["POST"], name="tap"),
                    Route("/new", self.new_chat, methods=["POST"], name="new"),
                    Route("/pending", self.pending, methods=["GET"], name="pending"),
                    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
                ],
                name="webchat",
                middleware=[Middleware(SecurityHeadersMiddleware, headers=SECURITY_HEADERS)],
                max_body_size=MAX_BODY_BYTES,
            )
        ]

    # ----------------------------------------------------------------- identity

    def chat_of(self, request: Request) -> str | None:
        return self.chat_in_cookie(request.cookies.get(COOKIE))

    def chat_in_cookie(self, value: str | None) -> str | None:
        """The chat id a cookie value names, if this server signed it (and it is fresh)."""
        if not value:
            return None
        try:
            chat_id = self._chats.loads(value, max_age=COOKIE_SECONDS)
        except BadSignature:
            return None
        return chat_id if isinstance(chat_id, str) else None

    def _remember(self, request: Request, response: Response, chat_id: str) -> None:
        response.set_cookie(
            COOKIE,
            self._chats.dumps(chat_id),
            max_age=COOKIE_SECONDS,
            path=request.url_for("webchat:page").path,
            httponly=True,
            secure=request.url.scheme == "https",
            samesite="lax",
        )

    def form_token(self, chat_id: str) -> str:
        """A token for one form: the chat, and a fresh update id for its submission."""
        return self._forms.dumps([chat_id, uuid.uuid4().hex])

    def _update_id(self, form: FormData, chat_id: str | None) -> str | None:
        """The form's update id, if the form was made for this chat by this server."""
        raw = form.get("u")
        if chat_id is None or not isinstance(raw, str):
            return None
        try:
            data = self._forms.loads(raw, max_age=FORM_SECONDS)
        except BadSignature:
            return None
        if not (isinstance(data, list) and len(data) == 2 and data[0] == chat_id):
            return None
        return f"web:{data[1]}"

    # ----------------------------------------------------------------- routes

    async def page(self, request: Request) -> Response:
        chat_id = self.chat_of(request)
        new = chat_id is None
        if chat_id is None:
            chat_id = f"w{secrets.token_hex(12)}"
        async with self.uow_factory() as uow:
            if request.method == "GET":  # a HEAD shows nothing, so delivers nothing
                await delivery.pull(uow, chat_id)
            shown = await delivery.transcript(uow, chat_id)
            language = await uow.session.scalar(
                select(ChatSession.language).where(
                    ChatSession.channel == Channel.WEBCHAT, ChatSession.external_id == chat_id
                )
            )
            staff_ids = {m.staff_id for m in shown.messages if m.staff_id is not None}
            names: dict[int, str] = {}
            if staff_ids:
                found = await uow.session.execute(
                    select(Staff.id, Staff.display_name).where(Staff.id.in_(staff_ids))
                )
                names = {staff_id: name for staff_id, name in found.all()}
            await uow.commit()
        code = language if language and is_supported(language) else "es"
        items = self._items(chat_id, shown, names)
        held = self.held.pop(chat_id, None)
        if held is not None:
            items.append(Item(True, wait_text(translator(code), held, code, self.timezone)))
        html = self._templates.get_template("chat.html").render(
            lang=code,
            ui=page_words(translator(code)),
            items=items,
            token=self.form_token,
            chat_id=chat_id,
            urls={
                name: request.url_for(f"webchat:{name}").path
                for name in ("page", "send", "tap", "new", "pending")
            },
            static=lambda name: request.url_for("webchat:static", path=name).path,
        )
        response = HTMLResponse(html)
        if new:
            self._remember(request, response, chat_id)
        return response

    def _items(self, chat_id: str, shown: delivery.Transcript, names: dict[int, str]) -> list[Item]:
        placed: list[tuple[tuple[int, int, int], Item]] = []
        for message in shown.messages:
            token = self.form_token(chat_id) if message.screen.buttons else ""
            who = names.get(message.staff_id, "") if message.staff_id is not None else ""
            placed.append(((message.id, 0, 0), bot_item(message.screen, token, who)))
        for order, echo in enumerate(self.echoes.of(chat_id, shown.cleared_up_to)):
            placed.append(((echo.after_id, 1, order), Item(False, echo.text, tap=echo.tap)))
        items = [item for _, item in sorted(placed, key=lambda pair: pair[0])]
        if items:
            last = items[-1]
            items[-1] = dataclasses.replace(last, anchor="ultimo")
        return items

    async def send(self, request: Request) -> Response:
        chat_id, update_id, typed = await self._form(request, "text")
        client = _client(request)
        text = typed.strip()[:MAX_TEXT_CHARS]
        if chat_id is None or update_id is None or not text:
            return self._back(request)
        start = _START.match(text)
        event = Event.start((start.group("payload") or "").strip()) if start else Event.text(text)
        # "/start" (and its linking code) is a command, not words to show as a bubble.
        renamed = await self._receive(
            chat_id, update_id, event, None if start else text, client=client
        )
        return self._back(request, renamed)

    async def tap(self, request: Request) -> Response:
        chat_id, update_id, action = await self._form(request, "action")
        client = _client(request)
        if len(action.encode("utf-8")) > MAX_ACTION_BYTES:
            action = ""  # not a button Rumbo made; the dialogs answer "use a button"
        if chat_id is None or update_id is None:
            return self._back(request)
        label = await self._label_of(chat_id, action)
        renamed = await self._receive(
            chat_id, update_id, Event.choice(action), label, tap=True, client=client
        )
        return self._back(request, renamed)

    async def new_chat(self, request: Request) -> Response:
        chat_id = self.chat_of(request)
        async with request.form(max_files=0, max_fields=10) as form:
            update_id = self._update_id(form, chat_id)
        response = self._back(request)
        if chat_id is not None and update_id is not None:
            self.echoes.forget(chat_id)
            self._remember(request, response, f"w{secrets.token_hex(12)}")
        return response

    async def pending(self, request: Request) -> Response:
        chat_id = self.chat_of(request)
        count = 0
        if chat_id is not None:
            async with self.uow_factory() as uow:
                count = await delivery.pending_count(uow, chat_id)
        return JSONResponse({"pending": count})

    # ----------------------------------------------------------------- helpers

    async def _form(self, request: Request, name: str) -> tuple[str | None, str | None, str]:
        """The chat, the form's update id (when the form is good for the chat) and
        the field ``name``, without control characters."""
        chat_id = self.chat_of(request)
        async with request.form(max_files=0, max_fields=10) as form:
            update_id = self._update_id(form, chat_id)
            raw = form.get(name)
        return chat_id, update_id, without_controls(raw if isinstance(raw, str) else "")

    async def _receive(
        self,
        chat_id: str,
        update_id: str,
        event: Event,
        echo: str | None,
        *,
        client: str,
        tap: bool = False,
    ) -> str | None:
        """Apply the event once; show what was sent after the messages seen so far.
        Returns the chat's new id when this message linked it to a case."""
        async with self.uow_factory() as uow:
            after = await delivery.newest_id(uow, chat_id)
            linked_before = await chats.active_link(uow, Channel.WEBCHAT, chat_id) is not None
            failures_before = await self._failures(uow, chat_id)
        if not linked_before:
            until = await self._reserve_guess(client)
            if until is not None:
                self.held[chat_id] = until
                return None
        reply = await receive(
            self.uow_factory, Inbound(Channel.WEBCHAT, update_id, chat_id, event), self.handler
        )
        if reply is not None and echo:
            self.echoes.add(chat_id, Echo(after, echo, tap))
        async with self.uow_factory() as uow:
            await chats.note_inbound(uow, Channel.WEBCHAT, chat_id)  # when it was last used
            linked = await chats.active_link(uow, Channel.WEBCHAT, chat_id) is not None
            wrong = await self._failures(uow, chat_id) > failures_before
            await uow.commit()
        if linked_before:
            return None
        if not wrong:
            await self._give_back(client)
        if not linked:
            return None
        renamed = f"w{secrets.token_hex(12)}"
        async with self.uow_factory() as uow:
            await chats.rename_chat(uow, Channel.WEBCHAT, chat_id, renamed)
            await uow.commit()
        kept = self.echoes.of(chat_id, 0)
        self.echoes.forget(chat_id)
        for item in kept:
            self.echoes.add(renamed, item)
        return renamed

    @staticmethod
    async def _failures(uow: UnitOfWork, chat_id: str) -> int:
        found = await uow.session.scalar(
            select(ChatSession.failed_code_attempts).where(
                ChatSession.channel == Channel.WEBCHAT, ChatSession.external_id == chat_id
            )
        )
        return int(found or 0)

    def _guess_keys(self, client: str) -> list[tuple[str, int]]:
        return [
            (throttle.throttle_key("webchat-code", client), self.limits.per_address),
            (throttle.throttle_key("webchat-code-all"), self.limits.in_all),
        ]

    async def _reserve_guess(self, client: str) -> datetime | None:
        """Count this message against the limits before it is read (so parallel
        guesses are counted one by one); returns until when to wait, if over."""
        window = self.limits.window
        async with self.uow_factory() as uow:
            rows = [
                (await throttle.locked(uow, key, window=window), limit)
                for key, limit in self._guess_keys(client)
            ]
            now = uow.now()
            for row, _ in rows:
                if throttle.blocked(row, now):
                    assert row.blocked_until is not None
                    return row.blocked_until
            for row, limit in rows:
                row.failures += 1
                if row.failures >= limit:
                    row.blocked_until = row.window_start + window
            await uow.commit()
        return None

    async def _give_back(self, client: str) -> None:
        """The message was not a wrong code: it does not count."""
        async with self.uow_factory() as uow:
            for key, limit in self._guess_keys(client):
                row = await throttle.locked(uow, key, window=self.limits.window)
                row.failures = max(row.failures - 1, 0)
                if row.failures < limit:
                    row.blocked_until = None
            await uow.commit()

    async def _label_of(self, chat_id: str, action: str) -> str | None:
        """The label of the newest button on the page that carries ``action``."""
        if not action:
            return None
        async with self.uow_factory() as uow:
            shown = await delivery.transcript(uow, chat_id)
        for message in reversed(shown.messages):
            for button in message.screen.all_buttons:
                if button.action == action:
                    return button.label
        return None

    def _back(self, request: Request, renamed: str | None = None) -> Response:
        page = request.url_for("webchat:page").path
        response = RedirectResponse(f"{page}#ultimo", status_code=303)
        if renamed is not None:
            self._remember(request, response, renamed)
        return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


__all__ = ["CodeGuessLimits", "WebChat"]
