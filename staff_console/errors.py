"""Error pages: not found (also for cases out of scope), refused forms, too large."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from staff_console.context import load_staff, page_for
from staff_console.templating import CONSOLE_LANGUAGES


async def error_response(request: Request, status_code: int) -> Response:
    """A calm page in the console's language, with the navigation of whoever is
    logged in; says nothing about what exists."""
    page = page_for(request)
    if request.scope.get("type") == "http":
        page.staff = await load_staff(page)
        if page.staff and page.session.lang is None and page.staff.language in CONSOLE_LANGUAGES:
            page.lang = page.staff.language
    return page.render("error.html", status_code=status_code, status=status_code)


CARRY = "carry."
"""Prefix of a typed field carried through the login form."""


def carried(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What may be carried: never a password."""
    return [(name, value) for name, value in fields if "password" not in name]


async def expired_form(request: Request, fields: list[tuple[str, str]]) -> Response:
    """A form sent after the login timed out: the login page, carrying what was typed
    (in the page itself, nowhere else) so that it can be sent after logging in."""
    page = page_for(request)
    return page.render(
        "login.html",
        status_code=401,
        problem="expired_form",
        username="",
        until=None,
        tz=page.console.options.timezone,
        carry=[(CARRY + name, value) for name, value in carried(fields)],
        carry_action=request.url.path,
    )


async def unknown_page(request: Request) -> Response:
    """A path under one of the console's own areas that names nothing (``/cases/abc``),
    or that a route serves with another method (405, as without this catch-all)."""
    for route in request.app.routes:
        if getattr(route, "endpoint", None) is unknown_page:
            continue
        if route.matches(request.scope)[0] is Match.PARTIAL:
            return await error_response(request, 405)
    return await error_response(request, 404)


async def not_found(request: Request, exc: Exception) -> Response:
    return await error_response(request, 404)


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return await error_response(request, status if status in (404, 405) else 400)
