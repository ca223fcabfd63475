"""The conversation's place lives in the database: a restart loses no one's place."""

from __future__ import annotations

from sqlalchemy import select

from plan_store.enums import AppointmentAnswer, Urgency
from plan_store.models import AppointmentConfirmation, OperatorRequest
from plan_store.services import appointments, requests
from rumbo.container import Container
from rumbo.settings import Settings
from tests.conftest import FakeClock, after_a_restart
from tests.dialogs.builders import World, a_consented_chat
from tests.dialogs.chat import Chat


async def test_a_chat_continues_after_a_restart(
    container: Container, world: World, settings: Settings, clock: FakeClock
) -> None:
    before = await a_consented_chat(container, world)
    await before.tap("🙋 Hablar con Laura")
    await before.tap("⚠️ Pasó algo")
    assert before.sees("¿Quieres escribirle algo a Laura?")

    async with after_a_restart(container, settings, clock) as restarted:
        after = Chat(restarted, chat_id="100")
        await after.send("Se llevaron mis cosas")
        assert after.sees("¿Es urgente?")
        await after.tap("🟢 Puede esperar")
        assert after.sees("Le avisé a Laura")
        async with restarted.uow() as uow:
            request = await uow.session.scalar(select(OperatorRequest))
            assert request is not None and request.urgency is Urgency.NORMAL
            assert requests.message_of(uow, request) == "Se llevaron mis cosas"


async def test_a_reason_prompt_survives_a_restart(
    container: Container, world: World, settings: Settings, clock: FakeClock
) -> None:
    before = await a_consented_chat(container, world)
    await before.tap("📅 Mis citas")
    await before.tap("Inscripción al taller")
    await before.tap("🔁 Cambiar")

    async with after_a_restart(container, settings, clock) as restarted:
        after = Chat(restarted, chat_id="100")
        await after.send("mejor en la tarde")
        assert after.sees("Le pido a Laura que busque otra fecha contigo.")
        async with restarted.uow() as uow:
            answer = await uow.session.scalar(select(AppointmentConfirmation))
            assert answer is not None
            assert answer.answer is AppointmentAnswer.CHANGE
            assert appointments.reason_of(uow, answer) == "mejor en la tarde"
