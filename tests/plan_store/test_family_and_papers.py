"""The plan's two optional routes, with their own parts: the family contacts the
authority allows and the calls and visits held; the legal and migration procedure
with its stages, next date and lawyer. Scoped, audited, encrypted at rest, and
written only by the roles whose work they are."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from plan_store.enums import CaseStatus, ContactWay, LegalKind, LegalStage, Role
from plan_store.errors import CaseClosed, OutOfScope, RoleRefused, ValidationFailed
from plan_store.models import Adolescent, AuditEntry, FamilyContact, LegalProcedure
from plan_store.services import cases, export, family, keys, legal
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.plan_store.builders import Team, a_case, a_home, a_staff_member, an_operator

MARCH_1 = date(2026, 3, 1)  # the clock stands at 2 March 2026


async def member(container: Container, team: Team, role: Role, name: str = "laura") -> StaffActor:
    async with container.uow() as uow:
        person = await a_staff_member(uow, team.home, name, role, display_name=name.title())
        await uow.commit()
    return person


async def a_mother(container: Container, team: Team, by: StaffActor) -> int:
    async with container.uow() as uow:
        contact = await family.add_contact(
            uow,
            by,
            team.case.id,
            name="Rosa",
            relation="mamá",
            way=ContactWay.CALL,
            allowed_by="Procuraduría de Protección",
            allowed_since=date(2026, 2, 10),
        )
        await uow.commit()
    return contact.id


async def audit_trail(container: Container) -> list[tuple[str, int | None, str]]:
    async with container.uow() as uow:
        rows = await uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.action, r.adolescent_id, r.target) for r in rows]


async def test_a_social_worker_records_an_allowed_contact_and_the_calls_held(
    container: Container, team: Team
) -> None:
    worker = await member(container, team, Role.SOCIAL_WORKER)
    mother = await a_mother(container, team, worker)
    async with container.uow() as uow:
        await family.record_contact(
            uow,
            worker,
            team.case.id,
            mother,
            way=ContactWay.CALL,
            held_on=MARCH_1,
            note="Lloró al final; quiere volver a llamar el domingo.",
        )
        await family.record_contact(
            uow, worker, team.case.id, mother, way=ContactWay.CALL, held_on=date(2026, 2, 20)
        )
        await uow.commit()
    async with container.uow() as uow:
        kin = await family.family_of(uow, team.case.id)
    [rosa] = kin.contacts
    assert (rosa.name, rosa.relation, rosa.way) == ("Rosa", "mamá", ContactWay.CALL)
    assert rosa.allowed_by == "Procuraduría de Protección"
    assert [(r.held_on, r.with_name) for r in kin.records] == [
        (MARCH_1, "Rosa"),
        (date(2026, 2, 20), "Rosa"),
    ]
    assert kin.records[0].note.startswith("Lloró al final")
    assert kin.records[0].recorded_by == "Laura"
    trail = await audit_trail(container)
    assert [a for a, _, _ in trail if a.startswith("family.")] == [
        "family.contact_add",
        "family.contact_record",
        "family.contact_record",
    ]
    assert all("Rosa" not in target for _, _, target in trail)


async def test_who_the_family_is_is_not_stored_in_clear(container: Container, team: Team) -> None:
    worker = await member(container, team, Role.SOCIAL_WORKER)
    await a_mother(container, team, worker)
    async with container.uow() as uow:
        row = await uow.session.scalar(select(FamilyContact))
        assert row is not None
        stored = row.name_ciphertext + row.relation_ciphertext + row.allowed_by_ciphertext
    assert b"Rosa" not in stored and "mamá".encode() not in stored


async def test_a_call_is_refused_outside_what_the_authority_allowed(
    container: Container, team: Team
) -> None:
    worker = await member(container, team, Role.PSYCHOLOGIST)
    mother = await a_mother(container, team, worker)
    tries = [
        {"way": ContactWay.VISIT, "held_on": MARCH_1},  # calls only
        {"way": ContactWay.CALL, "held_on": date(2026, 2, 1)},  # before it was allowed
        {"way": ContactWay.CALL, "held_on": date(2026, 3, 9)},  # not held yet
    ]
    for attempt in tries:
        async with container.uow() as uow:
            with pytest.raises(ValidationFailed):
                await family.record_contact(uow, worker, team.case.id, mother, **attempt)
    async with container.uow() as uow:
        await family.end_contact(uow, worker, team.case.id, mother, on=MARCH_1)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(ValidationFailed):
            await family.record_contact(
                uow, worker, team.case.id, mother, way=ContactWay.CALL, held_on=MARCH_1
            )
        kin = await family.family_of(uow, team.case.id)
    assert kin.allowed(MARCH_1) == []
    assert kin.allowed(date(2026, 2, 28))[0].name == "Rosa"


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.COORDINATOR])
async def test_the_roles_of_the_family_route_write_it(
    container: Container, team: Team, role: Role
) -> None:
    writer = team.coordinator if role is Role.COORDINATOR else await member(container, team, role)
    await a_mother(container, team, writer)
    async with container.uow() as uow:
        assert [c.name for c in (await family.family_of(uow, team.case.id)).contacts] == ["Rosa"]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.LAWYER, Role.EDUCATOR, Role.ADMIN])
async def test_the_other_roles_read_the_family_route_and_may_not_write_it(
    container: Container, team: Team, role: Role
) -> None:
    worker = await member(container, team, Role.SOCIAL_WORKER, "sara")
    await a_mother(container, team, worker)
    if role is Role.OPERATOR:
        reader = team.operator
    elif role is Role.ADMIN:
        async with container.uow() as uow:
            reader = await a_staff_member(uow, None, "root", Role.ADMIN)
            await uow.commit()
    else:
        reader = await member(container, team, role)
    async with container.uow() as uow:
        with pytest.raises(RoleRefused):
            await family.add_contact(
                uow,
                reader,
                team.case.id,
                name="Julio",
                relation="tío",
                way=ContactWay.VISIT,
                allowed_by="Juez",
                allowed_since=MARCH_1,
            )
    async with container.uow() as uow:
        assert [c.name for c in (await family.family_of(uow, team.case.id)).contacts] == ["Rosa"]
    assert (await audit_trail(container))[-1][0] == "case.role_refused"


async def test_a_case_of_another_home_is_out_of_reach_for_its_routes(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        elsewhere = await a_home(uow, "Casa Tonalá")
        far = await a_case(uow, elsewhere, await an_operator(uow, elsewhere, "dora"), "T-1")
        worker = await a_staff_member(uow, team.home, "sara", Role.SOCIAL_WORKER)
        lawyer = await a_staff_member(uow, team.home, "mara", Role.LAWYER)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):
            await family.add_contact(
                uow,
                worker,
                far.id,
                name="Rosa",
                relation="mamá",
                way=ContactWay.CALL,
                allowed_by="Procuraduría",
                allowed_since=MARCH_1,
            )
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):
            await legal.open_procedure(uow, lawyer, far.id, kind=LegalKind.REFUGEE)
    trail = await audit_trail(container)
    assert [(a, case) for a, case, _ in trail[-2:]] == [
        ("case.out_of_scope", far.id),
        ("case.out_of_scope", far.id),
    ]


async def test_a_lawyer_follows_the_procedure_stage_by_stage(
    container: Container, team: Team
) -> None:
    lawyer = await member(container, team, Role.LAWYER, "mara")
    async with container.uow() as uow:
        opened = await legal.open_procedure(
            uow, lawyer, team.case.id, kind=LegalKind.REFUGEE, followed_by_id=lawyer.id
        )
        procedure_id = opened.id
        await uow.commit()
    async with container.uow() as uow:
        await legal.update_procedure(
            uow,
            lawyer,
            team.case.id,
            procedure_id,
            stage=LegalStage.INTERVIEW,
            next_on=date(2026, 3, 12),
            next_what="Entrevista en COMAR, llevar su constancia",
            followed_by_id=lawyer.id,
        )
        await uow.commit()
    async with container.uow() as uow:
        [view] = await legal.procedures_of(uow, team.case.id)
        stored = (await uow.session.get_one(LegalProcedure, procedure_id)).next_ciphertext
    assert (view.kind, view.stage, view.next_on) == (
        LegalKind.REFUGEE,
        LegalStage.INTERVIEW,
        date(2026, 3, 12),
    )
    assert view.next_what == "Entrevista en COMAR, llevar su constancia"
    assert view.followed_by == "Mara"
    assert [s.stage for s in view.stages] == [LegalStage.PREPARING, LegalStage.INTERVIEW]
    assert stored is not None and b"2026-03-12" not in stored
    actions = [a for a, _, _ in await audit_trail(container) if a.startswith("legal.")]
    assert actions == ["legal.open", "legal.stage"]


async def test_a_procedure_is_followed_by_a_lawyer_of_the_home(
    container: Container, team: Team
) -> None:
    lawyer = await member(container, team, Role.LAWYER, "mara")
    async with container.uow() as uow:
        elsewhere = await a_home(uow, "Casa Tonalá")
        far_lawyer = await a_staff_member(uow, elsewhere, "fer", Role.LAWYER)
        await uow.commit()
    for follower in (team.operator.id, far_lawyer.id):
        async with container.uow() as uow:
            with pytest.raises(ValidationFailed):
                await legal.open_procedure(
                    uow,
                    lawyer,
                    team.case.id,
                    kind=LegalKind.HUMANITARIAN_VISA,
                    followed_by_id=follower,
                )
    async with container.uow() as uow:
        with pytest.raises(ValidationFailed):  # words about a next date need the date
            await legal.open_procedure(
                uow, lawyer, team.case.id, kind=LegalKind.REFUGEE, next_what="Entrevista"
            )


@pytest.mark.parametrize(
    "role",
    [Role.OPERATOR, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.EDUCATOR],
)
async def test_only_the_lawyer_writes_the_procedure_and_the_others_read_it(
    container: Container, team: Team, role: Role
) -> None:
    lawyer = await member(container, team, Role.LAWYER, "mara")
    async with container.uow() as uow:
        opened = await legal.open_procedure(uow, lawyer, team.case.id, kind=LegalKind.REFUGEE)
        procedure_id = opened.id
        await uow.commit()
    if role is Role.OPERATOR:
        reader = team.operator
    elif role is Role.COORDINATOR:
        reader = team.coordinator
    else:
        reader = await member(container, team, role)
    async with container.uow() as uow:
        with pytest.raises(RoleRefused):
            await legal.update_procedure(
                uow,
                reader,
                team.case.id,
                procedure_id,
                stage=LegalStage.GRANTED,
                next_on=None,
                followed_by_id=None,
            )
    async with container.uow() as uow:
        with pytest.raises(RoleRefused):
            await legal.open_procedure(uow, reader, team.case.id, kind=LegalKind.OTHER)
    async with container.uow() as uow:
        assert [p.stage for p in await legal.procedures_of(uow, team.case.id)] == [
            LegalStage.PREPARING
        ]


async def test_a_closed_case_takes_no_new_family_or_legal_records(
    container: Container, team: Team
) -> None:
    worker = await member(container, team, Role.SOCIAL_WORKER)
    lawyer = await member(container, team, Role.LAWYER, "mara")
    async with container.uow() as uow:
        await cases.close_case(uow, team.coordinator, team.case.id)
        await uow.commit()
    async with container.uow() as uow:
        case = await uow.session.get_one(Adolescent, team.case.id)
        assert case.status is CaseStatus.CLOSED
        with pytest.raises(CaseClosed):
            await family.add_contact(
                uow,
                worker,
                team.case.id,
                name="Rosa",
                relation="mamá",
                way=ContactWay.CALL,
                allowed_by="Procuraduría",
                allowed_since=MARCH_1,
            )
        with pytest.raises(CaseClosed):
            await legal.open_procedure(uow, lawyer, team.case.id, kind=LegalKind.REFUGEE)


async def test_the_export_and_a_key_rotation_carry_family_and_papers(
    container: Container, team: Team
) -> None:
    worker = await member(container, team, Role.SOCIAL_WORKER)
    lawyer = await member(container, team, Role.LAWYER, "mara")
    mother = await a_mother(container, team, worker)
    async with container.uow() as uow:
        await family.record_contact(
            uow, worker, team.case.id, mother, way=ContactWay.CALL, held_on=MARCH_1, note="Bien."
        )
        await legal.open_procedure(
            uow,
            lawyer,
            team.case.id,
            kind=LegalKind.REFUGEE,
            next_on=date(2026, 3, 12),
            next_what="Entrevista",
        )
        await uow.commit()
    assert {t.name for t in keys.ENCRYPTED} >= {
        "family_contacts",
        "family_contact_records",
        "legal_procedures",
        "case_notes",
        "handovers",
    }
    async with container.uow() as uow:
        data = await export.case_export(uow, team.coordinator, team.case.id)
    [contact] = data["family_contacts"]
    assert (contact["name"], contact["calls_and_visits"][0]["note"]) == ("Rosa", "Bien.")
    [procedure] = data["legal_procedures"]
    assert (procedure["kind"], procedure["next_on"]) == ("refugee", "2026-03-12")
