"""Security headers on every response of a web app.

Headers a route has set itself are kept (``setdefault``), so a mounted part can
relax or tighten its own; everything else gets the app's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeadersMiddleware:
    """Adds ``headers`` to every HTTP response that does not set them itself, and
    ``Strict-Transport-Security`` when ``hsts`` and the request came over HTTPS."""

    def __init__(self, app: ASGIApp, *, headers: Mapping[str, str], hsts: bool = False) -> None:
        self.app = app
        self.headers = dict(headers)
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.hsts and scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)
