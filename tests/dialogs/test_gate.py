"""What a chat may see: nothing of any case unless linked with consent in force,
and never another adolescent's data, whatever the buttons say."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.inbound import Inbound, receive_together
from dialogs import actions
from dialogs.events import Event
from plan_store.enums import (
    AppointmentStatus,
    Channel,
    ConsentDecision,
    ConsentPurpose,
    GoalStatus,
    Programme,
    RequestReason,
    Urgency,
)
from plan_store.models import (
    Adolescent,
    Appointment,
    AppointmentConfirmation,
    Flag,
    Message,
    OperatorRequest,
    Step,
)
from plan_store.services import appointments, cases, consent, plans
from rumbo.container import Container
from tests.builders import a_case
from tests.conftest import FakeClock
from tests.dialogs.builders import World, a_consented_chat, a_world, new_code
from tests.dialogs.chat import Chat


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """What a chat may see is checked on both databases (PostgreSQL is skipped, with
    the reason, when it cannot be reached)."""
    return str(request.param)


CASE_WORDS = (
    "Luna",
    "Laura",
    "Terminar la secundaria",
    "Examen de Historia",
    "carpintería",
    "CECATI",
    "centro de salud",
    "Zafiro",
)


def every_case_action(world: World, *, leaving: bool = True) -> list[str]:
    """Every action that names or shows something of a case, for both cases
    (``leaving``: with the actions that leave Rumbo, which a linked chat may use)."""
    found = ["goals", "appts", "op", "op:now", "priv"]
    if leaving:
        found += ["priv:stop", "priv:stop:yes"]
    found += [actions.programme(p) for p in Programme]
    for goal in (world.school, world.growth, world.zafiro_goal):
        found += [actions.goal(goal), actions.goal_help(goal)]
    for step in (*world.school_steps, world.zafiro_step):
        found.append(actions.step_done(step))
    for appointment in (world.carpentry, world.doctor, world.zafiro_appointment):
        found += [
            actions.appointment(appointment),
            actions.will_go(appointment),
            actions.cannot_go(appointment),
            actions.change(appointment),
            actions.skip_reason("no", appointment),
            actions.went(appointment),
            actions.missed(appointment),
        ]
    found += [actions.operator_reason(r) for r in RequestReason]
    found += [actions.operator_urgency(RequestReason.TALK, True)]
    return found


async def nothing_changed(container: Container) -> None:
    async with container.uow() as uow:
        for model in (AppointmentConfirmation, OperatorRequest, Message, Flag):
            assert await uow.session.scalar(select(func.count()).select_from(model)) == 0
        done = await uow.session.scalar(
            select(func.count()).select_from(Step).where(Step.done_at.is_not(None))
        )
        assert done == 3  # the three steps the builder confirmed


async def test_unlinked_chat_sees_no_goals(container: Container, world: World) -> None:
    chat = Chat(container)
    await chat.start()
    await chat.tap("Español")
    for action in every_case_action(world):
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve.", "escribe aquí el código")
    for text in ("menú", "mis metas", "quiero ver mis citas", "/start", "hola"):
        await chat.send(text)
    await chat.voice(b"OggS")
    assert chat.sees("Todavía no puedo recibir audios.")
    for word in CASE_WORDS:
        assert not chat.saw_anywhere(word), word
    assert all(reply.adolescent_id is None for reply in chat.history)
    await nothing_changed(container)


async def test_chat_before_consent_sees_nothing_of_the_case(
    container: Container, world: World
) -> None:
    chat = Chat(container)
    await chat.start(world.code)
    assert chat.sees("¿Estás de acuerdo?")
    for action in every_case_action(world, leaving=False):
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve.", "¿Estás de acuerdo?")
    for text in ("menú", "mis metas", "hola, ¿qué es esto?"):
        await chat.send(text)
        assert chat.sees("¿Estás de acuerdo?")
    await chat.tap("🌐 Idioma")
    await chat.tap("Español")
    await chat.press(actions.ABOUT)
    await chat.press(actions.HELP)
    await chat.voice(b"OggS")
    for word in CASE_WORDS:
        assert not chat.saw_anywhere(word), word
    await nothing_changed(container)

    # Talking to a person is open before consent; it names nobody.
    await chat.press(actions.MENU)
    await chat.tap("🙋 Hablar con una persona")
    await chat.tap("🟢 Puede esperar")
    assert chat.sees("Le aviso a tu equipo.")
    assert not chat.saw_anywhere("Laura")
    async with container.uow() as uow:
        request = await uow.session.scalar(select(OperatorRequest))
        assert request is not None
        assert (request.adolescent_id, request.reason, request.urgency) == (
            world.luna,
            RequestReason.TALK,
            Urgency.NORMAL,
        )
        assert request.message_ciphertext is None


async def test_consent_given_in_a_burst_holds_for_the_text_after_it_in_the_same_transaction(
    container: Container, world: World
) -> None:
    """Updates that arrive together are applied in one transaction: the consent read
    with the second one's chat context is the one the first one just gave."""
    chat = Chat(container)
    await chat.start(world.code)
    accept = chat.button("✅ Acepto").action
    replies = await receive_together(
        container.uow,
        [
            (Inbound(Channel.TELEGRAM, "burst-1", chat.chat_id, Event.choice(accept)), None),
            (Inbound(Channel.TELEGRAM, "burst-2", chat.chat_id, Event.text("hoy fui")), None),
        ],
    )
    texts = ["\n".join(screen.text for screen in reply.screens) for reply in replies if reply]
    assert "¿Qué quieres hacer, Luna?" in texts[0]
    assert "Acepto" not in texts[1]  # not the consent question again
    async with container.uow() as uow:
        kept = await uow.session.scalar(select(func.count()).select_from(Message))
    assert kept == 1  # her text went to her team


