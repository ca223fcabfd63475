"""What coordination does with cases: admit an adolescent (a new case), refer a case
to another operator, move it to another care setting, and export everything kept
about the adolescent (the right of access) as one JSON file.

Coordinators do this for their own home and admins for any home; operators do not
(the admission form is a 404 for them, audited by ``guards.only``; the case forms
are not shown to them, and the services refuse them as not found, audited). Every
change goes through ``plan_store.services.cases``; the export is built by
``plan_store.services.export`` and only serialised here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import LANGUAGES, is_supported
from plan_store.enums import CareSetting, Phase, Role
from plan_store.errors import DuplicateName, NotFound, PlanStoreError
from plan_store.models import Adolescent, Home, Staff
from plan_store.services import cases as case_service
from plan_store.services import erasure
from plan_store.services import export as export_service
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.unit_of_work import UnitOfWork
from staff_console import notify
from staff_console.actions import case_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError, read_form
from staff_console.guards import COORDINATORS_AND_ADMINS, only

CARE_SETTINGS: list[CareSetting] = [s for s in CareSetting if s is not CareSetting.AFTER_CARE]
"""The settings of care a case can be in; after care is reached by moving to follow-up."""
ADMISSION_PHASES: list[Phase] = [p for p in Phase if p is not Phase.AFTER_CARE]
FIELDS = ("case_number", "alias", "birth_date", "language", "care_setting", "phase")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class HomeChoice:
    id: int
    name: str
    kind: CareSetting
    operators: list[Choice]


async def _homes(uow: UnitOfWork, actor: StaffActor) -> list[HomeChoice]:
    """The homes ``actor`` admits to (a coordinator: theirs; an admin: every one), each
    with its active operators, who can be reference operators there."""
    query = select(Home.id, Home.name, Home.kind).order_by(Home.name, Home.id)
    if actor.role is not Role.ADMIN:
        query = query.where(Home.id == actor.home_id)
    homes = [(row[0], row[1], row[2]) for row in await uow.session.execute(query)]
    operators = await _operators(uow, [home_id for home_id, _name, _kind in homes])
    return [
        HomeChoice(home_id, name, kind, operators.get(home_id, [])) for home_id, name, kind in homes
    ]


async def _operators(uow: UnitOfWork, home_ids: list[int]) -> dict[int, list[Choice]]:
    if not home_ids:
        return {}
    rows = await uow.session.execute(
        select(Staff.home_id, Staff.id, Staff.display_name)
        .where(Staff.home_id.in_(home_ids), Staff.role == Role.OPERATOR, Staff.active)
        .order_by(Staff.display_name, Staff.id)
    )
    found: dict[int, list[Choice]] = {}
    for home_id, staff_id, name in rows:
        if home_id is not None:
            found.setdefault(home_id, []).append(Choice(staff_id, name))
    return found


# --- The case page's coordination forms ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coordination:
    """What the case page offers coordination: the operators the case can be referred
    to, and the care settings it can move to."""

    operators: list[Choice]
    care_settings: list[CareSetting]

    def has_operator(self, staff_id: int | None) -> bool:
        return any(choice.id == staff_id for choice in self.operators)


async def coordination_for(
    uow: UnitOfWork, actor: StaffActor, case: Adolescent
) -> Coordination | None:
    """The coordination forms' choices for ``case``; None for an operator."""
    if actor.role not in COORDINATORS_AND_ADMINS:
        return None
    operators = await _operators(uow, [case.home_id])
    return Coordination(operators.get(case.home_id, []), CARE_SETTINGS)


