"""The team around the plan on a case: notes by anyone of the team, and the handover
note the new reference operator reads first (and marks read)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.errors import NotFound
from plan_store.models import Handover
from plan_store.services import audit, notes
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import case_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form


@staff_endpoint()
async def add_note(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await notes.add_note(uow, page.actor, case_id, form.text("note", max_length=notes.MAX_NOTE))
        return ("note.added",)

    return await case_action(page, case_id, action, anchor="notes")


@staff_endpoint()
async def handover_read(page: Page) -> Response:
    """The new operator has read the handover note: it leaves the top of her pages."""
    case_id = page.int_param("case_id")
    handover_id = page.int_param("handover_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        handover = await uow.session.scalar(
            select(Handover).where(
                Handover.id == handover_id,
                Handover.adolescent_id == case_id,
                Handover.to_staff_id == page.me.id,
            )
        )
        if handover is None:
            raise NotFound(f"no handover {handover_id} for this person")
        if handover.read_at is None:
            handover.read_at = uow.now()
            audit.record(
                uow,
                "handover.read",
                staff_id=page.me.id,
                adolescent_id=case_id,
                target=f"handover:{handover.id}",
            )
        return ("handover.read",)

    return await case_action(page, case_id, action, anchor="top")


routes: list[BaseRoute] = [
    Route("/cases/{case_id:int}/notes", add_note, methods=["POST"]),
    Route("/cases/{case_id:int}/handovers/{handover_id:int}/read", handover_read, methods=["POST"]),
]
