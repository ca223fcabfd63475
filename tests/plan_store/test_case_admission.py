"""Coordination's work on cases: admitting an adolescent, referring a case to another
operator, moving it to another care setting, and the right-of-access export."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from plan_store.enums import (
    AppointmentAnswer,
    CareSetting,
    CaseStatus,
    Channel,
    FlagCategory,
    MessageKind,
    Phase,
    RequestReason,
    Role,
    Severity,
    Urgency,
)
from plan_store.errors import (
    CaseClosed,
    DuplicateName,
    InvalidTransition,
    NotFound,
    OutOfScope,
    ValidationFailed,
)
from plan_store.models import Adolescent, AuditEntry, LifePlan
from plan_store.services import (
    appointments,
    cases,
    export,
    flags,
    messages,
    requests,
    staff,
)
from plan_store.services.access import StaffActor, scope_cases
from plan_store.unit_of_work import UnitOfWork
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import (
    Team,
    a_goal,
    a_home,
    a_linked_chat,
    a_staff_member,
    a_team,
    an_appointment,
    an_operator,
    consent_given,
)


@dataclass(frozen=True)
class Scene:
    """``a_team`` (Casa Ceiba: coordinator coral, operators ana and beto, ana's case
    CAS-001), an admin, and another home with its coordinator and operator."""

    team: Team
    admin: StaffActor
    elsewhere: int
    far_coordinator: StaffActor
    far_operator: StaffActor


@pytest.fixture
async def scene(container: Container) -> Scene:
    async with container.uow() as uow:
        team = await a_team(uow)
        admin = await a_staff_member(uow, None, "root", Role.ADMIN)
        elsewhere = await a_home(uow, "Casa Tonalá", kind=CareSetting.GROUP_HOME)
        far_coordinator = await a_staff_member(uow, elsewhere, "tere", Role.COORDINATOR)
        far_operator = await an_operator(uow, elsewhere, "dora")
        await uow.commit()
    return Scene(team, admin, elsewhere.id, far_coordinator, far_operator)


@dataclass(frozen=True)
class Logged:
    staff_id: int | None
    actor: str
    adolescent_id: int | None
    target: str
    details: dict[str, Any]


async def audit_rows(container: Container, action: str) -> list[Logged]:
    async with container.uow() as uow:
        rows = await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [Logged(r.staff_id, r.actor, r.adolescent_id, r.target, r.details) for r in rows]


async def caseload_ids(container: Container, actor: StaffActor) -> set[int]:
    async with container.uow() as uow:
        return set(await uow.session.scalars(scope_cases(select(Adolescent.id), actor)))


async def admit(uow: UnitOfWork, scene: Scene, by: StaffActor, **changes: Any) -> Adolescent:
    """Quetzal's admission to Casa Ceiba, referred to beto, with ``changes``."""
    fields: dict[str, Any] = {
        "case_number": " mx-2026-0101 ",
        "alias": " Quetzal ",
        "birth_date": date(2011, 7, 9),
        "home_id": scene.team.home.id,
        "phase": Phase.FIRST_RECEPTION,
        "care_setting": CareSetting.RESIDENTIAL_CENTRE,
        "reference_operator_id": scene.team.other_operator.id,
        "language": "mam",
    }
    return await cases.create_case(uow, **(fields | changes), by=by)


# --- Admission -----------------------------------------------------------------------


async def test_a_coordinator_admits_an_adolescent_to_their_home(
    container: Container, scene: Scene
) -> None:
    coordinator = scene.team.coordinator
    async with container.uow() as uow:
        case = await admit(uow, scene, coordinator)
        await uow.commit()
    async with container.uow() as uow:
        stored = await uow.session.get(Adolescent, case.id)
        assert stored is not None
        assert (stored.case_number, stored.alias, stored.language) == (
            "MX-2026-0101",
            "Quetzal",
            "mam",
        )
        assert stored.status is CaseStatus.IN_CARE
        assert stored.reference_operator_id == scene.team.other_operator.id
        plan = await uow.session.scalar(select(LifePlan).where(LifePlan.adolescent_id == case.id))
        assert plan is not None
    entry = (await audit_rows(container, "case.create"))[-1]
    assert (entry.staff_id, entry.actor, entry.adolescent_id) == (coordinator.id, "staff", case.id)
    assert case.id in await caseload_ids(container, scene.team.other_operator)


