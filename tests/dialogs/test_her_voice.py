"""Her voice in the plan, the edges: buttons that name another adolescent's rows, a
voice note for a complaint, leaving a question half-way, a risk in a complaint."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from plan_store.enums import ConcernKind
from plan_store.models import Alert, Concern, Flag, Message, OperatorRequest, Proposal
from plan_store.services import concerns, evaluation_voice, evaluations
from rumbo.container import Container
from tests.dialogs.builders import World
from tests.dialogs.chat import Chat


async def test_buttons_naming_another_adolescents_questions_or_agreements_are_stale(
    chat: Chat, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        theirs = await evaluation_voice.ask(uow, world.zafiro, date(2026, 3, 5))
        held = await evaluations.record(uow, world.beto, world.zafiro, summary="Bien.")
        shared = await evaluation_voice.set_agreements(
            uow, world.beto, world.zafiro, held.id, ["Vas a ir a la escuela."], share=True
        )
        assert shared is not None
        shared.sent_at = uow.now()
        await uow.commit()
    for action in (
        f"pe:{theirs.id}:going:good",
        f"pe:{theirs.id}:skip",
        f"agr:{shared.id}:ok",
        f"prop:step:{world.zafiro_goal}",
        "prop:when:month",  # no proposal under way
        "cx:send:q",  # no complaint under way
        "rights:opt:elsewhere",
        "rights:talk:everything",
    ):
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve."), action
    async with container.uow() as uow:
        voice = await evaluation_voice.voice_of_case(uow, world.zafiro, theirs.id)
        assert voice.answers == {}
        assert list(await uow.session.scalars(select(Proposal))) == []
        assert list(await uow.session.scalars(select(Concern))) == []


async def test_a_voice_note_for_a_complaint_stays_with_the_complaint(
    chat: Chat, world: World, container: Container
) -> None:
    await chat.tap("❓ Ayuda")
    await chat.tap("📣 Quiero poner una queja")
    await chat.voice(b"OggS-complaint")
    assert chat.sees("Listo. Se lo mandé a", "Laura no lo ve.")
    async with container.uow() as uow:
        (concern,) = await uow.session.scalars(select(Concern))
        assert concerns.voice_of(uow, concern) == b"OggS-complaint"
        assert list(await uow.session.scalars(select(Message))) == []
        assert list(await uow.session.scalars(select(Flag))) == []
        assert list(await uow.session.scalars(select(Alert))) == []


async def test_menu_typed_instead_of_a_complaints_words_leaves_it_unsent_and_reaches_the_team(
    chat: Chat, world: World, container: Container
) -> None:
    await chat.tap("❓ Ayuda")
    await chat.tap("📣 Quiero poner una queja")
    await chat.send("menú")
    async with container.uow() as uow:
        assert list(await uow.session.scalars(select(Concern))) == []
        said = [
            uow.cipher.decrypt(m.body_ciphertext)
            for m in await uow.session.scalars(select(Message))
        ]
        assert said == ["menú"]


async def test_a_risk_in_a_complaint_shows_emergency_numbers_and_is_urgent_for_coordination(
    chat: Chat, world: World, container: Container
) -> None:
    await chat.tap("⚙️ Privacidad")
    await chat.tap("📣 Quiero poner una queja")
    await chat.send("mi operadora me pega")
    assert chat.sees("Gracias por contármelo", "911")
    async with container.uow() as uow:
        (concern,) = await uow.session.scalars(select(Concern))
        assert concern.urgent and concern.kind is ConcernKind.COMPLAINT
        # Nothing on the operator's side: no flag, no request, no message.
        assert list(await uow.session.scalars(select(Flag))) == []
        assert list(await uow.session.scalars(select(OperatorRequest))) == []
        assert list(await uow.session.scalars(select(Message))) == []


async def test_leaving_a_proposal_half_way_keeps_nothing_and_typed_text_goes_to_the_team(
    chat: Chat, world: World, container: Container
) -> None:
    await chat.tap("🎯 Mis metas")
    await chat.tap("💡 Quiero proponer una meta")
    await chat.tap("🌱 Crecer como persona")
    await chat.tap("Para después")
    assert chat.sees("Escríbeme tu meta en pocas palabras")
    await chat.send("menú")
    await chat.send("Hola, hoy me fue bien")
    async with container.uow() as uow:
        assert list(await uow.session.scalars(select(Proposal))) == []
        said = [
            uow.cipher.decrypt(m.body_ciphertext)
            for m in await uow.session.scalars(select(Message))
        ]
        assert said[-1] == "Hola, hoy me fue bien"


async def test_a_voice_note_before_the_evaluation_is_kept_for_it_and_heard_by_the_team(
    chat: Chat, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        voice = await evaluation_voice.ask(uow, world.luna, date(2026, 3, 5))
        await uow.commit()
    for question, answer in (("going", "good"), ("hard", "nothing"), ("talk", "goals")):
        await chat.press(f"pe:{voice.id}:{question}:{answer}")
    assert chat.sees("¿De qué meta estás orgullosa u orgulloso?")
    assert "Todavía de ninguna" in chat.labels
    await chat.press(f"pe:{voice.id}:proud:none")
    assert chat.sees("¿Quieres decir algo más para la reunión?")
    await chat.voice(b"OggS-for-the-meeting")
    assert chat.sees("Laura y tu equipo van a leer lo que dijiste")
    async with container.uow() as uow:
        kept = await evaluation_voice.voice_of_case(uow, world.luna, voice.id)
        assert kept.answers["proud"] == "none"
        (message,) = await uow.session.scalars(select(Message))
        assert kept.voice_message_id == message.id