async def test_chat_after_withdrawal_sees_nothing(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("⚙️ Privacidad")
    await chat.tap("🚪 Dejar Rumbo")
    await chat.tap("✅ Sí, dejar Rumbo")
    assert chat.last.adolescent_id is None
    chat.history.clear()
    for action in every_case_action(world):
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve.", "escribe aquí el código")
    for text in ("menú", "me siento mal", world.code):
        await chat.send(text)
    await chat.start(world.code)  # the old code does not link again
    assert chat.sees("Ese código ya se usó.")
    for word in CASE_WORDS:
        assert not chat.saw_anywhere(word), word
    assert all(reply.adolescent_id is None for reply in chat.history)
    async with container.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Message)) == 0


async def test_forged_action_for_another_cases_appointment_changes_nothing(
    container: Container, world: World, chat: Chat, clock: FakeClock
) -> None:
    other = world.zafiro_appointment
    forged = [
        actions.appointment(other),
        actions.will_go(other),
        actions.cannot_go(other),
        actions.change(other),
        actions.skip_reason("no", other),
        actions.skip_reason("chg", other),
        actions.goal(world.zafiro_goal),
        actions.goal_help(world.zafiro_goal),
        actions.step_done(world.zafiro_step),
    ]
    for action in forged:
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve. Te muestro el menú.", "¿Qué quieres hacer, Luna?")
    clock.advance(days=9)  # after the appointment: the "did you go?" answers
    for action in (actions.went(other), actions.missed(other)):
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve. Te muestro el menú.")
    for word in ("Zafiro", "Audiencia", "Juzgado", "Paso secreto"):
        assert not chat.saw_anywhere(word), word
    async with container.uow() as uow:
        appointment = await uow.session.get(Appointment, other)
        assert appointment is not None and appointment.status is AppointmentStatus.SCHEDULED
        step = await uow.session.get(Step, world.zafiro_step)
        assert step is not None and step.done_at is None
    await nothing_changed(container)


async def test_a_typed_reason_cannot_be_steered_to_another_case(
    container: Container, world: World, chat: Chat
) -> None:
    """The reason prompt keeps its appointment in the chat's own state; a forged skip
    for another appointment is refused like any foreign id."""
    await chat.press(actions.cannot_go(world.carpentry))
    await chat.press(actions.skip_reason("no", world.zafiro_appointment))
    assert chat.sees("Ese botón ya no sirve.")
    async with container.uow() as uow:
        zafiro = await uow.session.get(Appointment, world.zafiro_appointment)
        assert zafiro is not None and zafiro.status is AppointmentStatus.SCHEDULED