async def test_admins_admit_to_any_home_coordinators_to_their_own_and_operators_not_at_all(
    container: Container, scene: Scene
) -> None:
    far: dict[str, Any] = {
        "case_number": "TON-101",
        "home_id": scene.elsewhere,
        "care_setting": CareSetting.GROUP_HOME,
        "reference_operator_id": scene.far_operator.id,
    }
    for refused in (scene.team.coordinator, scene.team.operator):
        async with container.uow() as uow:
            with pytest.raises(OutOfScope):
                await admit(uow, scene, refused, **far)
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):  # an operator, even for their own home
            await admit(uow, scene, scene.team.operator)
    refusals = await audit_rows(container, "case.refused")
    assert [(r.staff_id, r.target, r.details) for r in refusals] == [
        (scene.team.coordinator.id, f"home:{scene.elsewhere}", {"purpose": "admit"}),
        (scene.team.operator.id, f"home:{scene.elsewhere}", {"purpose": "admit"}),
        (scene.team.operator.id, f"home:{scene.team.home.id}", {"purpose": "admit"}),
    ]
    async with container.uow() as uow:
        taken = select(Adolescent.id).where(Adolescent.case_number == "TON-101")
        assert await uow.session.scalar(taken) is None
        case = await admit(uow, scene, scene.admin, **far)
        await uow.commit()
    assert case.home_id == scene.elsewhere


async def test_what_an_admission_keeps_is_checked(container: Container, scene: Scene) -> None:
    coordinator = scene.team.coordinator
    async with container.uow() as uow:
        with pytest.raises(DuplicateName):  # the team's case, typed in lower case
            await admit(uow, scene, coordinator, case_number="cas-001")
        wrongs: list[dict[str, Any]] = [
            {"case_number": "MX 2026 0101"},
            {"case_number": "MX-2026-ÑAÑA"},
            {"case_number": "X" * 33},
            {"alias": "A" * 61},
            {"alias": "   "},
            {"language": "fr"},
            {"phase": Phase.AFTER_CARE},
            {"care_setting": CareSetting.AFTER_CARE},
            {"birth_date": date(2020, 1, 1)},
            # The reference operator: an active operator of the same home.
            {"reference_operator_id": scene.far_operator.id},
            {"reference_operator_id": coordinator.id},
            {"reference_operator_id": 999_999},
        ]
        for wrong in wrongs:
            with pytest.raises(ValidationFailed):
                await admit(uow, scene, coordinator, **wrong)
        await staff.set_active(uow, scene.admin, scene.team.other_operator.id, False)
        with pytest.raises(ValidationFailed):
            await admit(uow, scene, coordinator)


# --- Reference operator and care setting ----------------------------------------------


async def test_a_case_referred_to_another_operator_moves_between_caseloads(
    container: Container, scene: Scene
) -> None:
    team = scene.team
    assert team.case.id in await caseload_ids(container, team.operator)
    async with container.uow() as uow:
        handover = await cases.change_reference_operator(
            uow,
            team.coordinator,
            team.case.id,
            team.other_operator.id,
            handover_note="Tiene examen el martes; le cuesta pedir ayuda.",
        )
        await uow.commit()
    assert handover is not None and handover.to_staff_id == team.other_operator.id
    assert team.case.id not in await caseload_ids(container, team.operator)
    assert team.case.id in await caseload_ids(container, team.other_operator)
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):
            await cases.case_for_coordination(uow, team.operator, team.case.id, purpose="read")
    [entry] = await audit_rows(container, "case.reference_operator")
    assert (entry.staff_id, entry.adolescent_id, entry.details) == (
        team.coordinator.id,
        team.case.id,
        {"from": team.operator.id, "to": team.other_operator.id, "handover_note": True},
    )
    async with container.uow() as uow:  # an admin may refer it back
        await cases.change_reference_operator(
            uow, scene.admin, team.case.id, team.operator.id, handover_note="Vuelve contigo."
        )
        await uow.commit()
    assert team.case.id in await caseload_ids(container, team.operator)


