"""Cross-site request forgery: every unsafe request must carry the session's token.

A synchronizer token lives in the signed session; each form sends it back in the
hidden ``csrf_token`` field (or a script in the ``X-CSRF-Token`` header). The check
runs here, for every method other than GET, HEAD, OPTIONS and TRACE, before any
route sees the request, so a new form cannot forget it. Requests a browser marks as
cross-site, or whose Origin is another host, are refused too.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from staff_console.sessions import session_of
from web.bodies import BodyTooLarge, asgi_chunks, read_body

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FIELD_NAME = "csrf_token"
HEADER_NAME = "x-csrf-token"

Refusal = Callable[[Request, int], Awaitable[Response]]
# A form sent after its login timed out: what was typed, to carry through a new login.
ExpiredForm = Callable[[Request, list[tuple[str, str]]], Awaitable[Response]]


class CsrfMiddleware:
    """``uploads``: paths whose multipart forms may be up to ``max_upload_bytes`` (a
    voice prompt); every other unsafe request is held to ``max_body_bytes``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        refuse: Refusal,
        max_body_bytes: int,
        uploads: Sequence[re.Pattern[str]] = (),
        max_upload_bytes: int = 0,
        expired_form: ExpiredForm | None = None,
    ) -> None:
        self.app = app
        self.expired_form = expired_form
        self.refuse = refuse
        self.max_body_bytes = max_body_bytes
        self.uploads = tuple(uploads)
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if not same_origin(request.headers):
            await (await self.refuse(request, 403))(scope, receive, send)
            return
        try:
            declared = request.headers.get("content-length")
            body = await read_body(asgi_chunks(receive), declared, self._limit(scope))
        except BodyTooLarge:
            await (await self.refuse(request, 413))(scope, receive, send)
            return
        replay = _replay(body, receive)
        token: str | None = request.headers.get(HEADER_NAME)
        if not token:
            token = await _form_token(scope, body, replay)
        session = session_of(request)
        expected = session.csrf
        if not token or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            fields = _form_fields(scope, body)
            if session.expired and self.expired_form is not None and fields is not None:
                # The login timed out while the form was being filled in: ask to log in
                # again and carry what was typed, rather than losing it.
                await (await self.expired_form(request, fields))(scope, receive, send)
                return
            await (await self.refuse(request, 403))(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _limit(self, scope: Scope) -> int:
        content_type = Headers(scope=scope).get("content-type", "")
        path = str(scope.get("path", ""))
        if content_type.lower().startswith("multipart/form-data") and any(
            pattern.fullmatch(path) for pattern in self.uploads
        ):
            return max(self.max_upload_bytes, self.max_body_bytes)
        return self.max_body_bytes


def same_origin(headers: Headers) -> bool:
    """False when the browser says the request comes from another site.

    Browsers that send Fetch Metadata say so in ``Sec-Fetch-Site``. Otherwise a real
    Origin must name this host; ``Origin: null`` is what a same-origin form sends
    under ``Referrer-Policy: no-referrer``, so it is left to the token.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return True
    return urlsplit(origin).netloc == headers.get("host", "")


async def _form_token(scope: Scope, body: bytes, receive: Receive) -> str | None:
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if name == FIELD_NAME:
                return value
        return None
    if content_type == "multipart/form-data":
        try:
            async with Request(scope, receive).form() as form:
                found = form.get(FIELD_NAME)
                return found if isinstance(found, str) else None
        except (HTTPException, MultiPartException):  # a malformed body: no token in it
            return None
    return None


def _form_fields(scope: Scope, body: bytes) -> list[tuple[str, str]] | None:
    """The fields of an ordinary form (not an upload), without its token; None else."""
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return None
    return [(name, value) for name, value in pairs if name != FIELD_NAME]


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the already-read body once, then defers to the original."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
