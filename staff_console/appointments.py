"""Appointments from the case page: schedule, move, cancel, record attendance.
The adolescent is told in their chat when consent allows it."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.enums import AppointmentAnswer, AppointmentKind
from plan_store.models import Adolescent, Appointment, Home
from plan_store.services import appointments
from plan_store.unit_of_work import UnitOfWork
from staff_console import notify
from staff_console.actions import case_action, object_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError

MAX_TITLE = 200
MAX_PLACE = 200
ATTENDANCE = (AppointmentAnswer.ATTENDED, AppointmentAnswer.MISSED)
Notices = tuple[str, ...]


async def _case_and_zone(uow: UnitOfWork, case_id: int) -> tuple[Adolescent, str]:
    case = await uow.session.get(Adolescent, case_id)
    assert case is not None
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    return case, home.timezone


async def _told(uow: UnitOfWork, case: Adolescent, appointment: Appointment, change: str) -> str:
    told = await notify.appointment_changed(uow, case, appointment, change)
    return "told" if told else "not_told"


@staff_endpoint()
async def schedule(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        case, zone = await _case_and_zone(uow, case_id)
        appointment = await appointments.schedule(
            uow,
            page.actor,
            case_id,
            kind=form.choice("kind", AppointmentKind),
            title=form.text("title", max_length=MAX_TITLE),
            place=form.text("place", max_length=MAX_PLACE, required=False),
            starts_at=form.local_datetime("starts_at", zone),
        )
        return ("appointment.scheduled", await _told(uow, case, appointment, "scheduled"))

    return await case_action(page, case_id, action, anchor="appointments")


@staff_endpoint()
async def move(page: Page) -> Response:
    async def action(uow: UnitOfWork, form: Form, case_id: int, appointment_id: int) -> Notices:
        case, zone = await _case_and_zone(uow, case_id)
        appointment = await appointments.move(
            uow, page.actor, case_id, appointment_id, form.local_datetime("starts_at", zone)
        )
        return ("appointment.moved", await _told(uow, case, appointment, "moved"))

    return await object_action(page, Appointment, "appointment_id", action, anchor="appointment")


@staff_endpoint()
async def cancel(page: Page) -> Response:
    async def action(uow: UnitOfWork, form: Form, case_id: int, appointment_id: int) -> Notices:
        case, _zone = await _case_and_zone(uow, case_id)
        appointment = await appointments.cancel(uow, page.actor, case_id, appointment_id)
        return ("appointment.cancelled", await _told(uow, case, appointment, "cancelled"))

    return await object_action(page, Appointment, "appointment_id", action, anchor="appointment")


@staff_endpoint()
async def attendance(page: Page) -> Response:
    async def action(uow: UnitOfWork, form: Form, case_id: int, appointment_id: int) -> Notices:
        answer = form.choice("answer", AppointmentAnswer)
        if answer not in ATTENDANCE:
            raise FormError("form.choice")
        await appointments.answer(uow, case_id, appointment_id, answer, by_staff=page.actor)
        return ("appointment.attendance",)

    return await object_action(page, Appointment, "appointment_id", action, anchor="appointment")


routes: list[BaseRoute] = [
    Route("/cases/{case_id:int}/appointments", schedule, methods=["POST"]),
    Route("/cases/{case_id:int}/appointments/{appointment_id:int}/move", move, methods=["POST"]),
    Route(
        "/cases/{case_id:int}/appointments/{appointment_id:int}/cancel", cancel, methods=["POST"]
    ),
    Route(
        "/cases/{case_id:int}/appointments/{appointment_id:int}/attendance",
        attendance,
        methods=["POST"],
    ),
]
