"""The console session: a signed cookie carrying the staff id, their session epoch,
the CSRF token, the chosen language and one-shot notices. Nothing personal.

Times come from the unit of work's clock, so that idle expiry can be tested without
waiting. A session unused for ``idle_timeout`` or older than ``absolute_timeout``
is logged out when it is next read.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plan_store.unit_of_work import Clock
from staff_console.options import ConsoleOptions

COOKIE_NAME = "rumbo_console"
SCOPE_KEY = "rumbo.session"
MAX_FLASHES = 5


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(slots=True)
class ConsoleSession:
    staff_id: int | None = None
    epoch: int = 0
    issued: int = 0
    seen: int = 0
    csrf: str | None = None
    lang: str | None = None
    next_path: str | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)
    expired: bool = False
    """Set (not stored) when this request found a login that had timed out."""
    modified: bool = False

    @property
    def logged_in(self) -> bool:
        return self.staff_id is not None

    def csrf_token(self) -> str:
        if self.csrf is None:
            self.csrf = new_token()
            self.modified = True
        return self.csrf

    def log_in(self, staff_id: int, epoch: int, now: int) -> None:
        """A fresh login: new CSRF token (no fixation), new clocks."""
        self.staff_id, self.epoch = staff_id, epoch
        self.issued = self.seen = now
        self.csrf = new_token()
        self.expired = False
        self.modified = True

    def log_out(self) -> None:
        """Forget the login; keep only the language."""
        self.staff_id, self.epoch, self.issued, self.seen = None, 0, 0, 0
        self.csrf = new_token()
        self.next_path = None
        self.flashes = []
        self.modified = True

    def touch(self, now: int) -> None:
        """Count this request as activity (at most one cookie refresh a minute)."""
        if now - self.seen >= 60:
            self.seen = now
            self.modified = True

    def set_lang(self, lang: str) -> None:
        if lang != self.lang:
            self.lang = lang
            self.modified = True

    def flash(self, kind: str, code: str) -> None:
        self.flashes = [*self.flashes, (kind, code)][-MAX_FLASHES:]
        self.modified = True

    def pop_flashes(self) -> list[tuple[str, str]]:
        flashes, self.flashes = self.flashes, []
        if flashes:
            self.modified = True
        return flashes

    def remember_next(self, path: str | None) -> None:
        self.next_path = path
        self.modified = True

    def dump(self) -> dict[str, Any]:
        data: dict[str, Any] = {"c": self.csrf}
        if self.staff_id is not None:
            data.update(s=self.staff_id, e=self.epoch, i=self.issued, t=self.seen)
        if self.lang:
            data["l"] = self.lang
        if self.next_path:
            data["n"] = self.next_path
        if self.flashes:
            data["f"] = [list(pair) for pair in self.flashes]
        return data

    @classmethod
    def load(cls, data: Any) -> ConsoleSession:
        if not isinstance(data, dict):
            return cls()
        session = cls()
        try:
            if data.get("s") is not None:
                session.staff_id = int(data["s"])
                session.epoch = int(data["e"])
                session.issued = int(data["i"])
                session.seen = int(data["t"])
            csrf = data.get("c")
            session.csrf = csrf if isinstance(csrf, str) and csrf else None
            lang = data.get("l")
            session.lang = lang if isinstance(lang, str) else None
            next_path = data.get("n")
            session.next_path = next_path if isinstance(next_path, str) else None
            session.flashes = [(str(k), str(c)) for k, c in data.get("f", [])][-MAX_FLASHES:]
        except (KeyError, TypeError, ValueError):
            return cls()
        return session


class LazyCsrfToken:
    """The session's CSRF token, made only when a template prints it: a page with no
    form (an error page for a stray request) must not replace the token a form in
    another tab was given."""

    def __init__(self, session: ConsoleSession) -> None:
        self._session = session

    def __str__(self) -> str:
        return self._session.csrf_token()

    def __html__(self) -> str:
        return str(escape(self._session.csrf_token()))


def session_of(connection: HTTPConnection) -> ConsoleSession:
    session = connection.scope.get(SCOPE_KEY)
    if not isinstance(session, ConsoleSession):
        raise RuntimeError("the console session middleware is not installed")
    return session


class SessionMiddleware:
    """Load the signed session cookie into the scope; write it back when changed."""

    def __init__(
        self, app: ASGIApp, *, secret_key: str, clock: Clock, options: ConsoleOptions
    ) -> None:
        self.app = app
        self.serializer = URLSafeSerializer(secret_key, salt="rumbo.console.session")
        self.clock = clock
        self.options = options

    def now(self) -> int:
        return int(self.clock().timestamp())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self._load(HTTPConnection(scope).cookies.get(COOKIE_NAME))
        scope[SCOPE_KEY] = session
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.modified:
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", self._cookie(session, secure=secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, raw: str | None) -> ConsoleSession:
        if not raw:
            return ConsoleSession()
        try:
            session = ConsoleSession.load(self.serializer.loads(raw))
        except BadSignature:
            return ConsoleSession(modified=True)
        if session.logged_in:
            now = self.now()
            idle = now - session.seen > self.options.idle_timeout.total_seconds()
            too_old = now - session.issued > self.options.absolute_timeout.total_seconds()
            if idle or too_old:
                session.log_out()
                session.expired = True
        return session

    def _cookie(self, session: ConsoleSession, *, secure: bool) -> str:
        value = self.serializer.dumps(session.dump())
        attributes = ["Path=/", "HttpOnly", "SameSite=Lax"]
        if secure:
            attributes.append("Secure")
        return "; ".join([f"{COOKIE_NAME}={value}", *attributes])
