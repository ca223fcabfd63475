"""The dashboard, most urgent first, and the fragment that keeps its urgent part live."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.enums import Role
from plan_store.models import Adolescent
from plan_store.services import alert_reads, concerns, duty, staff_languages
from plan_store.unit_of_work import UnitOfWork
from staff_console import participation
from staff_console.alerts import category_label
from staff_console.context import Page, staff_endpoint
from staff_console.queries import dashboard as dashboard_queries


@staff_endpoint()
async def dashboard(page: Page) -> Response:
    if page.me.role is Role.TRANSLATOR:
        return page.redirect("/languages")  # no cases: their work is the languages
    expand = _expanded(page)
    async with page.uow() as uow:
        board = await dashboard_queries.dashboard(
            uow, page.actor, page.now(), page.console.options, expand=expand
        )
        alert_board = await _alert_board(uow, page)
        proposals = await participation.for_dashboard(
            uow, page.actor, page.console.options.section_limit
        )
        open_concerns, urgent_concerns = await concerns.open_counts(uow, page.actor)
        speaker_requests = await staff_languages.requests_for_speaker(uow, page.actor)
        case_speakers = await staff_languages.case_speakers(
            uow,
            {
                *(item.case.id for item in board.urgent.rows),
                *(row.case.id for row in board.flags.rows),
                *(row.case.id for row in board.requests.rows),
                *(alert.adolescent_id for alert in alert_board["open_alerts"]),
                *(r.adolescent_id for r in speaker_requests),
            },
        )
    return page.render(
        "dashboard.html",
        board=board,
        urgent=board.urgent,
        expand=expand,
        proposals=proposals,
        open_concerns=open_concerns,
        urgent_concerns=urgent_concerns,
        speaker_requests=speaker_requests,
        case_speakers=case_speakers,
        **alert_board,
    )


async def _alert_board(uow: UnitOfWork, page: Page) -> dict[str, Any]:
    """Open alerts with their waiting time, time to acknowledge per home over the last
    30 days, and (for coordinators and admins) the homes whose duty needs attention."""
    me = page.me
    home_ids = [home.home_id for home in page.on_duty]
    names = {home.home_id: home.home_name for home in page.on_duty}
    found = await alert_reads.open_alerts(uow, home_ids)
    if me.role is Role.OPERATOR:
        on_duty = me.home_id is not None and await duty.is_on_duty(uow, me.id, me.home_id)
        mine = set(
            await uow.session.scalars(
                select(Adolescent.id).where(Adolescent.reference_operator_id == me.id)
            )
        )
        found = [a for a in found if on_duty or a.adolescent_id in mine]
    times = await alert_reads.ack_times(uow, home_ids, page.now() - timedelta(days=30))
    return {
        "open_alerts": found,
        "ack_times": [(names[home_id], times[home_id]) for home_id in home_ids],
        "duty_warnings": [home for home in page.on_duty if home.warning]
        if me.role in (Role.COORDINATOR, Role.ADMIN)
        else [],
        "alert_label": partial(category_label, page.t),
    }


@staff_endpoint(passive=True)
async def urgent_fragment(page: Page) -> Response:
    """The urgent list alone, for the page's script to swap in. Polling it does not
    keep a session alive."""
    limit = dashboard_queries.rows_shown("urgent", page.console.options, _expanded(page))
    async with page.uow() as uow:
        urgent = await dashboard_queries.urgent_items(uow, page.actor, limit)
        case_speakers = await staff_languages.case_speakers(uow, {i.case.id for i in urgent.rows})
    return page.render("partials/urgent.html", urgent=urgent, case_speakers=case_speakers)


def _expanded(page: Page) -> str:
    """The section the page lists whole (``?more=``), if it is one that can be."""
    expand = page.request.query_params.get("more", "")
    return expand if expand in dashboard_queries.EXPANDABLE else ""


routes: list[BaseRoute] = [
    Route("/", dashboard, methods=["GET"]),
    Route("/dashboard/urgent", urgent_fragment, methods=["GET"]),
]
