"""The dashboard, most urgent first, and the fragment that keeps its urgent part live."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.services import concerns
from staff_console import participation, queries
from staff_console.context import Page, staff_endpoint


@staff_endpoint()
async def dashboard(page: Page) -> Response:
    async with page.uow() as uow:
        board = await queries.dashboard(uow, page.actor, page.now(), page.console.options)
        proposals = await participation.for_dashboard(
            uow, page.actor, page.console.options.section_limit
        )
        open_concerns, urgent_concerns = await concerns.open_counts(uow, page.actor)
    return page.render(
        "dashboard.html",
        board=board,
        urgent=board.urgent,
        proposals=proposals,
        open_concerns=open_concerns,
        urgent_concerns=urgent_concerns,
    )


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
