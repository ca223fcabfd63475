"""Flags staff must look at, and requests to the reference operator."""

from __future__ import annotations

import pytest

from plan_store.enums import (
    FlagCategory,
    FlagStatus,
    RequestReason,
    RequestStatus,
    Severity,
    Urgency,
)
from plan_store.errors import (
    InvalidTransition,
    NotFound,
    NotOwnedByCase,
    OutOfScope,
    ValidationFailed,
)
from plan_store.services import flags, requests
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import Team, a_case, a_goal, an_appointment


async def a_flag(container: Container, team: Team, dedupe_key: str | None = None) -> int:
    async with container.uow() as uow:
        flag = await flags.raise_flag(
            uow,
            team.case.id,
            category=FlagCategory.SELF_HARM,
            severity=Severity.URGENT,
            detail="palabras de riesgo",
            dedupe_key=dedupe_key,
        )
        await uow.commit()
        return flag.id


async def test_a_flag_needs_a_note_to_be_resolved(
    container: Container, team: Team, clock: FakeClock
) -> None:
    flag_id = await a_flag(container, team)
    async with container.uow() as uow:
        with pytest.raises(ValidationFailed):
            await flags.resolve(uow, team.operator, team.case.id, flag_id, "   ")
        await uow.commit()
    async with container.uow() as uow:
        (flag,) = await flags.for_case(uow, team.case.id)
        assert flag.status is FlagStatus.OPEN

    clock.advance(minutes=20)
    async with container.uow() as uow:
        await flags.resolve(
            uow, team.operator, team.case.id, flag_id, " Hablé con ella; está acompañada. "
        )
        await uow.commit()
    async with container.uow() as uow:
        (flag,) = await flags.for_case(uow, team.case.id)
        assert (flag.status, flag.note) == (
            FlagStatus.RESOLVED,
            "Hablé con ella; está acompañada.",
        )
        # Resolving also counts as having seen it.
        assert flag.acknowledged_at == flag.resolved_at == clock.now
        assert flag.resolved_by_id == team.operator.id
        with pytest.raises(InvalidTransition):
            await flags.resolve(uow, team.operator, team.case.id, flag_id, "otra nota")
        with pytest.raises(InvalidTransition):
            await flags.acknowledge(uow, team.operator, team.case.id, flag_id)


async def test_a_flag_is_acknowledged_once(container: Container, team: Team) -> None:
    flag_id = await a_flag(container, team)
    async with container.uow() as uow:
        acknowledged = await flags.acknowledge(uow, team.coordinator, team.case.id, flag_id)
        assert acknowledged.acknowledged_by_id == team.coordinator.id
        with pytest.raises(InvalidTransition):
            await flags.acknowledge(uow, team.operator, team.case.id, flag_id)
        with pytest.raises(OutOfScope):
            await flags.acknowledge(uow, team.other_operator, team.case.id, flag_id)


async def test_a_flag_raised_by_a_job_is_raised_once(container: Container, team: Team) -> None:
    first = await a_flag(container, team, "missed:appointment:7")
    assert await a_flag(container, team, "missed:appointment:7") == first
    async with container.uow() as uow:
        assert len(await flags.for_case(uow, team.case.id)) == 1


async def test_a_flag_is_handled_only_through_its_own_case(
    container: Container, team: Team
) -> None:
    flag_id = await a_flag(container, team)
    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        with pytest.raises(NotFound):
            await flags.resolve(uow, team.operator, other.id, flag_id, "nota")
        with pytest.raises(NotFound):
            await flags.mark_for_evaluation(uow, team.operator, other.id, flag_id)
        marked = await flags.mark_for_evaluation(uow, team.operator, team.case.id, flag_id)
        assert marked.marked_for_evaluation


async def test_a_request_is_handled_once(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        request = await requests.create(
            uow, team.case.id, reason=RequestReason.TALK, urgency=Urgency.NORMAL, message="  "
        )
        await uow.commit()
    async with container.uow() as uow:
        assert requests.message_of(uow, request) == ""
        with pytest.raises(InvalidTransition):
            await requests.handle(uow, team.operator, team.case.id, request.id, RequestStatus.OPEN)
        with pytest.raises(OutOfScope):
            await requests.handle(uow, team.other_operator, team.case.id, request.id)
        await requests.handle(uow, team.operator, team.case.id, request.id)
        await uow.commit()
    async with container.uow() as uow:
        assert await requests.open_for(uow, team.case.id) == []
        with pytest.raises(InvalidTransition):
            await requests.handle(
                uow, team.operator, team.case.id, request.id, RequestStatus.CLOSED
            )


async def test_a_request_about_a_goal_or_appointment_must_be_about_ones_own(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        their_goal, _ = await a_goal(uow, team.operator, other)
        their_visit = await an_appointment(uow, team.operator, other)
        my_goal, _ = await a_goal(uow, team.operator, team.case)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(NotOwnedByCase):
            await requests.create(
                uow,
                team.case.id,
                reason=RequestReason.GOAL_HELP,
                urgency=Urgency.NORMAL,
                goal_id=their_goal.id,
            )
        with pytest.raises(NotOwnedByCase):
            await requests.create(
                uow,
                team.case.id,
                reason=RequestReason.APPOINTMENT_CHANGE,
                urgency=Urgency.NORMAL,
                appointment_id=their_visit.id,
            )
        help_request = await requests.create(
            uow,
            team.case.id,
            reason=RequestReason.GOAL_HELP,
            urgency=Urgency.NORMAL,
            goal_id=my_goal.id,
            message="No entiendo la tarea de matemáticas",
        )
        await uow.commit()
    async with container.uow() as uow:
        (shown,) = await requests.open_for(uow, team.case.id)
        assert shown.id == help_request.id and shown.goal_id == my_goal.id
        assert requests.message_of(uow, shown) == "No entiendo la tarea de matemáticas"
        assert b"matem" not in (shown.message_ciphertext or b"")