async def test_stale_buttons_after_changes_are_answered_kindly(
    container: Container, world: World, chat: Chat, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await appointments.cancel(uow, world.laura, world.luna, world.carpentry)
        await plans.update_goal(
            uow, world.laura, world.luna, world.growth, status=GoalStatus.DROPPED
        )
        await uow.commit()
    await chat.press(actions.appointment(world.carpentry))
    assert chat.sees("Ese botón ya no sirve. Te muestro el menú.")
    await chat.press(actions.will_go(world.carpentry))
    assert chat.sees("Esa cita ya no está activa")
    await chat.press(actions.goal(world.growth))
    assert chat.sees("Ese botón ya no sirve. Te muestro el menú.")
    await chat.press(actions.goal_help(world.growth))
    assert chat.sees("Ese botón ya no sirve. Te muestro el menú.")
    await chat.press(actions.consent_yes(1))  # consent is already in force
    assert chat.sees("Ese botón ya no sirve. Te muestro el menú.")
    clock.advance(days=3)
    await chat.press(actions.will_go(world.doctor))  # a reminder answered too late
    assert chat.sees("Esa cita ya empezó.")
    async with container.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(OperatorRequest)) == 0


async def test_garbage_actions_are_stale_buttons(container: Container, chat: Chat) -> None:
    garbage = [
        "",
        ":",
        "x" * 100,
        "appt:ok:-1",
        "appt:ok:99999999999999999999999",
        "appt:ok:2147483648",
        "goal:9999999999",
        "appt:ok:1e3",
        "appt:ok:٣",
        "goal:abc",
        "goals:nope",
        "lang:xx",
        "lang:",
        "consent:yes:abc",
        "op:r:nope",
        "op:u:talk:2",
        "op:u:nope:1",
        "person:u:7",
        "priv:stop:no",
        "appt:skip:maybe:1",
        "menu:extra",
        "\x00\x01",
        "💥" * 20,
    ]
    for action in garbage:
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve.")
    await nothing_changed(container)


async def test_a_refusal_is_respected_and_can_change(container: Container, world: World) -> None:
    chat = Chat(container)
    await chat.start(world.code)
    await chat.tap("✋ No, gracias")
    assert chat.sees("Está bien. Es tu decisión 💛", "No guardo nada")
    await chat.send("no quiero")
    assert chat.sees("¿Estás de acuerdo?")
    async with container.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Message)) == 0
        case = await uow.session.get(Adolescent, world.luna)
        assert case is not None
        assert (await consent.state(uow, case)).decision is ConsentDecision.REFUSED
    await chat.tap("✋ No, gracias")
    await chat.tap("📄 Leer otra vez")
    assert chat.sees("¿Estás de acuerdo?")
    await chat.tap("✅ Acepto")
    assert chat.sees("¿Qué quieres hacer, Luna?")


async def test_consent_is_asked_again_when_the_text_changes(
    container: Container, chat: Chat
) -> None:
    old_yes = actions.consent_yes(1)
    async with container.uow() as uow:
        for version in (1, 2):
            await consent.publish_text(
                uow,
                purpose=ConsentPurpose.MESSAGING,
                version=version,
                language="es",
                summary=f"Texto del acuerdo, versión {version}.",
                details="Detalles.",
            )
        await uow.commit()
    await chat.tap("🎯 Mis metas")
    assert chat.sees("Ese botón ya no sirve.", "Cambiamos algunas palabras.", "versión 2")
    assert chat.screens[-1].voice_key == "consent:messaging:2"
    assert not chat.saw_anywhere("Terminar la secundaria")
    await chat.press(old_yes)  # the button of the old text
    assert chat.sees("versión 2")
    await chat.tap("✅ Acepto")
    assert chat.sees("¿Qué quieres hacer, Luna?")


