"""The preparation sheet of the fortnightly evaluation covers the period since the
last evaluation (or one cadence before the first one is due) and lists everything
in it, newest first."""

from __future__ import annotations

import re
from datetime import timedelta

from plan_store.enums import AppointmentKind, Channel
from plan_store.models import Home
from plan_store.services import appointments, evaluations, messages
from rumbo.container import Container
from tests.builders import a_case
from tests.conftest import FakeClock
from tests.console.conftest import Browser
from tests.console.world import World


def texts(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_sheet_after_an_evaluation_14_days_ago_covers_those_days_and_lists_all(
    as_ana: Browser, world: World, container: Container, clock: FakeClock
) -> None:
    case_id = world.ana_case.id
    today = clock.now
    clock.now = today - timedelta(days=15)
    async with container.uow() as uow:
        await messages.record_inbound(
            uow, case_id, channel=Channel.TELEGRAM, body="Antes de la evaluación pasada"
        )
        await uow.commit()
    clock.now = today - timedelta(days=14)
    async with container.uow() as uow:
        await evaluations.record(uow, world.coordinator, case_id, summary="Quincena tranquila.")
        await uow.commit()
    written, scheduled = [], []
    for day in range(13, 0, -3):  # days 13, 10, 7, 4 and 1 before today
        clock.now = today - timedelta(days=day, hours=1)
        async with container.uow() as uow:
            appointment = await appointments.schedule(
                uow,
                world.ana,
                case_id,
                kind=AppointmentKind.SCHOOL,
                title=f"Asesoría {day}",
                place="",
                starts_at=clock.now + timedelta(minutes=30),
            )
            body = f"Mensaje de hace {day} días"
            await messages.record_inbound(uow, case_id, channel=Channel.TELEGRAM, body=body)
            await messages.reply(uow, world.ana, case_id, f"Respuesta de hace {day} días")
            await uow.commit()
        written += [body, f"Respuesta de hace {day} días"]
        scheduled.append(appointment.title)
    clock.now = today

    page = texts((await as_ana.get(f"/cases/{case_id}/evaluation")).text)

    assert "Periodo lun 16 feb 2026 – lun 2 mar 2026" in page  # those 14 days
    for expected in written + scheduled:
        assert expected in page, expected
    assert "Antes de la evaluación pasada" not in page
    period = page[page.index("Lo que pasó en el periodo") :]
    # ``written`` runs oldest first; the sheet lists them newest first.
    positions = [period.index(body) for body in written if body.startswith("Mensaje")]
    assert positions == sorted(positions, reverse=True)


async def test_before_the_first_evaluation_the_sheet_covers_one_cadence_before_it_is_due(
    as_ana: Browser, world: World, container: Container, clock: FakeClock
) -> None:
    """A case opened today, with its first evaluation due in three days, has lived the
    fortnight before too: the sheet does not start the day the case was recorded."""
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        case = await a_case(uow, home, world.ana, "MX-2026-0009", alias="Nube")
        case.next_evaluation_on = clock.now.date() + timedelta(days=3)  # as recorded on paper
        await uow.commit()
    page = texts((await as_ana.get(f"/cases/{case.id}/evaluation")).text)
    assert "Periodo jue 19 feb 2026 – lun 2 mar 2026" in page
