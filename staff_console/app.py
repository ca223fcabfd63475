"""``create_app``: the staff console as a Starlette app.

Two layers: the outer app adds the security headers to everything it serves,
including the routes mounted beside the console (``mounts``, e.g. the web chat); the
inner console app adds the signed session and the CSRF check for every unsafe
request, and maps "not found" and "out of scope" alike to a 404 page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import URLPath
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound
from starlette.types import Receive, Scope, Send

from plan_store.errors import NotFound, NotOwnedByCase
from plan_store.unit_of_work import UnitOfWorkFactory
from staff_console.context import Console
from staff_console.csrf import CsrfMiddleware
from staff_console.errors import error_response, expired_form, http_error, not_found
from staff_console.languages import VOICE_UPLOAD
from staff_console.options import ConsoleOptions
from staff_console.routes import console_routes
from staff_console.security import DEFAULT_HEADERS
from staff_console.sessions import SessionMiddleware
from staff_console.templating import shared_templates
from web.headers import SecurityHeadersMiddleware


def create_console(
    uow_factory: UnitOfWorkFactory,
    *,
    secret_key: str,
    telegram_bot_username: str | None = None,
    demo: bool = False,
    options: ConsoleOptions | None = None,
) -> Starlette:
    """The console alone: sessions, CSRF and its routes, without security headers."""
    if len(secret_key) < 32:
        raise ValueError("the console's secret key needs at least 32 characters")
    options = options or ConsoleOptions()
    console = Starlette(
        routes=console_routes(),
        middleware=[
            Middleware(
                SessionMiddleware, secret_key=secret_key, clock=uow_factory.clock, options=options
            ),
            Middleware(
                CsrfMiddleware,
                refuse=error_response,
                max_body_bytes=options.max_body_bytes,
                uploads=(VOICE_UPLOAD,),
                max_upload_bytes=options.max_upload_bytes,
                expired_form=expired_form,
            ),
        ],
        exception_handlers={
            NotFound: not_found,
            NotOwnedByCase: not_found,
            404: http_error,
            405: http_error,
        },
    )
    console.state.console = Console(
        uow=uow_factory,
        templates=shared_templates(demo),
        options=options,
        telegram_bot_username=telegram_bot_username,
        demo=demo,
    )
    return console


def create_app(
    uow_factory: UnitOfWorkFactory,
    *,
    secret_key: str,
    mounts: Sequence[BaseRoute] = (),
    telegram_bot_username: str | None = None,
    demo: bool = False,
    options: ConsoleOptions | None = None,
) -> Starlette:
    """The console at ``/``, with ``mounts`` (matched first) beside it."""
    console = create_console(
        uow_factory,
        secret_key=secret_key,
        telegram_bot_username=telegram_bot_username,
        demo=demo,
        options=options,
    )
    app = Starlette(
        routes=[*mounts, Mount("/", app=console, name="console")],
        middleware=[Middleware(SecurityHeadersMiddleware, headers=DEFAULT_HEADERS, hsts=True)],
    )
    app.state.console_app = console
    return app


class ConsoleRoute(BaseRoute):
    """The console (as built by ``create_app``) as a single route of a larger app.

    It claims only the paths the console serves, so routes placed after it (the
    web chat, webhooks) are still reached, whatever order the parts come in.
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        for route in self.app.routes:
            match, _child = route.matches(scope)
            if match is Match.FULL or match is Match.PARTIAL:
                if isinstance(route, Mount) and route.path == "" and route.name == "console":
                    # The console's own catch-all: ask its routes instead.
                    console: Any = route.app
                    if not any(r.matches(scope)[0] is not Match.NONE for r in console.routes):
                        continue
                return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
