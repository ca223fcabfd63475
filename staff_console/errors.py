"""Error pages: not found (also for cases out of scope), refused forms, too large."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from staff_console.context import page_for


async def error_response(request: Request, status_code: int) -> Response:
    """A calm page in the session's language; says nothing about what exists."""
    return page_for(request).render("error.html", status_code=status_code, status=status_code)


async def not_found(request: Request, exc: Exception) -> Response:
    return await error_response(request, 404)


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return await error_response(request, status if status in (404, 405) else 400)
