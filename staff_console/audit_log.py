"""The admin area, part three: the audit log. Who read or changed what, when; never
the content of a message (the log holds none).

Filters: staff member, case (its id), action, and a date range in the
installation's time zone. Newest first, a page at a time by id (``?before=``), so
that entries written meanwhile never shift a page.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from staff_console import admin_queries
from staff_console.admin_queries import AuditFilter
from staff_console.audit_words import action_text, target_of
from staff_console.context import Page, staff_endpoint
from staff_console.guards import ADMINS, only

MAX_ACTION = 60


def _id(params: QueryParams, name: str) -> int | None:
    value = params.get(name, "").strip()
    return int(value) if value.isdigit() and len(value) <= 12 else None


def _day(params: QueryParams, name: str) -> date | None:
    try:
        return date.fromisoformat(params.get(name, "").strip())
    except ValueError:
        return None


def read_filter(params: QueryParams) -> AuditFilter:
    """The filter in the query string; a value that is not valid is left out."""
    action = params.get("action", "").strip()
    return AuditFilter(
        staff_id=_id(params, "staff"),
        case_id=_id(params, "case"),
        action=action if action and len(action) <= MAX_ACTION else None,
        since=_day(params, "from"),
        until=_day(params, "to"),
    )


@staff_endpoint()
@only(ADMINS)
async def audit_log(page: Page) -> Response:
    params = page.request.query_params
    where = read_filter(params)
    before = _id(params, "before")
    options = page.console.options
    async with page.uow() as uow:
        found = await admin_queries.audit_page(
            uow, where, before=before, limit=options.audit_page, timezone=options.timezone
        )
        staff_choices = await admin_queries.staff_choices(uow)
        actions = await admin_queries.audit_actions(uow)
    filters = where.query_items()
    return page.render(
        "admin_audit.html",
        where=where,
        found=found,
        staff_choices=staff_choices,
        actions=actions,
        tz=options.timezone,
        first_url=_url(filters),
        older_url=_url([*filters, ("before", str(found.older_than))]) if found.older_than else None,
        paged=before is not None,
        details=details_text,
        action_text=partial(action_text, page.t),
        target_of=partial(target_of, page.t),
    )


def _url(items: list[tuple[str, str]]) -> str:
    return "/admin/audit" + (f"?{urlencode(items)}" if items else "")


def details_text(details: dict[str, Any]) -> str:
    """An entry's details, compact: ``key=value`` pairs (ids, codes, counts only)."""
    parts = []
    for key, value in sorted(details.items()):
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(f"{key}={shown}")
    return " · ".join(parts)


routes: list[BaseRoute] = [
    Route("/admin/audit", audit_log, methods=["GET"]),
]
