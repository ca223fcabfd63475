"""Who is on duty: the weekly pattern in the home's time, past midnight, and one-off
changes on top of it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from plan_store.enums import Role
from plan_store.errors import OutOfScope, ValidationFailed
from plan_store.services import duty
from rumbo.container import Container
from tests.builders import a_home, a_staff_member
from tests.conftest import FakeClock
from tests.plan_store.builders import a_team


def mexico(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026 in Mexico City (UTC-6): the 2nd is a Monday."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) + timedelta(hours=6)


async def test_the_pattern_runs_past_midnight_and_one_off_changes_win(
    container: Container,
) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        home = team.home.id
        # Ana nights Monday to Friday, 22:00 to 06:00; Beto (other) days, 06:00-22:00.
        await duty.add_shift(
            uow,
            team.coordinator,
            home,
            staff_id=team.operator.id,
            weekdays=range(5),
            starts=time(22),
            ends=time(6),
        )
        await duty.add_shift(
            uow,
            team.coordinator,
            home,
            staff_id=team.other_operator.id,
            weekdays=range(7),
            starts=time(6),
            ends=time(22),
        )
        # Ana is away Tuesday night; Beto covers it.
        await duty.add_change(
            uow,
            team.coordinator,
            home,
            staff_id=team.operator.id,
            starts_at=mexico(3, 22),
            ends_at=mexico(4, 6),
            on_duty=False,
        )
        await duty.add_change(
            uow,
            team.coordinator,
            home,
            staff_id=team.other_operator.id,
            starts_at=mexico(3, 22),
            ends_at=mexico(4, 6),
            on_duty=True,
        )
        await uow.commit()

    async def who(at: datetime) -> list[int]:
        async with container.uow() as uow:
            return [member.id for member in await duty.on_duty(uow, home, at)]

    ana, beto = team.operator.id, team.other_operator.id
    assert await who(mexico(2, 21, 59)) == [beto]
    assert await who(mexico(2, 23)) == [ana]  # Monday night
    assert await who(mexico(3, 5, 59)) == [ana]  # still Monday's shift, on Tuesday
    assert await who(mexico(3, 6)) == [beto]
    assert await who(mexico(3, 23)) == [beto]  # Tuesday night: the change
    assert await who(mexico(4, 23)) == [ana]  # Wednesday night: the pattern again
    assert await who(mexico(7, 2)) == [ana]  # Friday night's shift, on Saturday
    assert await who(mexico(8, 2)) == []  # Sunday 02:00: no night shift on Saturdays


async def test_only_the_homes_coordinators_and_admins_change_its_roster(
    container: Container,
) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        with pytest.raises(OutOfScope):
            await duty.add_shift(
                uow,
                team.operator,
                team.home.id,
                staff_id=team.operator.id,
                weekdays=[0],
                starts=time(8),
                ends=time(9),
            )
        with pytest.raises(ValidationFailed):
            await duty.set_escalation(
                uow, team.coordinator, team.home.id, backup_minutes=15, coordinators_minutes=5
            )


async def test_every_homes_duty_at_once_follows_each_homes_own_clock(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        ceiba = await a_home(uow, "Casa Ceiba")  # Mexico City, UTC-6
        pinos = await a_home(uow, "Casa Pinos")
        pinos.timezone = "America/Tijuana"  # UTC-8 in early March
        ana = await a_staff_member(uow, ceiba, "ana", Role.COORDINATOR, display_name="Ana")
        beto = await a_staff_member(uow, pinos, "beto", Role.COORDINATOR, display_name="Beto")
        for home, member in ((ceiba, ana), (pinos, beto)):
            await duty.add_shift(
                uow,
                member,
                home.id,
                staff_id=member.id,
                weekdays=[0],
                starts=time(8),
                ends=time(16),
            )
        await uow.commit()

    async def everywhere() -> list[tuple[str, tuple[str, ...]]]:
        async with container.uow() as uow:
            return [(home.home_name, home.on_duty) for home in await duty.duty_now(uow)]

    clock.now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Ceiba, 07:00 in Pinos
    assert await everywhere() == [("Casa Ceiba", ("Ana",)), ("Casa Pinos", ())]
    clock.now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 17:30 in Ceiba, 15:30 in Pinos
    assert await everywhere() == [("Casa Ceiba", ()), ("Casa Pinos", ("Beto",))]
    async with container.uow() as uow:
        (only,) = await duty.duty_now(uow, [pinos.id])
        assert (only.home_name, only.on_duty) == ("Casa Pinos", ("Beto",))
        assert [m.display_name for m in await duty.on_duty(uow, pinos.id)] == ["Beto"]
