"""Family and papers on the case page: the family contacts the authority allows and
the calls and visits held (written by social work, psychology and coordination), and
the legal and migration procedure (written by the lawyer). Everyone who sees the case
reads both; the forms show only to those who write them, and the services refuse the
rest (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.enums import CaseStatus, ContactWay, LegalKind, LegalStage
from plan_store.models import Adolescent, Home, LegalProcedure
from plan_store.services import family, legal
from plan_store.services.access import FAMILY_WRITERS, LEGAL_WRITERS, StaffActor
from plan_store.services.cases import local_today
from plan_store.services.family import ContactView, Family
from plan_store.services.legal import ProcedureView
from plan_store.unit_of_work import UnitOfWork
from staff_console import notify
from staff_console.actions import case_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class FamilyAndPapers:
    family: Family
    procedures: list[ProcedureView]
    lawyers: list[Person]
    today: date
    writes_family: bool
    writes_legal: bool
    contact_ways: tuple[ContactWay, ...] = tuple(ContactWay)
    held_ways: tuple[ContactWay, ...] = (ContactWay.CALL, ContactWay.VISIT)
    legal_kinds: tuple[LegalKind, ...] = tuple(LegalKind)
    legal_stages: tuple[LegalStage, ...] = tuple(LegalStage)

    @property
    def allowed(self) -> list[ContactView]:
        return self.family.allowed(self.today)

    @property
    def ended(self) -> list[ContactView]:
        return [c for c in self.family.contacts if not c.active_on(self.today)]

    def held_ways_of(self, contact: ContactView) -> tuple[ContactWay, ...]:
        if contact.way is ContactWay.CALL_AND_VISIT:
            return self.held_ways
        return (contact.way,)


async def for_case(uow: UnitOfWork, actor: StaffActor, case: Adolescent) -> FamilyAndPapers:
    """What the case page shows of both routes. The caller has checked the scope."""
    home = await uow.session.get_one(Home, case.home_id)
    open_case = case.status is not CaseStatus.CLOSED
    return FamilyAndPapers(
        family=await family.family_of(uow, case.id),
        procedures=await legal.procedures_of(uow, case.id),
        lawyers=[Person(s.id, s.display_name) for s in await legal.lawyers_of(uow, home.id)],
        today=local_today(uow, home),
        writes_family=open_case and actor.role in FAMILY_WRITERS,
        writes_legal=open_case and actor.role in LEGAL_WRITERS,
    )


def _lawyer(form: Form) -> int | None:
    return form.integer("followed_by_id") if form.raw("followed_by_id") else None


@staff_endpoint()
async def add_contact(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await family.add_contact(
            uow,
            page.actor,
            case_id,
            name=form.text("name", max_length=family.MAX_NAME),
            relation=form.text("relation", max_length=family.MAX_RELATION),
            way=form.choice("way", ContactWay),
            allowed_by=form.text("allowed_by", max_length=family.MAX_ALLOWED_BY),
            allowed_since=form.required_day("allowed_since"),
        )
        return ("family.contact_added",)

    return await case_action(page, case_id, action, anchor="family")


@staff_endpoint()
async def end_contact(page: Page) -> Response:
    case_id = page.int_param("case_id")
    contact_id = page.int_param("contact_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await family.end_contact(
            uow, page.actor, case_id, contact_id, on=form.required_day("ended_on")
        )
        return ("family.contact_ended",)

    return await case_action(page, case_id, action, anchor="family")


@staff_endpoint()
async def record_contact(page: Page) -> Response:
    case_id = page.int_param("case_id")
    contact_id = page.int_param("contact_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        way = form.choice("way", ContactWay)
        if way is ContactWay.CALL_AND_VISIT:
            raise FormError("form.choice")
        await family.record_contact(
            uow,
            page.actor,
            case_id,
            contact_id,
            way=way,
            held_on=form.required_day("held_on"),
            note=form.text("note", max_length=family.MAX_NOTE, required=False),
        )
        return ("family.contact_recorded",)

    return await case_action(page, case_id, action, anchor=f"contact-{contact_id}")


@staff_endpoint()
async def open_procedure(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await legal.open_procedure(
            uow,
            page.actor,
            case_id,
            kind=form.choice("kind", LegalKind),
            stage=form.choice("stage", LegalStage),
            next_on=form.day("next_on", required=False),
            next_what=form.text("next_what", max_length=legal.MAX_WHAT, required=False),
            followed_by_id=_lawyer(form),
        )
        return ("legal.opened",)

    return await case_action(page, case_id, action, anchor="papers")


@staff_endpoint()
async def update_procedure(page: Page) -> Response:
    case_id = page.int_param("case_id")
    procedure_id = page.int_param("procedure_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        known = await uow.session.get(LegalProcedure, procedure_id)
        was = known.stage if known is not None else None
        procedure = await legal.update_procedure(
            uow,
            page.actor,
            case_id,
            procedure_id,
            stage=form.choice("stage", LegalStage),
            next_on=form.day("next_on", required=False),
            next_what=form.text("next_what", max_length=legal.MAX_WHAT, required=False),
            followed_by_id=_lawyer(form),
        )
        if procedure.stage is was:
            return ("legal.updated",)
        case = await uow.session.get_one(Adolescent, case_id)
        told = await notify.procedure_moved(uow, case, procedure)
        return ("legal.updated", "told" if told else "not_told")

    return await case_action(page, case_id, action, anchor=f"procedure-{procedure_id}")


routes: list[BaseRoute] = [
    Route("/cases/{case_id:int}/family/contacts", add_contact, methods=["POST"]),
    Route(
        "/cases/{case_id:int}/family/contacts/{contact_id:int}/end", end_contact, methods=["POST"]
    ),
    Route(
        "/cases/{case_id:int}/family/contacts/{contact_id:int}/held",
        record_contact,
        methods=["POST"],
    ),
    Route("/cases/{case_id:int}/legal", open_procedure, methods=["POST"]),
    Route("/cases/{case_id:int}/legal/{procedure_id:int}", update_procedure, methods=["POST"]),
]
