"""Who sees which case: operators their caseload, coordinators their home, admins
everything; every read is audited, and so is every attempt out of scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plan_store.enums import FlagCategory, Role, Severity
from plan_store.errors import NotFound, OutOfScope
from plan_store.models import Adolescent, AuditEntry, Flag
from plan_store.services import access, flags
from rumbo.container import Container
from tests.plan_store.builders import Team, a_case, a_home, a_staff_member, an_operator


async def audit_actions(container: Container) -> list[tuple[str, int | None, int | None]]:
    async with container.uow() as uow:
        rows = await uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.action, r.staff_id, r.adolescent_id) for r in rows]


async def test_an_operator_cannot_see_another_operators_case_and_the_attempt_is_audited(
    container: Container, team: Team
) -> None:
    before = await audit_actions(container)

    async with container.uow() as uow:
        with pytest.raises(OutOfScope) as refused:
            await access.case_for_staff(uow, team.other_operator, team.case.id)
    assert isinstance(refused.value, NotFound)  # shown to the caller as "not found"

    assert (await audit_actions(container))[len(before) :] == [
        ("case.out_of_scope", team.other_operator.id, team.case.id)
    ]


async def test_the_out_of_scope_attempt_is_audited_even_if_the_work_had_written(
    container: Container, team: Team
) -> None:
    """The refused unit of work rolls back what it wrote; the audit entry stays."""
    async with container.uow() as uow:
        await flags.raise_flag(
            uow, team.case.id, category=FlagCategory.OTHER, severity=Severity.LOW
        )
        with pytest.raises(OutOfScope):
            await access.case_for_staff(uow, team.other_operator, team.case.id)

    assert (await audit_actions(container))[-1][0] == "case.out_of_scope"
    async with container.uow() as uow:
        assert list(await uow.session.scalars(select(Flag))) == []


async def test_a_missing_case_is_not_found_and_not_audited(
    container: Container, team: Team
) -> None:
    before = await audit_actions(container)
    async with container.uow() as uow:
        with pytest.raises(NotFound) as missing:
            await access.case_for_staff(uow, team.operator, team.case.id + 100)
    assert not isinstance(missing.value, OutOfScope)
    assert await audit_actions(container) == before


async def test_every_staff_read_of_a_case_is_audited(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        case = await access.case_for_staff(uow, team.operator, team.case.id)
        assert case.alias == "Lu"
        await uow.commit()
    assert (await audit_actions(container))[-1] == ("case.read", team.operator.id, team.case.id)


async def test_coordinators_see_their_home_and_admins_see_everything(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        elsewhere = await a_home(uow, "Casa Tonalá")
        far_operator = await an_operator(uow, elsewhere, "dora")
        far_case = await a_case(uow, elsewhere, far_operator, "TON-001")
        second = await a_case(uow, team.home, team.other_operator, "CAS-002")
        admin = await a_staff_member(uow, None, "root", Role.ADMIN)
        await uow.commit()

    async def visible(actor: access.StaffActor) -> set[str]:
        async with container.uow() as uow:
            query = access.scope_cases(select(Adolescent), actor)
            return {case.case_number for case in await uow.session.scalars(query)}

    assert await visible(team.operator) == {"CAS-001"}
    assert await visible(team.other_operator) == {"CAS-002"}
    assert await visible(team.coordinator) == {"CAS-001", "CAS-002"}
    assert await visible(admin) == {"CAS-001", "CAS-002", "TON-001"}
    async with container.uow() as uow:
        assert (await access.case_for_staff(uow, team.coordinator, second.id)).id == second.id
        assert (await access.case_for_staff(uow, admin, far_case.id)).id == far_case.id
        with pytest.raises(OutOfScope):
            await access.case_for_staff(uow, team.coordinator, far_case.id)


async def test_a_case_is_found_by_its_number(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        assert (await access.case_by_number(uow, "CAS-001")).id == team.case.id
        with pytest.raises(NotFound):
            await access.case_by_number(uow, "CAS-999")
