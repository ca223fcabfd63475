"""The web chat routes: the conversation in a browser, for demos and staff training.

It is a DEMO channel and says so on every page. Each browser gets a random chat id
in a signed cookie (nothing personal in URLs). The pages are plain HTML forms with
POST-redirect-GET and work without JavaScript; ``static/chat.js`` only scrolls to the
newest message and reloads when a new one waits.

Every form carries a signed token naming the chat and a fresh update id (a uuid4
made when the page was rendered), so a double submit is applied once by
``bot.inbound.receive`` and a form from another browser or site is ignored.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
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
from dialogs.events import Event, without_controls
from dialogs.screens import MAX_ACTION_BYTES, Screen
from locales import Translator, is_supported, translator
from plan_store.enums import Channel
from plan_store.models import ChatSession, Staff
from plan_store.unit_of_work import UnitOfWorkFactory
from web.headers import SecurityHeadersMiddleware

HERE = Path(__file__).resolve().parent
COOKIE = "rumbo_webchat"
COOKIE_SECONDS = 30 * 24 * 3600
FORM_SECONDS = 7 * 24 * 3600
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


# --------------------------------------------------------------------------- echoes


@dataclass(frozen=True, slots=True)
class Echo:
    """Something the adolescent wrote or tapped, placed after outbox row ``after_id``."""

    after_id: int
    text: str
    tap: bool = False


@dataclass
class Echoes:
    """What each web chat's adolescent sent, for the page only, in this process only.

    The outbox holds what Rumbo said; what the adolescent said is not kept for the
    page anywhere else. It is bounded, forgotten on restart, and cleared with the
    chat.
    """

    chats: int = 500
    per_chat: int = 100
    _by_chat: OrderedDict[str, deque[Echo]] = field(default_factory=OrderedDict)

    def add(self, chat_id: str, echo: Echo) -> None:
        kept = self._by_chat.pop(chat_id, None) or deque(maxlen=self.per_chat)
        kept.append(echo)
        self._by_chat[chat_id] = kept
        while len(self._by_chat) > self.chats:
            self._by_chat.popitem(last=False)

    def of(self, chat_id: str, cleared_up_to: int) -> list[Echo]:
        kept = self._by_chat.get(chat_id)
        if kept is None:
            return []
        while kept and kept[0].after_id < cleared_up_to:
            kept.popleft()  # the chat was cleared after this was sent
        return list(kept)

    def forget(self, chat_id: str) -> None:
        self._by_chat.pop(chat_id, None)


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True, slots=True)
class Item:
    """One bubble on the page."""

    from_bot: bool
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()
    token: str = ""
    tap: bool = False
    anchor: str = ""
    who: str = ""
    """Who wrote a message from the home's side, when it was a person."""


def _ui(t: Translator) -> dict[str, str]:
    """The web chat page's own words (the conversation's come from the dialogs)."""
    return {
        # Translators: the web chat page's title; a demo of Rumbo in a browser.
        "title": t.gettext("Rumbo — chat de demostración"),
        # Translators: the banner on every web chat page: it is a demo, not a way to
        # reach the team for real.
        "banner": t.gettext("Chat de demostración — no es un canal real"),
        # Translators: under the web chat's banner: what the demo chat is for, and that staff read
        # it.
        "banner_detail": t.gettext(
            "Sirve para probar Rumbo y para capacitar al equipo. "
            "Lo que escribas aquí lo ve el equipo como un chat más."
        ),
        # Translators: shown where a conversation will appear, before any message.
        "empty": t.gettext("Todavía no hay mensajes."),
        # Translators: button that opens the web chat (like Telegram's "Start").
        "start": t.gettext("▶️ Empezar"),
        # Translators: placeholder of the box where the adolescent types.
        "write": t.gettext("Escribe un mensaje"),
        # Translators: button that sends what was typed.
        "send": t.gettext("Enviar"),
        # Translators: link under the web chat; forgets this chat and opens another.
        "new_chat": t.gettext("Empezar un chat nuevo"),
        # Translators: label above what the adolescent wrote in the web chat.
        "you": t.gettext("Tú"),
        # Translators: label above the button the adolescent tapped ("You chose").
        "you_tapped": t.gettext("Elegiste"),
        # Translators: label above the bot's messages; the bot's name.
        "rumbo": t.gettext("Rumbo"),
    }


class WebChat:
    """The web chat for one process: routes, the signing keys, the echoes."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        secret_key: str,
        *,
        handler: Handler | None = None,
        echoes: Echoes | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.handler = handler
        self.echoes = echoes if echoes is not None else Echoes()
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
        html = self._templates.get_template("chat.html").render(
            lang=code,
            ui=_ui(translator(code)),
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
            placed.append(((message.id, 0, 0), _bot_item(message.screen, token, who)))
        for order, echo in enumerate(self.echoes.of(chat_id, shown.cleared_up_to)):
            placed.append(((echo.after_id, 1, order), Item(False, echo.text, tap=echo.tap)))
        items = [item for _, item in sorted(placed, key=lambda pair: pair[0])]
        if items:
            last = items[-1]
            items[-1] = dataclasses.replace(last, anchor="ultimo")
        return items

    async def send(self, request: Request) -> Response:
        chat_id = self.chat_of(request)
        async with request.form(max_files=0, max_fields=10) as form:
            update_id = self._update_id(form, chat_id)
            raw = form.get("text")
        text = without_controls(raw if isinstance(raw, str) else "").strip()[:MAX_TEXT_CHARS]
        if chat_id is None or update_id is None or not text:
            return self._back(request)
        start = _START.match(text)
        event = Event.start((start.group("payload") or "").strip()) if start else Event.text(text)
        # "/start" (and its linking code) is a command, not words to show as a bubble.
        await self._receive(chat_id, update_id, event, None if start else text)
        return self._back(request)

    async def tap(self, request: Request) -> Response:
        chat_id = self.chat_of(request)
        async with request.form(max_files=0, max_fields=10) as form:
            update_id = self._update_id(form, chat_id)
            raw = form.get("action")
        action = without_controls(raw if isinstance(raw, str) else "")
        if len(action.encode("utf-8")) > MAX_ACTION_BYTES:
            action = ""  # not a button Rumbo made; the dialogs answer "use a button"
        if chat_id is None or update_id is None:
            return self._back(request)
        label = await self._label_of(chat_id, action)
        await self._receive(chat_id, update_id, Event.choice(action), label, tap=True)
        return self._back(request)

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

    async def _receive(
        self, chat_id: str, update_id: str, event: Event, echo: str | None, *, tap: bool = False
    ) -> None:
        """Apply the event once; show what was sent after the messages seen so far."""
        async with self.uow_factory() as uow:
            after = await delivery.newest_id(uow, chat_id)
        reply = await receive(
            self.uow_factory, Inbound(Channel.WEBCHAT, update_id, chat_id, event), self.handler
        )
        if reply is not None and echo:
            self.echoes.add(chat_id, Echo(after, echo, tap))

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

    def _back(self, request: Request) -> Response:
        page = request.url_for("webchat:page").path
        return RedirectResponse(f"{page}#ultimo", status_code=303)


def _bot_item(screen: Screen, token: str, who: str) -> Item:
    buttons = tuple(
        tuple((button.label, button.action) for button in row) for row in screen.buttons if row
    )
    return Item(True, screen.text, buttons, token, who=who)


__all__ = ["Echo", "Echoes", "Item", "WebChat"]
