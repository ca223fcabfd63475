"""The console session cookie: signed, carrying the token of the server-side login
(``plan_store.services.staff_sessions``: logout, timeouts and "end all sessions" are
decided there), the CSRF token, the chosen language and one-shot notices. Between
the password and the second factor it carries ``pending``: who typed the right
password, and when. Nothing personal.
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


PENDING_SECONDS = 300
"""How long the second step of a log-in may follow the password."""


@dataclass(slots=True)
class ConsoleSession:
    token: str | None = None
    pending: int | None = None
    """The staff id whose password was right, waiting for the second factor."""
    pending_at: int = 0
    csrf: str | None = None
    lang: str | None = None
    next_path: str | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)
    expired: bool = False
    """Set (not stored) when this request found a login that had timed out."""
    modified: bool = False

    @property
    def logged_in(self) -> bool:
        return self.token is not None

    def csrf_token(self) -> str:
        if self.csrf is None:
            self.csrf = new_token()
            self.modified = True
        return self.csrf

    def log_in(self, token: str) -> None:
        """A fresh login: new CSRF token (no fixation)."""
        self.token = token
        self.pending, self.pending_at = None, 0
        self.csrf = new_token()
        self.expired = False
        self.modified = True

    def await_second_factor(self, staff_id: int, now: int) -> None:
        self.token = None
        self.pending, self.pending_at = staff_id, now
        self.csrf = new_token()
        self.modified = True

    def pending_staff(self, now: int) -> int | None:
        """Who gave the right password less than ``PENDING_SECONDS`` ago, if anyone."""
        if self.pending is None or now - self.pending_at > PENDING_SECONDS:
            return None
        return self.pending

    def log_out(self) -> None:
        """Forget the login; keep only the language."""
        self.token = None
        self.pending, self.pending_at = None, 0
        self.csrf = new_token()
        self.next_path = None
        self.flashes = []
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
        if self.token is not None:
            data["k"] = self.token
        if self.pending is not None:
            data.update(p=self.pending, pa=self.pending_at)
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
            token = data.get("k")
            session.token = token if isinstance(token, str) and token else None
            if data.get("p") is not None:
                session.pending = int(data["p"])
                session.pending_at = int(data["pa"])
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
            return ConsoleSession.load(self.serializer.loads(raw))
        except BadSignature:
            return ConsoleSession(modified=True)

    def _cookie(self, session: ConsoleSession, *, secure: bool) -> str:
        value = self.serializer.dumps(session.dump())
        attributes = ["Path=/", "HttpOnly", "SameSite=Lax"]
        if secure:
            attributes.append("Secure")
        return "; ".join([f"{COOKIE_NAME}={value}", *attributes])
