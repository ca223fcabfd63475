"""Cases: the caseload list, opening a case by its number, the case page (the
progress mirror), older messages, and moving a case along or closing it.
Admitting, reassigning and exporting a case are coordination's: ``case_admin``."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.enums import AppointmentKind, CaseStatus, Phase
from plan_store.errors import NotFound
from plan_store.services import cases as case_service
from plan_store.services import staff_languages
from plan_store.services.access import case_for_staff, may_schedule
from plan_store.unit_of_work import UnitOfWork
from staff_console import family_legal, participation
from staff_console.actions import case_action
from staff_console.case_admin import coordination_for, erasure_for
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError, read_form
from staff_console.queries import case as case_queries
from staff_console.queries.caseload import case_id_by_number, caseload

STATUS_FILTERS = {
    "in_care": CaseStatus.IN_CARE,
    "follow_up": CaseStatus.FOLLOW_UP,
    "closed": CaseStatus.CLOSED,
}


@staff_endpoint()
async def case_list(page: Page) -> Response:
    params = page.request.query_params
    status_key = params.get("status", "in_care")
    status = STATUS_FILTERS.get(status_key)
    if status is None:
        status_key = "all"
    page_number = int(params["page"]) if params.get("page", "").isdigit() else 1
    async with page.uow() as uow:
        listing = await caseload(
            uow,
            page.actor,
            status=status,
            page=page_number,
            per_page=page.console.options.caseload_page,
        )
    return page.render("cases.html", listing=listing, status_key=status_key)


@staff_endpoint()
async def open_by_number(page: Page) -> Response:
    """Open a case by its number, typed in a form (a number never goes in a URL)."""
    form = await read_form(page.request)
    number = form.raw("case_number").strip()[:32]
    if not number:
        page.flash("error", "form.missing")
        return page.redirect("/cases")
    try:
        async with page.uow() as uow:
            case_id = await case_id_by_number(uow, number)
            await case_for_staff(uow, page.actor, case_id, purpose="open")
    except NotFound:  # mistyped, or not this person's: the same words either way
        page.flash("error", "case.number_unknown")
        return page.redirect("/cases")
    return page.redirect(f"/cases/{case_id}")


@staff_endpoint()
async def case_page(page: Page) -> Response:
    case_id = page.int_param("case_id")
    async with page.uow() as uow:
        view = await case_queries.case_page(
            uow, page.actor, case_id, timeline_limit=page.console.options.timeline_page
        )
        coordination = await coordination_for(uow, page.actor, view.case)
        erasure = await erasure_for(uow, page.actor, case_id)
        voice = await participation.for_case(uow, view.case)
        case_speakers = await staff_languages.case_speakers(uow, [view.case.id])
        papers = await family_legal.for_case(uow, page.actor, view.case)
        await uow.commit()  # the audited read
    return page.render(
        "case.html",
        view=view,
        tz=view.timezone,
        follow_up_default=(view.today + timedelta(days=365)).isoformat(),
        coordination=coordination,
        erasure=erasure,
        voice=voice,
        case_speakers=case_speakers,
        papers=papers,
        # Only the kinds of appointment her role schedules (a lawyer: legal ones).
        schedulable=[k for k in AppointmentKind if may_schedule(page.actor.role, k)],
    )


@staff_endpoint()
async def messages_page(page: Page) -> Response:
    case_id = page.int_param("case_id")
    before = page.request.query_params.get("before", "")
    async with page.uow() as uow:
        view = await case_queries.older_messages(
            uow,
            page.actor,
            case_id,
            before_id=int(before) if before.isdigit() else None,
            limit=page.console.options.timeline_page,
        )
        await uow.commit()
    return page.render("messages.html", view=view, tz=view.home.timezone)


@staff_endpoint()
async def move_to_follow_up(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        until = form.required_day("follow_up_until")
        await case_service.move_to_follow_up(uow, page.actor, case_id, follow_up_until=until)
        return ("case.follow_up",)

    return await case_action(page, case_id, action, anchor="top")


@staff_endpoint()
async def close_case(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        if not form.checked("confirm"):
            # Still a checked, audited reach for the case: out of scope is a 404.
            await case_for_staff(uow, page.actor, case_id, purpose="change")
            raise FormError("form.confirm")
        await case_service.close_case(uow, page.actor, case_id)
        return ("case.closed",)

    return await case_action(page, case_id, action, anchor="top")


@staff_endpoint()
async def change_phase(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await case_service.change_phase(uow, page.actor, case_id, form.choice("phase", Phase))
        return ("case.phase",)

    return await case_action(page, case_id, action, anchor="top")


routes: list[BaseRoute] = [
    Route("/cases", case_list, methods=["GET"]),
    Route("/cases/open", open_by_number, methods=["POST"]),
    Route("/cases/{case_id:int}", case_page, methods=["GET"]),
    Route("/cases/{case_id:int}/messages", messages_page, methods=["GET"]),
    Route("/cases/{case_id:int}/follow-up", move_to_follow_up, methods=["POST"]),
    Route("/cases/{case_id:int}/close", close_case, methods=["POST"]),
    Route("/cases/{case_id:int}/phase", change_phase, methods=["POST"]),
]
