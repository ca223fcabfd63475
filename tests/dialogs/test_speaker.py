"""A language still in preparation says so, and brings someone who speaks it."""

from __future__ import annotations

from sqlalchemy import select

from plan_store.enums import RequestStatus, Role
from plan_store.models import OperatorRequest
from plan_store.services import staff_languages, translations
from plan_store.services.access import StaffActor
from plan_store.services.translations import UnreviewedMode
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.dialogs.builders import World
from tests.dialogs.chat import Chat


async def test_picking_an_unready_language_tells_so_and_a_speaker_can_be_asked_for(
    container: Container, world: World
) -> None:
    async with container.uow() as uow:
        await staff_languages.set_spoken(uow, world.beto, world.beto.id, ["quc"])
        await uow.commit()
    chat = Chat(container)
    await chat.start()
    await chat.send(world.code)
    await chat.tap("🌐 Idioma")
    await chat.tap("K'iche' — en preparación")
    assert chat.sees("K'iche' todavía está en preparación: algunas pantallas siguen en español.")
    (notice,) = [s for s in chat.screens if s.voice_key == "partial"]
    assert notice.language == "quc"  # the K'iche' recording of it, if there is one

    await chat.tap("🗣️ Alguien que hable mi idioma")
    assert chat.sees("Listo. Le avisé a quien habla K'iche' en tu casa. Te va a buscar.")
    await chat.tap("🌐 Idioma")
    await chat.tap("K'iche'")
    await chat.tap("🗣️ Alguien que hable mi idioma")  # asked twice: one request
    async with container.uow() as uow:
        asked = list(
            await uow.session.execute(
                select(OperatorRequest.speaker_language, OperatorRequest.status)
            )
        )
        waiting = await staff_languages.requests_for_speaker(uow, world.beto)
        nobody = await staff_languages.requests_for_speaker(uow, world.laura)
    assert [tuple(r) for r in asked] == [("quc", RequestStatus.OPEN)]
    assert [(w.adolescent_id, w.language) for w in waiting] == [(world.luna, "quc")]
    assert nobody == []  # Laura does not speak K'iche'


async def test_an_installation_can_leave_unready_languages_out_of_the_menu(
    container: Container, world: World
) -> None:
    async with container.uow() as uow:
        admin: StaffActor = await a_staff_member(uow, None, "root", Role.ADMIN)
        await translations.set_unreviewed_mode(uow, admin, UnreviewedMode.HIDE)
        await uow.commit()
    chat = Chat(container)
    await chat.start()
    assert chat.labels == ["Español", "English"]