async def test_leaving_stays_one_tap_away_when_consent_is_asked_again(
    container: Container, world: World, chat: Chat
) -> None:
    async with container.uow() as uow:
        await consent.publish_text(
            uow,
            purpose=ConsentPurpose.MESSAGING,
            version=2,
            language="es",
            summary="Texto nuevo.",
            details="Detalles.",
        )
        await uow.commit()
    chat.history.clear()
    await chat.send("menú")
    assert chat.sees("Cambiamos algunas palabras.")
    await chat.tap("🚪 Dejar Rumbo")
    assert chat.sees("¿Seguro que quieres dejar Rumbo?")
    assert not chat.saw_anywhere("Luna")
    await chat.tap("✅ Sí, dejar Rumbo")
    assert chat.sees("Listo. Ya no te escribo.")
    assert chat.last.adolescent_id is None
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, world.luna)
        assert case is not None
        assert (await consent.state(uow, case)).decision is ConsentDecision.WITHDRAWN


async def test_consent_is_asked_again_at_18(
    container: Container, world: World, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        case = await a_case(
            uow, world.home_id, world.laura, "CC-003", alias="Sol", age=17, days_to_birthday=3
        )
        await uow.commit()
    chat = Chat(container, chat_id="300")
    await chat.start(await new_code(container, world.laura, case.id))
    await chat.tap("✅ Acepto")
    assert chat.sees("¿Qué quieres hacer, Sol?")
    clock.advance(days=4)
    await chat.send("menú")
    assert chat.sees("Ya cumpliste 18 🎉", "¿Estás de acuerdo?")
    assert chat.does_not_see("Sol")
    await chat.tap("✅ Acepto")
    assert chat.sees("¿Qué quieres hacer, Sol?")
    clock.advance(days=1)
    await chat.send("menú")
    assert chat.sees("¿Qué quieres hacer, Sol?")


async def test_a_risky_text_before_consent_gets_help_but_is_not_kept(
    container: Container, world: World
) -> None:
    chat = Chat(container)
    await chat.start(world.code)
    await chat.send("me quiero morir")
    assert chat.sees("Gracias por contármelo. 💛", "📞 Emergencias: 911", "Guardia de Casa Ceiba")
    async with container.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Message)) == 0
        assert await uow.session.scalar(select(func.count()).select_from(Flag)) == 0
    await chat.tap("🙋 Hablar con una persona")
    assert chat.sees("Ahora mismo no pude avisarle a nadie de tu equipo al momento.", "911")
    async with container.uow() as uow:
        request = await uow.session.scalar(select(OperatorRequest))
        assert request is not None and request.urgency is Urgency.URGENT


async def test_an_unlinked_chat_asking_for_a_person_is_pointed_to_an_adult(
    container: Container,
) -> None:
    await a_world(container)
    chat = Chat(container)
    await chat.start()
    await chat.tap("Español")
    await chat.tap("🙋 Hablar con una persona")
    assert chat.sees("Busca a un adulto de tu casa", "📞 Emergencias: 911")
    await chat.send("ayudaaa")
    assert chat.sees("📞 Línea de la Vida: 800 911 2000")
    async with container.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(OperatorRequest)) == 0


async def test_a_closed_case_is_no_longer_shown(
    container: Container, world: World, chat: Chat
) -> None:
    async with container.uow() as uow:
        await cases.close_case(uow, world.laura, world.luna)
        await uow.commit()
    await chat.tap("🎯 Mis metas")
    assert chat.sees("Ese botón ya no sirve.", "escribe aquí el código")
    assert chat.last.adolescent_id is None


async def test_a_second_phone_replaces_the_first(container: Container, world: World) -> None:
    first = await a_consented_chat(container, world, chat_id="100")
    second = Chat(container, chat_id="200")
    await second.start(await new_code(container, world.laura, world.luna))
    assert second.sees("¿Qué quieres hacer, Luna?")  # the consent is the case's
    await first.tap("🎯 Mis metas")
    assert first.sees("Ese botón ya no sirve.")
    assert not first.last.adolescent_id
