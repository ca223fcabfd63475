"""What she reads of her family and her papers: whom she may talk with and the last
call, where her procedure is and what comes next, in plain words; never the team's
notes, never the institutional names."""

from __future__ import annotations

from datetime import date

from plan_store.enums import ContactWay, LegalKind, LegalStage, Role
from plan_store.models import Home
from plan_store.services import family, legal
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.conftest import FakeClock
from tests.dialogs.builders import World
from tests.dialogs.chat import Chat


async def team_member(container: Container, world: World, name: str, role: Role) -> StaffActor:
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home_id)
        person = await a_staff_member(uow, home, name.split()[0].lower(), role, display_name=name)
        await uow.commit()
    return person


async def test_she_sees_whom_she_may_talk_with_and_the_last_call_but_no_note(
    container: Container, world: World, chat: Chat
) -> None:
    sara = await team_member(container, world, "Sara Gómez", Role.SOCIAL_WORKER)
    async with container.uow() as uow:
        mother = await family.add_contact(
            uow,
            sara,
            world.luna,
            name="Rosa",
            relation="mamá",
            way=ContactWay.CALL,
            allowed_by="Procuraduría de Protección, oficio 123",
            allowed_since=date(2026, 2, 1),
        )
        await family.add_contact(
            uow,
            sara,
            world.luna,
            name="Julio",
            relation="tío",
            way=ContactWay.CALL_AND_VISIT,
            allowed_by="Juez familiar",
            allowed_since=date(2026, 2, 1),
        )
        await family.record_contact(
            uow,
            sara,
            world.luna,
            mother.id,
            way=ContactWay.CALL,
            held_on=date(2026, 2, 28),
            note="Se quedó triste después de colgar.",
        )
        await uow.commit()
    await chat.tap("🎯 Mis metas")
    assert "👪 Mi familia" in chat.labels  # the route shows with no goal in it yet
    await chat.tap("👪 Mi familia")
    assert chat.sees(
        "Puedes hablar con:",
        "• Julio (tío) — 📞 llamadas y 🏠 visitas",
        "• Rosa (mamá) — 📞 llamadas",
        "🗓️ La última vez: llamada con Rosa, sábado 28 de febrero",
    )
    chat.does_not_see("triste", "Procuraduría", "oficio", "Juez")


async def test_she_sees_her_procedure_in_plain_words_with_its_next_date_and_lawyer(
    container: Container, world: World, chat: Chat, clock: FakeClock
) -> None:
    mara = await team_member(container, world, "Mara Quiñones", Role.LAWYER)
    async with container.uow() as uow:
        opened = await legal.open_procedure(
            uow, mara, world.luna, kind=LegalKind.REFUGEE, followed_by_id=mara.id
        )
        procedure_id = opened.id
        await uow.commit()
    clock.advance(days=3)
    async with container.uow() as uow:
        await legal.update_procedure(
            uow,
            mara,
            world.luna,
            procedure_id,
            stage=LegalStage.FILED,
            next_on=None,
            followed_by_id=mara.id,
        )
        await uow.commit()
    clock.advance(days=2)
    async with container.uow() as uow:
        await legal.update_procedure(
            uow,
            mara,
            world.luna,
            procedure_id,
            stage=LegalStage.INTERVIEW,
            next_on=date(2026, 3, 17),
            next_what="Tu entrevista: lleva tu constancia",
            followed_by_id=mara.id,
        )
        await uow.commit()
    await chat.tap("🎯 Mis metas")
    await chat.tap("📄 Mis papeles")
    assert chat.sees(
        "📄 Tu trámite para pedir refugio en México",
        "👉 Ahora: tu entrevista",
        "📅 Lo que sigue: Tu entrevista: lleva tu constancia, martes 17 de marzo",
        "🤝 Te ayuda con esto: Mara (abogacía: tus papeles)",
        "Lo que ya pasó:\n✔️ Preparar tu solicitud, lunes 2 de marzo\n"
        "✔️ Entregar tu solicitud, jueves 5 de marzo",
    )
    chat.does_not_see("COMAR", "refugiado", "procedimiento", "Quiñones")


async def test_an_unlinked_chat_sees_nothing_of_her_family_or_papers(
    container: Container, world: World
) -> None:
    sara = await team_member(container, world, "Sara Gómez", Role.SOCIAL_WORKER)
    async with container.uow() as uow:
        await family.add_contact(
            uow,
            sara,
            world.luna,
            name="Rosa",
            relation="mamá",
            way=ContactWay.CALL,
            allowed_by="Procuraduría",
            allowed_since=date(2026, 2, 1),
        )
        await uow.commit()
    stranger = Chat(container, chat_id="999")
    await stranger.start()
    await stranger.tap("Español")
    stranger.does_not_see("Rosa", "👪 Mi familia", "📄 Mis papeles")
    await stranger.send("mi familia")
    stranger.does_not_see("Rosa")
