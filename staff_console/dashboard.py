"""The dashboard, most urgent first, and the fragment that keeps its urgent part live."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from staff_console import queries
from staff_console.context import Page, staff_endpoint


@staff_endpoint()
async def dashboard(page: Page) -> Response:
    expand = page.request.query_params.get("more", "")
    expand = expand if expand in queries.EXPANDABLE else ""
    async with page.uow() as uow:
        board = await queries.dashboard(
            uow, page.actor, page.now(), page.console.options, expand=expand
        )
    return page.render("dashboard.html", board=board, urgent=board.urgent)


@staff_endpoint(passive=True)
async def urgent_fragment(page: Page) -> Response:
    """The urgent list alone, for the page's script to swap in. Polling it does not
    keep a session alive."""
    async with page.uow() as uow:
        urgent = await queries.urgent_items(uow, page.actor)
    return page.render("partials/urgent.html", urgent=urgent)


routes: list[BaseRoute] = [
    Route("/", dashboard, methods=["GET"]),
    Route("/dashboard/urgent", urgent_fragment, methods=["GET"]),
]
