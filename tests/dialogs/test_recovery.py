"""A flow that fails loses nothing the adolescent sent, least of all a cry for help.

The flows fail for real here: a table one of them writes is gone, as a bug or a
half-applied migration would leave it. The pipeline (``bot.inbound.receive``) then
applies the event again through ``dialogs.recovery``: a text is kept and read for
risk, a voice note is kept for a person to listen to, and the answer says so; a
complaint's words still never land among the messages her operator reads.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from bot.inbound import Inbound, receive
from dialogs import actions
from dialogs.events import Event
from plan_store.enums import FlagCategory, MessageKind, Severity
from plan_store.models import Alert, Flag, Message
from plan_store.services import alert_recipients
from rumbo.container import Container
from rumbo.settings import Settings
from tests.configured import configured
from tests.dialogs.builders import World
from tests.dialogs.chat import Chat, check_reply
from tests.dialogs.on_duty import NOBODY, TELLING, beto_on_duty

APOLOGY = "Perdón, algo falló de mi lado."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An installation that sends alerts by email."""
    return configured(settings, smtp={"host": "127.0.0.1"})


async def refuse_writes_to(container: Container, table: str) -> None:
    """Every new row of ``table`` is refused from now on: the flow that writes it
    fails on every event, as a bug or a half-applied migration would make it."""
    statements = (
        [
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$",
            f"CREATE TRIGGER refused BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse()",
        ]
        if container.engine.dialect.name == "postgresql"
        else [
            f"CREATE TRIGGER refused BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
    )
    async with container.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def into_a_broken_flow(chat: Chat, event: Event) -> None:
    """``event`` through the real pipeline, letting the dialogs fail (``Chat`` would
    raise instead)."""
    inbound = Inbound(chat.channel, uuid.uuid4().hex, chat.chat_id, event)
    reply = await receive(chat.container.uow, inbound)
    assert reply is not None
    check_reply(reply)
    chat.last = reply
    chat.history.append(reply)


async def kept_messages(container: Container) -> list[tuple[MessageKind, str]]:
    async with container.uow() as uow:
        return [
            (message.kind, uow.cipher.decrypt(message.body_ciphertext))
            for message in await uow.session.scalars(select(Message).order_by(Message.id))
        ]


async def flags_raised(container: Container) -> list[tuple[FlagCategory, Severity, bool]]:
    """Each flag's category, severity, and whether it points at a message."""
    async with container.uow() as uow:
        return [
            (flag.category, flag.severity, flag.message_id is not None)
            for flag in await uow.session.scalars(select(Flag).order_by(Flag.id))
        ]


async def test_a_cry_for_help_typed_into_a_broken_flow_still_reaches_someone(
    container: Container, world: World, chat: Chat
) -> None:
    await beto_on_duty(container, world, reachable="email")
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("⚠️ Pasó algo")
    await refuse_writes_to(container, "operator_requests")  # her request is not written

    await into_a_broken_flow(chat, Event.text("ya no aguanto, me quiero morir"))

    assert chat.sees("Gracias por contármelo", f"{TELLING} Beto.", "911", "800 911 2000")
    assert chat.does_not_see(APOLOGY, NOBODY)
    assert await kept_messages(container) == [(MessageKind.TEXT, "ya no aguanto, me quiero morir")]
    flags = await flags_raised(container)
    assert flags and all(has_message for *_, has_message in flags)
    assert flags[0][1] in (Severity.URGENT, Severity.HIGH)
    async with container.uow() as uow:
        (alert,) = await uow.session.scalars(select(Alert))
        assert [s.display_name for s in await alert_recipients.told(uow, alert.id)] == ["Beto Ruiz"]


async def test_a_cry_for_help_into_a_broken_flow_with_nobody_on_duty_says_so(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("⚠️ Pasó algo")
    await refuse_writes_to(container, "operator_requests")

    await into_a_broken_flow(chat, Event.text("me quiero morir"))

    assert chat.sees("Gracias por contármelo", NOBODY, "911")
    assert chat.does_not_see(TELLING)
    assert await flags_raised(container)


async def test_words_typed_into_a_broken_flow_are_kept_for_the_team_and_she_is_told_so(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    await chat.send("quiero cambiar de escuela")
    assert chat.sees("¿Es urgente?")
    await refuse_writes_to(container, "operator_requests")

    await into_a_broken_flow(chat, Event.text("es para la otra semana"))

    assert chat.sees(APOLOGY, "Se lo paso a tu equipo.", "Laura")
    assert chat.does_not_see("¿Me lo repites")  # it was kept: no need to say it again
    assert await kept_messages(container) == [
        (MessageKind.TEXT, "quiero cambiar de escuela"),
        (MessageKind.TEXT, "es para la otra semana"),
    ]
    assert await flags_raised(container) == []


async def test_a_voice_note_into_a_broken_flow_is_kept_for_a_person_to_listen_to(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.press(actions.appointment(world.doctor))
    await chat.tap("❌ No puedo ir")
    assert chat.sees("¿Por qué no puedes ir?")
    await refuse_writes_to(container, "appointment_confirmations")  # her answer is not

    await into_a_broken_flow(chat, Event.voice_note(b"OggS-voice"))

    assert chat.sees(APOLOGY, "Recibí tu audio")
    assert [kind for kind, _ in await kept_messages(container)] == [MessageKind.VOICE]
    assert await flags_raised(container) == [(FlagCategory.VOICE_NOTE, Severity.MEDIUM, True)]


async def test_a_complaint_whose_flow_fails_never_reaches_her_operators_messages(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("⚙️ Privacidad")
    await chat.tap("📣 Quiero poner una queja")
    await refuse_writes_to(container, "concerns")

    await into_a_broken_flow(chat, Event.text("mi operadora me pega"))

    # Still the emergency numbers and a one-tap way to a person; nothing kept or
    # flagged where Laura, whom it is about, would read it.
    assert chat.sees("Gracias por contármelo", "911")
    assert "🙋 Hablar con una persona" in chat.labels
    assert await kept_messages(container) == []
    assert await flags_raised(container) == []


async def test_a_button_a_broken_flow_fails_on_gets_the_apology_in_her_language(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("🌐 Idioma")
    await chat.tap("English")
    await chat.tap("🙋 Talk to Laura")
    await chat.tap("💬 Just to talk")
    await chat.tap("⏭️ Skip")
    await refuse_writes_to(container, "operator_requests")

    await into_a_broken_flow(chat, Event.choice(chat.button("🔴 Yes, it's urgent").action))

    assert chat.sees("Sorry, something went wrong on my side. Can you tell me again")
    assert await kept_messages(container) == []
