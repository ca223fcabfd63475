"""Appointments and the answers about them, before and after they start."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from plan_store.enums import AppointmentAnswer, AppointmentKind, AppointmentStatus, Channel
from plan_store.errors import (
    AppointmentClosed,
    AppointmentInPast,
    CaseClosed,
    NotOwnedByCase,
    OutOfScope,
    ValidationFailed,
)
from plan_store.services import appointments, cases
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import Team, a_case, an_appointment

WILL_GO, CANNOT_GO, CHANGE = (
    AppointmentAnswer.WILL_GO,
    AppointmentAnswer.CANNOT_GO,
    AppointmentAnswer.CHANGE,
)


async def answer(
    container: Container, team: Team, appointment_id: int, given: AppointmentAnswer
) -> AppointmentStatus:
    async with container.uow() as uow:
        appointment = await appointments.answer(
            uow, team.case.id, appointment_id, given, channel=Channel.TELEGRAM
        )
        await uow.commit()
        return appointment.status


async def test_an_appointment_cannot_be_scheduled_in_the_past(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        for starts_in in (timedelta(0), timedelta(minutes=-1), timedelta(days=-30)):
            with pytest.raises(AppointmentInPast):
                await an_appointment(uow, team.operator, team.case, starts_in=starts_in)
        with pytest.raises(ValidationFailed):  # a time without a zone is ambiguous
            await appointments.schedule(
                uow,
                team.operator,
                team.case.id,
                kind=AppointmentKind.HEALTH,
                title="Vacuna",
                place="Centro de salud",
                starts_at=datetime(2026, 3, 9, 10, 0),
            )
        soon = await an_appointment(uow, team.operator, team.case, starts_in=timedelta(minutes=1))
        with pytest.raises(AppointmentInPast):
            await appointments.move(
                uow, team.operator, team.case.id, soon.id, clock.now - timedelta(hours=1)
            )
        await uow.commit()
    async with container.uow() as uow:
        assert [a.id for a in await appointments.upcoming(uow, team.case.id)] == [soon.id]


async def test_answers_before_an_appointment_and_attendance_after_it(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        exam = await an_appointment(uow, team.operator, team.case, starts_in=timedelta(days=1))
        await uow.commit()

    assert await answer(container, team, exam.id, CHANGE) is AppointmentStatus.CHANGE_REQUESTED
    assert await answer(container, team, exam.id, WILL_GO) is AppointmentStatus.CONFIRMED
    with pytest.raises(ValidationFailed):  # "did you go?" only once it has started
        await answer(container, team, exam.id, AppointmentAnswer.ATTENDED)

    clock.advance(days=1)
    with pytest.raises(AppointmentInPast):
        await answer(container, team, exam.id, CANNOT_GO)
    assert await answer(container, team, exam.id, AppointmentAnswer.ATTENDED) is (
        AppointmentStatus.ATTENDED
    )
    with pytest.raises(AppointmentClosed):
        await answer(container, team, exam.id, AppointmentAnswer.MISSED)

    async with container.uow() as uow:
        (shown,) = await appointments.with_history(uow, team.case.id)
        assert [c.answer for c in shown.confirmations] == [
            CHANGE,
            WILL_GO,
            AppointmentAnswer.ATTENDED,
        ]


async def test_staff_can_record_attendance_for_their_own_cases_only(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        visit = await an_appointment(uow, team.operator, team.case, starts_in=timedelta(hours=2))
        await uow.commit()
    clock.advance(hours=3)
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):
            await appointments.answer(
                uow,
                team.case.id,
                visit.id,
                AppointmentAnswer.MISSED,
                by_staff=team.other_operator,
            )
    async with container.uow() as uow:
        done = await appointments.answer(
            uow, team.case.id, visit.id, AppointmentAnswer.MISSED, by_staff=team.operator
        )
        assert done.status is AppointmentStatus.MISSED
        await uow.commit()
    async with container.uow() as uow:
        (shown,) = await appointments.with_history(uow, team.case.id)
        assert shown.confirmations[0].by_staff_id == team.operator.id


async def test_a_cancelled_appointment_takes_no_answers_and_does_not_move(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        visit = await an_appointment(uow, team.operator, team.case)
        await appointments.cancel(uow, team.operator, team.case.id, visit.id)
        await uow.commit()
    with pytest.raises(AppointmentClosed):
        await answer(container, team, visit.id, WILL_GO)
    async with container.uow() as uow:
        with pytest.raises(AppointmentClosed):
            await appointments.move(
                uow, team.operator, team.case.id, visit.id, clock.now + timedelta(days=5)
            )
        with pytest.raises(AppointmentClosed):
            await appointments.cancel(uow, team.operator, team.case.id, visit.id)
        assert await appointments.upcoming(uow, team.case.id) == []


async def test_a_moved_appointment_asks_for_a_new_confirmation(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        visit = await an_appointment(uow, team.operator, team.case)
        await uow.commit()
    assert await answer(container, team, visit.id, WILL_GO) is AppointmentStatus.CONFIRMED
    async with container.uow() as uow:
        moved = await appointments.move(
            uow, team.operator, team.case.id, visit.id, clock.now + timedelta(days=4)
        )
        assert moved.status is AppointmentStatus.SCHEDULED
        await uow.commit()


async def test_an_appointment_of_another_adolescent_cannot_be_answered_by_chat(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        theirs = await an_appointment(uow, team.operator, other)
        await uow.commit()
    with pytest.raises(NotOwnedByCase):
        await answer(container, team, theirs.id, CANNOT_GO)
    async with container.uow() as uow:
        (shown,) = await appointments.with_history(uow, other.id)
        assert (shown.status, shown.confirmations) == (AppointmentStatus.SCHEDULED, [])


async def test_upcoming_lists_what_is_ahead_soonest_first(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        later = await an_appointment(uow, team.operator, team.case, starts_in=timedelta(days=9))
        sooner = await an_appointment(uow, team.operator, team.case, starts_in=timedelta(days=2))
        past = await an_appointment(uow, team.operator, team.case, starts_in=timedelta(hours=1))
        await uow.commit()
    clock.advance(hours=2)
    async with container.uow() as uow:
        assert [a.id for a in await appointments.upcoming(uow, team.case.id)] == [
            sooner.id,
            later.id,
        ]
        everything = await appointments.with_history(uow, team.case.id)
        assert [a.id for a in everything] == [later.id, sooner.id, past.id]


async def test_a_closed_case_gets_no_new_appointments(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        await cases.close_case(uow, team.coordinator, team.case.id)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(CaseClosed):
            await an_appointment(uow, team.operator, team.case)


async def test_a_closed_cases_appointments_cannot_be_moved(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        appointment = await an_appointment(uow, team.operator, team.case)
        await uow.commit()
    async with container.uow() as uow:
        await cases.close_case(uow, team.coordinator, team.case.id)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(CaseClosed):
            await appointments.move(
                uow, team.operator, team.case.id, appointment.id, clock.now + timedelta(days=9)
            )