async def test_only_coordination_of_the_home_refers_a_case_and_only_to_its_operators(
    container: Container, scene: Scene
) -> None:
    team = scene.team
    change = cases.change_reference_operator
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):  # the reference operator herself
            await change(uow, team.operator, team.case.id, team.other_operator.id)
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):  # a coordinator of another home
            await change(uow, scene.far_coordinator, team.case.id, team.other_operator.id)
    async with container.uow() as uow:
        for wrong in (scene.far_operator.id, team.coordinator.id, 999_999):
            with pytest.raises(ValidationFailed):
                await change(uow, team.coordinator, team.case.id, wrong)
        with pytest.raises(InvalidTransition):  # already hers
            await change(uow, team.coordinator, team.case.id, team.operator.id)
        await staff.set_active(uow, scene.admin, team.other_operator.id, False)
        with pytest.raises(ValidationFailed):
            await change(uow, team.coordinator, team.case.id, team.other_operator.id)
    async with container.uow() as uow:
        with pytest.raises(NotFound):
            await change(uow, team.coordinator, team.case.id + 100, team.other_operator.id)
    refused = await audit_rows(container, "case.refused")
    assert [(r.staff_id, r.details) for r in refused] == [(team.operator.id, {"purpose": "change"})]
    outside = await audit_rows(container, "case.out_of_scope")
    assert [r.staff_id for r in outside] == [scene.far_coordinator.id]
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, team.case.id)
        assert case is not None and case.reference_operator_id == team.operator.id
    assert await audit_rows(container, "case.reference_operator") == []


async def test_the_care_setting_changes_while_in_care_only(
    container: Container, scene: Scene, clock: FakeClock
) -> None:
    team = scene.team
    change = cases.change_care_setting
    async with container.uow() as uow:
        await change(uow, team.coordinator, team.case.id, CareSetting.FOSTER_FAMILY)
        await uow.commit()
    [entry] = await audit_rows(container, "case.care_setting")
    assert entry.details == {"from": "residential_centre", "to": "foster_family"}
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):
            await change(uow, team.operator, team.case.id, CareSetting.GROUP_HOME)
        with pytest.raises(ValidationFailed):
            await change(uow, team.coordinator, team.case.id, CareSetting.AFTER_CARE)
        with pytest.raises(InvalidTransition):
            await change(uow, team.coordinator, team.case.id, CareSetting.FOSTER_FAMILY)
        await cases.move_to_follow_up(
            uow, team.coordinator, team.case.id, follow_up_until=date(2027, 1, 1)
        )
        with pytest.raises(InvalidTransition):
            await change(uow, team.coordinator, team.case.id, CareSetting.GROUP_HOME)
        # In follow-up the case can still be referred to someone else.
        await cases.change_reference_operator(
            uow,
            team.coordinator,
            team.case.id,
            team.other_operator.id,
            handover_note="Todo en orden.",
        )
        await cases.close_case(uow, team.coordinator, team.case.id)
        with pytest.raises(CaseClosed):
            await change(uow, team.coordinator, team.case.id, CareSetting.GROUP_HOME)
        with pytest.raises(CaseClosed):
            await cases.change_reference_operator(
                uow, team.coordinator, team.case.id, team.operator.id
            )


# --- The right of access ---------------------------------------------------------------


