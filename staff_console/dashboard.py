"""The dashboard, most urgent first, and the fragment that keeps its urgent part live."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.enums import Role
from plan_store.services import staff_languages
from staff_console import queries
from staff_console.context import Page, staff_endpoint


@staff_endpoint()
async def dashboard(page: Page) -> Response:
    if page.me.role is Role.TRANSLATOR:
        return page.redirect("/languages")  # no cases: their work is the languages
    async with page.uow() as uow:
        board = await queries.dashboard(uow, page.actor, page.now(), page.console.options)
        speaker_requests = await staff_languages.requests_for_speaker(uow, page.actor)
    return page.render(
        "dashboard.html", board=board, urgent=board.urgent, speaker_requests=speaker_requests
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
