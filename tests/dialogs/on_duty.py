"""Someone on duty for the dialog tests' home, and what the chat says of alerts."""

from __future__ import annotations

from datetime import time

from plan_store.enums import Role
from plan_store.models import Home
from plan_store.services import alert_reads, duty, staff_chats
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.dialogs.builders import World

TELLING = "Le estoy avisando ahora a"
NOBODY = "Ahora mismo no pude avisarle a nadie de tu equipo al momento."


async def beto_on_duty(container: Container, world: World, *, reachable: str) -> None:
    """Beto on duty all week; reachable by email, on a console page he has open, or not."""
    async with container.uow() as uow:
        home = await uow.session.get(Home, world.home_id)
        marta = await a_staff_member(uow, home, "marta", Role.COORDINATOR)
        await duty.add_shift(
            uow,
            marta,
            world.home_id,
            staff_id=world.beto.id,
            weekdays=range(7),
            starts=time(0),
            ends=time(0),
        )
        if reachable == "email":
            await staff_chats.set_email(uow, world.beto, "beto@casa.test")
        if reachable == "console":
            await alert_reads.live_for(uow, world.beto.id)  # a page of his asks for alerts
        await uow.commit()
