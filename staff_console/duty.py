"""Turnos: who is on duty in a home, the weekly pattern, one-off changes, each case's
backup and the escalation delays. Everyone sees their home's roster; its coordinators
(and admins, for any home) change it. Every change is audited by the services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import N_
from plan_store.enums import CaseStatus, Role
from plan_store.models import Adolescent, Home, Staff
from plan_store.services import duty
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError

WEEKDAYS = (
    # Translators: a day of the week in the duty roster.
    N_("lunes"),
    # Translators: a day of the week in the duty roster.
    N_("martes"),
    # Translators: a day of the week in the duty roster.
    N_("miércoles"),
    # Translators: a day of the week in the duty roster.
    N_("jueves"),
    # Translators: a day of the week in the duty roster.
    N_("viernes"),
    # Translators: a day of the week in the duty roster.
    N_("sábado"),
    # Translators: a day of the week in the duty roster.
    N_("domingo"),
)


async def _home_for(page: Page, uow: UnitOfWork) -> Home:
    """The staff member's home; an admin picks one with ``?home=`` (default the first)."""
    home_id = page.me.home_id
    if home_id is None:
        wanted = page.request.query_params.get("home", "")
        if wanted.isdigit():
            home_id = int(wanted)
        else:
            home_id = await uow.session.scalar(select(Home.id).order_by(Home.name).limit(1))
    home = await uow.session.get(Home, home_id) if home_id is not None else None
    if home is None:
        raise HTTPException(404)
    return home


@staff_endpoint()
async def roster(page: Page) -> Response:
    async with page.uow() as uow:
        home = await _home_for(page, uow)
        team = list(
            await uow.session.scalars(
                select(Staff)
                .where(Staff.home_id == home.id, Staff.active)
                .order_by(Staff.display_name)
            )
        )
        names = {member.id: member.display_name for member in team}
        shifts = await duty.shifts(uow, home.id)
        changes = await duty.changes(uow, home.id, page.now() - timedelta(hours=1))
        now_on = await duty.on_duty(uow, home.id)
        reachable = await duty.reachable(uow, now_on)
        cases = list(
            await uow.session.scalars(
                select(Adolescent)
                .where(Adolescent.home_id == home.id, Adolescent.status != CaseStatus.CLOSED)
                .order_by(Adolescent.case_number)
            )
        )
        homes = (
            list(await uow.session.scalars(select(Home).order_by(Home.name)))
            if page.me.role is Role.ADMIN
            else []
        )
        return page.render(
            "duty.html",
            home=home,
            homes=homes,
            team=team,
            names=names,
            shifts=shifts,
            changes=changes,
            now_on=[(m.display_name, m.id in reachable) for m in now_on],
            cases=cases,
            weekdays=[page.t.gettext(day) for day in WEEKDAYS],
            editable=page.me.role is Role.ADMIN
            or (page.me.role is Role.COORDINATOR and page.me.home_id == home.id),
        )


def _back(home_id: int, anchor: str) -> str:
    return f"/duty?home={home_id}#{anchor}"


@staff_endpoint()
async def add_shift(page: Page) -> Response:
    home_id = page.int_param("home_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        days = [int(d) for d in form.data.getlist("weekday") if isinstance(d, str) and d.isdigit()]
        if not days:
            raise FormError("form.missing")
        await duty.add_shift(
            uow,
            page.actor,
            home_id,
            staff_id=form.integer("staff_id"),
            weekdays=days,
            starts=form.clock("starts"),
            ends=form.clock("ends"),
        )
        return ("duty.shift_added",)

    return await change_action(page, change, back=_back(home_id, "shifts"))


@staff_endpoint()
async def remove_shift(page: Page) -> Response:
    home_id, shift_id = page.int_param("home_id"), page.int_param("shift_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await duty.remove_shift(uow, page.actor, shift_id)
        return ("duty.shift_removed",)

    return await change_action(page, change, back=_back(home_id, "shifts"))


@staff_endpoint()
async def add_change(page: Page) -> Response:
    home_id = page.int_param("home_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        home = await uow.session.get(Home, home_id)
        if home is None:
            raise HTTPException(404)
        await duty.add_change(
            uow,
            page.actor,
            home_id,
            staff_id=form.integer("staff_id"),
            starts_at=form.local_datetime("starts_at", home.timezone),
            ends_at=form.local_datetime("ends_at", home.timezone),
            on_duty=form.raw("on_duty") != "0",
        )
        return ("duty.change_added",)

    return await change_action(page, change, back=_back(home_id, "changes"))


@staff_endpoint()
async def remove_change(page: Page) -> Response:
    home_id, change_id = page.int_param("home_id"), page.int_param("change_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await duty.remove_change(uow, page.actor, change_id)
        return ("duty.change_removed",)

    return await change_action(page, change, back=_back(home_id, "changes"))


@staff_endpoint()
async def set_backup(page: Page) -> Response:
    home_id, case_id = page.int_param("home_id"), page.int_param("case_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        raw = form.raw("staff_id")
        await duty.set_backup(uow, page.actor, case_id, int(raw) if raw.isdigit() else None)
        return ("duty.backup",)

    return await change_action(page, change, back=_back(home_id, "backups"))


@staff_endpoint()
async def set_escalation(page: Page) -> Response:
    home_id = page.int_param("home_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await duty.set_escalation(
            uow,
            page.actor,
            home_id,
            backup_minutes=form.integer("backup_minutes"),
            coordinators_minutes=form.integer("coordinators_minutes"),
        )
        return ("duty.escalation",)

    return await change_action(page, change, back=_back(home_id, "escalation"))


routes: list[BaseRoute] = [
    Route("/duty", roster, methods=["GET"]),
    Route("/duty/{home_id:int}/shifts", add_shift, methods=["POST"]),
    Route("/duty/{home_id:int}/shifts/{shift_id:int}/remove", remove_shift, methods=["POST"]),
    Route("/duty/{home_id:int}/changes", add_change, methods=["POST"]),
    Route("/duty/{home_id:int}/changes/{change_id:int}/remove", remove_change, methods=["POST"]),
    Route("/duty/{home_id:int}/backups/{case_id:int}", set_backup, methods=["POST"]),
    Route("/duty/{home_id:int}/escalation", set_escalation, methods=["POST"]),
]