async def test_the_export_holds_everything_kept_about_the_adolescent(
    container: Container, scene: Scene, clock: FakeClock
) -> None:
    team = scene.team
    voice = b"OggS a voice note"
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, team.case.id)
        assert case is not None
        await a_linked_chat(uow, team.operator, case, "555123")
        await consent_given(uow, case)
        await a_goal(uow, team.operator, case, title="Terminar la secundaria")
        visit = await an_appointment(uow, team.operator, case, title="Examen del INEA")
        await appointments.answer(
            uow,
            case.id,
            visit.id,
            AppointmentAnswer.CANNOT_GO,
            reason="Tengo que trabajar ese día",
            channel=Channel.TELEGRAM,
        )
        said = await messages.record_inbound(
            uow, case.id, channel=Channel.TELEGRAM, body="Ya no quiero estar aquí"
        )
        await messages.record_inbound(
            uow, case.id, channel=Channel.TELEGRAM, body="", kind=MessageKind.VOICE, voice=voice
        )
        await flags.raise_flag(
            uow,
            case.id,
            category=FlagCategory.SELF_HARM,
            severity=Severity.URGENT,
            message_id=said.id,
        )
        await requests.create(
            uow, case.id, reason=RequestReason.TALK, urgency=Urgency.URGENT, message="Llámame"
        )
        await uow.commit()
    clock.advance(hours=1)
    async with container.uow() as uow:
        data = await export.case_export(uow, team.coordinator, team.case.id)
        await uow.commit()

    assert data["format"] == "rumbo.case_export"
    assert data["exported_at"] == "2026-03-02T17:00:00Z"
    assert data["case"]["case_number"] == "CAS-001" and data["case"]["alias"] == "Lu"
    assert data["case"]["reference_operator"] == "Ana"
    assert [m["body"] for m in data["messages"]] == ["Ya no quiero estar aquí", ""]
    assert base64.b64decode(data["messages"][1]["voice_note"]["base64"]) == voice
    [answer] = data["appointments"][0]["answers"]
    assert answer["reason"] == "Tengo que trabajar ese día" and answer["answer"] == "cannot_go"
    assert data["requests"][0]["message"] == "Llámame"
    assert data["flags"][0]["message_id"] == said.id
    assert data["plan"]["goals"][0]["title"] == "Terminar la secundaria"
    assert [c["decision"] for c in data["consent"]["decisions"]] == ["given"]
    assert data["chat_links"][0]["channel"] == "telegram"
    assert data["linking_codes"][0]["used_at"] is not None
    trail = {(e["action"], e["actor"], e["staff"]) for e in data["access_log"]}
    assert ("case.create", "system", None) in trail
    assert ("chat.link", "adolescent", None) in trail
    text = json.dumps(data, ensure_ascii=False)
    assert "555123" not in text  # the chat's own number stays out
    times = [data["case"]["created_at"], data["messages"][0]["created_at"]]
    assert all(t.endswith("Z") for t in times)
    [entry] = await audit_rows(container, "case.export")
    assert (entry.staff_id, entry.adolescent_id) == (team.coordinator.id, team.case.id)
    assert "Ya no quiero" not in json.dumps(entry.details)


async def test_only_coordination_of_the_home_and_admins_export(
    container: Container, scene: Scene
) -> None:
    team = scene.team
    for refused in (team.operator, team.other_operator, scene.far_coordinator):
        async with container.uow() as uow:
            with pytest.raises(OutOfScope):
                await export.case_export(uow, refused, team.case.id)
    async with container.uow() as uow:
        data = await export.case_export(uow, scene.admin, team.case.id)
        await uow.commit()
    assert data["case"]["alias"] == "Lu"
    assert [r.staff_id for r in await audit_rows(container, "case.refused")] == [team.operator.id]
    assert [r.staff_id for r in await audit_rows(container, "case.out_of_scope")] == [
        team.other_operator.id,
        scene.far_coordinator.id,
    ]
    assert [r.staff_id for r in await audit_rows(container, "case.export")] == [scene.admin.id]
