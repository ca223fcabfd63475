"""The team around the plan: psychologists, social workers, lawyers and educators read
the cases of their home and write what their role writes, scoped and audited; a case
handed to a new operator carries a note; each case keeps its phase history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from plan_store.enums import AppointmentKind, Phase, Role
from plan_store.errors import HandoverNoteMissing, OutOfScope, RoleRefused
from plan_store.models import Adolescent, AuditEntry, Handover
from plan_store.services import (
    access,
    appointments,
    cases,
    evaluation_voice,
    evaluations,
    export,
    notes,
    phases,
    plans,
)
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import Team, a_case, a_goal, a_home, a_staff_member, an_operator

TEAM_ROLES = (Role.PSYCHOLOGIST, Role.SOCIAL_WORKER, Role.LAWYER, Role.EDUCATOR)
THEIR_KIND = {
    Role.PSYCHOLOGIST: AppointmentKind.PSYCHOLOGY,
    Role.SOCIAL_WORKER: AppointmentKind.HEALTH,
    Role.LAWYER: AppointmentKind.LEGAL,
    Role.EDUCATOR: AppointmentKind.SCHOOL,
}
NOT_THEIR_KIND = {
    Role.PSYCHOLOGIST: AppointmentKind.LEGAL,
    Role.SOCIAL_WORKER: AppointmentKind.PSYCHOLOGY,
    Role.LAWYER: AppointmentKind.SCHOOL,
    Role.EDUCATOR: AppointmentKind.HEALTH,
}


async def audit_actions(container: Container) -> list[tuple[str, int | None, int | None]]:
    async with container.uow() as uow:
        rows = await uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.action, r.staff_id, r.adolescent_id) for r in rows]


async def a_member(container: Container, team: Team, role: Role) -> StaffActor:
    async with container.uow() as uow:
        member = await a_staff_member(uow, team.home, "laura", role, display_name="Laura")
        await uow.commit()
    return member


@pytest.mark.parametrize("role", TEAM_ROLES)
async def test_the_team_reads_every_case_of_their_home_and_no_other(
    container: Container, team: Team, role: Role
) -> None:
    member = await a_member(container, team, role)
    async with container.uow() as uow:
        second = await a_case(uow, team.home, team.other_operator, "CAS-002")
        elsewhere = await a_home(uow, "Casa Tonalá")
        far_case = await a_case(uow, elsewhere, await an_operator(uow, elsewhere, "dora"), "T-1")
        await uow.commit()
    async with container.uow() as uow:
        visible = await uow.session.scalars(
            access.scope_cases(select(Adolescent), member).order_by(Adolescent.id)
        )
        assert [c.id for c in visible] == [team.case.id, second.id]
        await access.case_for_staff(uow, member, second.id)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):
            await access.case_for_staff(uow, member, far_case.id)
    assert (await audit_actions(container))[-2:] == [
        ("case.read", member.id, second.id),
        ("case.out_of_scope", member.id, far_case.id),
    ]


@pytest.mark.parametrize("role", TEAM_ROLES)
async def test_the_team_writes_notes_their_steps_and_their_appointments_only(
    container: Container, team: Team, role: Role, clock: FakeClock
) -> None:
    member = await a_member(container, team, role)
    async with container.uow() as uow:
        goal, _steps = await a_goal(uow, team.operator, team.case)
        await uow.commit()
    async with container.uow() as uow:
        await notes.add_note(uow, member, team.case.id, "Hablamos de su familia; está tranquila.")
        step = await plans.add_step(
            uow, member, team.case.id, goal.id, title="Sesión", responsible_staff_id=member.id
        )
        await appointments.schedule(
            uow,
            member,
            team.case.id,
            kind=THEIR_KIND[role],
            title="Cita",
            place="",
            starts_at=clock.now + timedelta(days=2),
        )
        await uow.commit()
    assert step.responsible == "Laura"
    async with container.uow() as uow:
        [note] = await notes.notes_of(uow, team.case.id)
    assert (note.author, note.role, note.body) == (
        "Laura",
        role,
        "Hablamos de su familia; está tranquila.",
    )
    for attempt in (
        lambda uow: plans.add_goal(
            uow, member, team.case.id, programme=goal.programme, horizon=goal.horizon, title="X"
        ),
        lambda uow: plans.add_step(
            uow, member, team.case.id, goal.id, title="De otro", responsible="Tú"
        ),
        lambda uow: appointments.schedule(
            uow,
            member,
            team.case.id,
            kind=NOT_THEIR_KIND[role],
            title="Otra",
            place="",
            starts_at=clock.now + timedelta(days=2),
        ),
        lambda uow: cases.change_phase(uow, member, team.case.id, Phase.TRANSITION),
        lambda uow: cases.close_case(uow, member, team.case.id),
    ):
        async with container.uow() as uow:
            with pytest.raises(RoleRefused):
                await attempt(uow)
    refusals = [a for a in await audit_actions(container) if a[0] == "case.role_refused"]
    assert refusals == [("case.role_refused", member.id, team.case.id)] * 5


async def test_only_the_social_worker_of_the_team_records_the_evaluation(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        social = await a_staff_member(uow, team.home, "sofia", Role.SOCIAL_WORKER)
        lawyer = await a_staff_member(uow, team.home, "luis", Role.LAWYER)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(RoleRefused):
            await evaluations.record(uow, lawyer, team.case.id, summary="Va bien.")
    async with container.uow() as uow:
        evaluation = await evaluations.record(uow, social, team.case.id, summary="Va bien.")
        # The agreements she reads are the evaluation's too: the social worker sends them.
        shared = await evaluation_voice.set_agreements(
            uow, social, team.case.id, evaluation.id, ["Vas al taller los martes."], share=True
        )
        await uow.commit()
    assert shared is not None and shared.shared_by_id == social.id


async def test_a_step_answered_for_by_someone_of_the_team_is_confirmed_by_them(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        lawyer = await a_staff_member(uow, team.home, "luis", Role.LAWYER, display_name="Luis")
        educator = await a_staff_member(uow, team.home, "eva", Role.EDUCATOR)
        goal, _ = await a_goal(uow, team.operator, team.case, steps=())
        step = await plans.add_step(
            uow,
            team.operator,
            team.case.id,
            goal.id,
            title="Ir a COMAR",
            responsible_staff_id=lawyer.id,
        )
        await plans.mark_step_done(uow, team.case.id, step.id)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(RoleRefused):
            await plans.confirm_step(uow, educator, team.case.id, step.id)
    async with container.uow() as uow:
        confirmed = await plans.confirm_step(uow, lawyer, team.case.id, step.id)
        await uow.commit()
    assert confirmed.confirmed_by_id == lawyer.id


async def test_a_handover_needs_a_note_for_the_new_operator(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        with pytest.raises(HandoverNoteMissing):
            await cases.change_reference_operator(
                uow, team.coordinator, team.case.id, team.other_operator.id, handover_note="  "
            )
    async with container.uow() as uow:
        await cases.change_reference_operator(
            uow,
            team.coordinator,
            team.case.id,
            team.other_operator.id,
            handover_note="Le cuesta dormir; el martes tiene examen.",
        )
        await uow.commit()
    async with container.uow() as uow:
        [handover] = await uow.session.scalars(select(Handover))
        assert (handover.from_staff_id, handover.to_staff_id) == (
            team.operator.id,
            team.other_operator.id,
        )
        assert b"examen" not in handover.note_ciphertext
        assert uow.cipher.decrypt(handover.note_ciphertext).startswith("Le cuesta dormir")


async def test_each_case_keeps_its_phase_history_with_dates_and_limits(
    container: Container, team: Team, clock: FakeClock
) -> None:
    opened = clock.now
    clock.advance(days=20)
    async with container.uow() as uow:
        await cases.change_phase(uow, team.operator, team.case.id, Phase.INDEPENDENCE)
        await uow.commit()
    clock.advance(days=70)
    async with container.uow() as uow:
        home = await uow.session.merge(team.home)
        spans = await phases.history(uow, team.case.id, home)
    assert [(s.phase, s.started_at, s.days(clock.now)) for s in spans] == [
        (Phase.INTEGRATION, opened, 20),
        (Phase.INDEPENDENCE, opened + timedelta(days=20), 70),
    ]
    assert [s.limit_days for s in spans] == [90, 60]
    assert [s.over_limit(clock.now) for s in spans] == [False, True]


async def test_the_export_holds_the_phases_the_teams_notes_and_the_handovers(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        lawyer = await a_staff_member(uow, team.home, "luis", Role.LAWYER, display_name="Luis")
        await notes.add_note(uow, lawyer, team.case.id, "Su cita en COMAR es el 12.")
        await cases.change_reference_operator(
            uow,
            team.coordinator,
            team.case.id,
            team.other_operator.id,
            handover_note="Pregúntale por su cita en COMAR.",
        )
        await uow.commit()
    async with container.uow() as uow:
        data = await export.case_export(uow, team.coordinator, team.case.id)
    assert [p["phase"] for p in data["phases"]] == ["integration"]
    assert [(n["by"], n["role"], n["note"]) for n in data["team_notes"]] == [
        ("Luis", "lawyer", "Su cita en COMAR es el 12.")
    ]
    assert [(h["from"], h["to"], h["note"]) for h in data["handovers"]] == [
        ("Ana", "Beto", "Pregúntale por su cita en COMAR.")
    ]