@staff_endpoint()
async def change_operator(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        operator_id = form.integer("reference_operator_id")
        note = form.text("handover_note", max_length=case_service.MAX_HANDOVER_NOTE, required=False)
        await case_service.change_reference_operator(
            uow, page.actor, case_id, operator_id, handover_note=note
        )
        case = await uow.session.get(Adolescent, case_id)
        operator = await uow.session.get(Staff, operator_id)
        assert case is not None and operator is not None
        told = await notify.operator_changed(uow, case, operator.display_name)
        return ("case.operator", "told" if told else "not_told")

    return await case_action(page, case_id, action, anchor="top")


@staff_endpoint()
async def change_care_setting(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        setting = form.choice("care_setting", CareSetting)
        await case_service.change_care_setting(uow, page.actor, case_id, setting)
        return ("case.care_setting",)

    return await case_action(page, case_id, action, anchor="top")


# --- The right of access -------------------------------------------------------------


def export_filename(case_number: str) -> str:
    """The file's name: the case number only (never the alias), safe in a header."""
    return f"{_UNSAFE_IN_FILENAME.sub('_', case_number)}.json"


@staff_endpoint()
async def export(page: Page) -> Response:
    """Everything kept about the adolescent, as one JSON file to download. A POST with
    the form's CSRF token: a deliberate act, audited (``case.export``) before the file
    leaves. Who may export, and why: ``plan_store.services.export``."""
    case_id = page.int_param("case_id")
    async with page.uow() as uow:
        data = await export_service.case_export(uow, page.actor, case_id)
        await uow.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    filename = export_filename(str(data["case"]["case_number"]))
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


# --- The right to erasure ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErasureState:
    """What the case page shows an admin about erasing the case."""

    requested_by: str | None
    """Who asked, when an erasure waits for a second admin."""
    mine: bool


async def erasure_for(uow: UnitOfWork, actor: StaffActor, case_id: int) -> ErasureState | None:
    if actor.role is not Role.ADMIN:
        return None
    asked = await erasure.pending(uow, case_id)
    if asked is None:
        return ErasureState(None, mine=False)
    name = await uow.session.scalar(
        select(Staff.display_name).where(Staff.id == asked.requested_by_id)
    )
    return ErasureState(name or "?", mine=asked.requested_by_id == actor.id)


@staff_endpoint()
async def request_erasure(page: Page) -> Response:
    """Scope first (audited), then the service lets only admins ask."""
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        if not form.checked("confirm"):
            raise FormError("form.confirm")
        await erasure.request(uow, page.actor, case_id)
        return ("case.erasure_requested",)

    return await case_action(page, case_id, action, anchor="top")


@staff_endpoint()
async def cancel_erasure(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await erasure.cancel(uow, page.actor, case_id)
        return ("case.erasure_cancelled",)

    return await case_action(page, case_id, action, anchor="top")


@staff_endpoint()
async def confirm_erasure(page: Page) -> Response:
    """The second admin confirms: everything about the case goes, now."""
    case_id = page.int_param("case_id")
    form = await read_form(page.request)
    try:
        async with page.uow() as uow:
            # Scope first, before any value is looked at: out of scope is a 404, audited.
            await case_for_staff(uow, page.actor, case_id, purpose="reach")
            if not form.checked("confirm"):
                raise FormError("form.confirm")
            await erasure.confirm(uow, page.actor, case_id)
            await uow.commit()
    except FormError as error:
        page.flash("error", error.code)
        return page.redirect(f"/cases/{case_id}#top")
    except PlanStoreError as error:
        if isinstance(error, NotFound):
            raise
        page.flash("error", error.code)
        return page.redirect(f"/cases/{case_id}#top")
    page.flash("ok", "case.erased")
    return page.redirect("/cases")


# --- Admitting an adolescent ---------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _birth_date_bounds(page: Page) -> tuple[date, date]:
    """The birth dates the form offers: from 21 to 10 years old today, in the
    installation's time zone (the service checks the age on the home's calendar)."""
    today = page.now().astimezone(ZoneInfo(page.console.options.timezone)).date()
    oldest = _years_before(today, case_service.MAX_FOLLOW_UP_AGE + 1) + timedelta(days=1)
    return oldest, _years_before(today, case_service.MIN_AGE)


async def _render_admission(
    page: Page, values: dict[str, str], *, status_code: int = 200
) -> Response:
    async with page.uow() as uow:
        homes = await _homes(uow, page.actor)
    oldest, youngest = _birth_date_bounds(page)
    return page.render(
        "case_new.html",
        status_code=status_code,
        homes=homes,
        pick_home=page.me.role is Role.ADMIN,
        values=values,
        languages=[(lang.code, lang.native_name) for lang in LANGUAGES],
        care_settings=CARE_SETTINGS,
        admission_phases=ADMISSION_PHASES,
        oldest=oldest.isoformat(),
        youngest=youngest.isoformat(),
        max_case_number=case_service.MAX_CASE_NUMBER,
        max_alias=case_service.MAX_ALIAS,
    )


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def admission_form(page: Page) -> Response:
    return await _render_admission(
        page,
        {"language": "es", "phase": Phase.FIRST_RECEPTION.value},
    )


async def _read_admission(uow: UnitOfWork, page: Page, form: Form) -> dict[str, Any]:
    """The admission as the form sends it, checked field by field so that each problem
    gets its own notice. The home: the form's (an admin chooses it), else the
    coordinator's own. A home out of reach is left to the service (a 404)."""
    raw_home = form.raw("home_id").strip()
    home_id = form.integer("home_id") if raw_home else page.me.home_id
    if home_id is None:
        raise FormError("form.home_needed")
    homes = {home.id: home for home in await _homes(uow, page.actor)}
    home = homes.get(home_id)
    number = case_service.normalized_case_number(form.text("case_number", max_length=64))
    if not case_service.CASE_NUMBER.fullmatch(number):
        raise FormError("form.case_number")
    alias = form.text("alias", max_length=case_service.MAX_ALIAS)
    birth_date = form.required_day("birth_date")
    language = form.raw("language")
    if not is_supported(language):
        raise FormError("form.choice")
    care_setting = form.choice("care_setting", CareSetting)
    phase = form.choice("phase", Phase)
    if care_setting is CareSetting.AFTER_CARE or phase is Phase.AFTER_CARE:
        raise FormError("form.choice")
    if not form.raw("reference_operator_id").strip():
        raise FormError("form.operator")
    operator_id = form.integer("reference_operator_id")
    if home is not None:
        if all(choice.id != operator_id for choice in home.operators):
            raise FormError("form.operator")
        found = await uow.session.get(Home, home.id)
        assert found is not None
        today = case_service.local_today(uow, found)
        age = case_service.age_on(birth_date, today)
        if not case_service.MIN_AGE <= age <= case_service.MAX_FOLLOW_UP_AGE:
            raise FormError("form.age")
    return {
        "case_number": number,
        "alias": alias,
        "birth_date": birth_date,
        "home_id": home_id,
        "language": language,
        "care_setting": care_setting,
        "phase": phase,
        "reference_operator_id": operator_id,
    }


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def admit(page: Page) -> Response:
    """Admit an adolescent: a new case in care with an empty plan, then its page, where
    the linking code for the chat is issued. A refused form is shown again with what
    was typed (sent in the body; nothing of it goes in a URL)."""
    form = await read_form(page.request)
    try:
        async with page.uow() as uow:
            fields = await _read_admission(uow, page, form)
            case = await case_service.create_case(uow, **fields, by=page.actor)
            case_id = case.id
            await uow.commit()
    except FormError as error:
        page.flash("error", error.code)
    except DuplicateName:
        page.flash("error", "case.number_taken")
    except NotFound:
        raise
    except PlanStoreError as error:
        page.flash("error", error.code)
    else:
        page.flash("ok", "case.admitted")
        return page.redirect(f"/cases/{case_id}#top")
    values = {name: form.raw(name).strip() for name in (*FIELDS, "home_id")}
    values["reference_operator_id"] = form.raw("reference_operator_id").strip()
    return await _render_admission(page, values, status_code=400)


routes: list[BaseRoute] = [
    Route("/cases/new", admission_form, methods=["GET"]),
    Route("/cases/new", admit, methods=["POST"]),
    Route("/cases/{case_id:int}/operator", change_operator, methods=["POST"]),
    Route("/cases/{case_id:int}/care-setting", change_care_setting, methods=["POST"]),
    Route("/cases/{case_id:int}/export", export, methods=["POST"]),
    Route("/cases/{case_id:int}/erasure", request_erasure, methods=["POST"]),
    Route("/cases/{case_id:int}/erasure/cancel", cancel_erasure, methods=["POST"]),
    Route("/cases/{case_id:int}/erasure/confirm", confirm_erasure, methods=["POST"]),
]
