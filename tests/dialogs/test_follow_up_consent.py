"""After care: the question about the monthly check-ins, its answer, and the choice
in Privacy, through the real pipeline. (The scheduler's side, which asks, is in
``tests/bot/test_follow_up_consent_job.py``.)"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from dialogs import follow_up_consent
from dialogs.follow_up import checkin_key
from plan_store.enums import Channel, ConsentDecision, ConsentPurpose, OutboxStatus
from plan_store.models import Adolescent, ChatLink, Consent, OutboxMessage
from plan_store.services import cases, consent, outbox
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.dialogs.builders import World, new_code
from tests.dialogs.chat import Chat

FOLLOW_UP = ConsentPurpose.FOLLOW_UP
QUESTION = "Una vez al mes te quiero mandar un mensaje corto con unas preguntas"


async def left_care(container: Container, actor: StaffActor, case_id: int) -> None:
    async with container.uow() as uow:
        await cases.move_to_follow_up(uow, actor, case_id, follow_up_until=date(2026, 12, 1))
        await uow.commit()


async def follow_up_consents(container: Container, case_id: int) -> list[Consent]:
    async with container.uow() as uow:
        rows = list(
            await uow.session.scalars(
                select(Consent)
                .where(Consent.adolescent_id == case_id, Consent.purpose == FOLLOW_UP)
                .order_by(Consent.id)
            )
        )
        uow.session.expunge_all()
        return rows


async def states(container: Container, case_id: int) -> tuple[bool, bool, bool]:
    """(messaging in force, check-ins allowed, chat linked) of a case."""
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        link = await uow.session.scalar(
            select(ChatLink).where(ChatLink.adolescent_id == case_id, ChatLink.active)
        )
        return (
            (await consent.state(uow, case)).valid,
            await consent.allows(uow, case, FOLLOW_UP),
            link is not None,
        )


async def test_the_question_says_what_who_and_how_to_stop_and_yes_is_recorded(
    container: Container, world: World, chat: Chat
) -> None:
    await left_care(container, world.laura, world.luna)

    await chat.press(follow_up_consent.ask_action(world.luna))
    assert chat.sees(
        "Hola Luna 👋",
        QUESTION,
        "dónde vives, la escuela o el trabajo, tu salud y si quieres que alguien te busque",
        "Tus respuestas las lee tu equipo.",
        "Puedes pararlo cuando quieras en ⚙️ Privacidad.",
        "¿Quieres recibirlo?",
    )
    assert chat.labels == ["✅ Sí, quiero", "✋ No, gracias", "ℹ️ Más detalles"]
    assert chat.screens[-1].voice_key == "consent:follow_up:1"

    await chat.tap("ℹ️ Más detalles")
    assert chat.sees("Así funcionan las preguntas de cada mes:", "Si dices que no")
    assert chat.screens[-1].voice_key == "consent:follow_up:1:details"
    assert chat.labels == ["✅ Sí, quiero", "✋ No, gracias", "⬅️ Volver"]
    await chat.tap("⬅️ Volver")
    assert chat.sees(QUESTION)

    await chat.tap("✅ Sí, quiero")
    assert chat.sees("¡Listo! 💛 Te escribo una vez al mes.", "¿Qué quieres hacer, Luna?")
    await chat.press(follow_up_consent.yes_action(1, world.luna))  # tapped twice

    (given,) = await follow_up_consents(container, world.luna)
    assert (given.decision, given.text_version, given.language, given.channel) == (
        ConsentDecision.GIVEN,
        1,
        "es",
        Channel.TELEGRAM,
    )
    assert await states(container, world.luna) == (True, True, True)


async def test_no_is_recorded_as_a_refusal_and_rumbo_goes_on(
    container: Container, world: World, chat: Chat
) -> None:
    await left_care(container, world.laura, world.luna)
    await chat.press(follow_up_consent.ask_action(world.luna))

    await chat.tap("✋ No, gracias")

    assert chat.sees("Es tu decisión 💛 No te mando esas preguntas.", "¿Qué quieres hacer, Luna?")
    (refused,) = await follow_up_consents(container, world.luna)
    assert (refused.decision, refused.text_version, refused.channel) == (
        ConsentDecision.REFUSED,
        1,
        Channel.TELEGRAM,
    )
    assert await states(container, world.luna) == (True, False, True)


async def test_privacy_stops_and_starts_the_check_ins_with_one_tap_and_messaging_stays(
    container: Container, world: World, chat: Chat
) -> None:
    await left_care(container, world.laura, world.luna)
    await chat.press(follow_up_consent.yes_action(1, world.luna))
    async with container.uow() as uow:  # a check-in and a reminder wait for the morning
        for key in (checkin_key(7), "appt:1:0:remind:120m"):
            await outbox.enqueue(
                uow,
                channel=Channel.TELEGRAM,
                external_chat_id="100",
                adolescent_id=world.luna,
                payload={"text": key},
                dedupe_key=key,
            )
        await uow.commit()

    await chat.tap("⚙️ Privacidad")
    assert chat.sees("⚙️ Tu privacidad", "📬 Una vez al mes te mando unas preguntas cortas.")
    assert chat.labels == [
        "🧹 Borrar este chat",
        "🔕 Parar las preguntas",
        "🔁 Quiero cambiar de operador(a)",
        "📣 Quiero poner una queja",
        "🚪 Dejar Rumbo",
        "⬅️ Volver",
    ]
    await chat.tap("🔕 Parar las preguntas")
    assert chat.sees(
        "Listo. Ya no te mando las preguntas de cada mes.",
        "⚙️ Tu privacidad",
        "📬 Ahora no te mando las preguntas de cada mes.",
        QUESTION,  # what a tap on "start" agrees to
    )
    assert await states(container, world.luna) == (True, False, True)
    async with container.uow() as uow:
        rows = {r.dedupe_key: r.status for r in await uow.session.scalars(select(OutboxMessage))}
        assert rows[checkin_key(7)] is OutboxStatus.CANCELLED
        assert rows["appt:1:0:remind:120m"] is OutboxStatus.PENDING

    await chat.tap("🔔 Quiero las preguntas")
    assert chat.sees("¡Listo! 💛 Te escribo una vez al mes.", "📬 Una vez al mes te mando")
    assert chat.has_button("🔕 Parar las preguntas")
    assert await states(container, world.luna) == (True, True, True)
    decisions = [c.decision for c in await follow_up_consents(container, world.luna)]
    assert decisions == [ConsentDecision.GIVEN, ConsentDecision.WITHDRAWN, ConsentDecision.GIVEN]


async def test_before_answering_no_check_ins_go_and_privacy_offers_them(
    container: Container, world: World, chat: Chat
) -> None:
    await left_care(container, world.laura, world.luna)
    await chat.tap("⚙️ Privacidad")
    await chat.tap("🔔 Quiero las preguntas")
    assert [c.decision for c in await follow_up_consents(container, world.luna)] == [
        ConsentDecision.GIVEN
    ]


async def test_leaving_rumbo_from_follow_up_still_withdraws_everything(
    container: Container, world: World, chat: Chat
) -> None:
    await left_care(container, world.laura, world.luna)
    await chat.press(follow_up_consent.yes_action(1, world.luna))
    await chat.tap("⚙️ Privacidad")
    await chat.tap("🚪 Dejar Rumbo")
    await chat.tap("✅ Sí, dejar Rumbo")
    assert chat.sees("Listo. Ya no te escribo.")
    assert await states(container, world.luna) == (False, False, False)
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, world.luna)
        assert case is not None
        for purpose in ConsentPurpose:
            assert (await consent.state(uow, case, purpose)).decision is ConsentDecision.WITHDRAWN


async def test_in_care_privacy_says_nothing_of_check_ins_and_their_buttons_are_stale(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("⚙️ Privacidad")
    assert chat.does_not_see("📬", "preguntas")
    for action in (
        follow_up_consent.ask_action(world.luna),
        follow_up_consent.yes_action(1, world.luna),
        follow_up_consent.start_action(1, world.luna),
    ):
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve. Te muestro el menú.")
    assert await follow_up_consents(container, world.luna) == []


async def test_a_forged_button_for_another_case_changes_nothing(
    container: Container, world: World, chat: Chat
) -> None:
    await left_care(container, world.laura, world.luna)
    await left_care(container, world.beto, world.zafiro)
    other = world.zafiro
    forged = [
        follow_up_consent.ask_action(other),
        follow_up_consent.details_action(other),
        follow_up_consent.yes_action(1, other),
        follow_up_consent.no_action(1, other),
        follow_up_consent.start_action(1, other),
        follow_up_consent.stop_action(other),
        f"fuc:yes:1:{world.luna}:{other}",
        f"fuc:yes:{world.luna}",
        f"fuc:yes:x:{world.luna}",
        f"fuc:maybe:1:{world.luna}",
        f"fuc:off:1:{world.luna}",
        "fuc:yes:1:99999999999",
        "fuc",
    ]
    for action in forged:
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve. Te muestro el menú.", "¿Qué quieres hacer, Luna?")
    assert not chat.saw_anywhere("Zafiro")
    assert await follow_up_consents(container, world.luna) == []
    assert await follow_up_consents(container, other) == []


async def test_before_consent_to_messaging_the_buttons_show_nothing(
    container: Container, world: World
) -> None:
    await left_care(container, world.laura, world.luna)
    chat = Chat(container)
    await chat.start(world.code)
    for action in (
        follow_up_consent.ask_action(world.luna),
        follow_up_consent.yes_action(1, world.luna),
    ):
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve.", "¿Estás de acuerdo?")
    assert not chat.saw_anywhere(QUESTION)
    assert await follow_up_consents(container, world.luna) == []


async def test_a_new_version_of_the_text_is_read_before_a_yes_counts(
    container: Container, world: World, chat: Chat
) -> None:
    await left_care(container, world.laura, world.luna)
    await chat.press(follow_up_consent.yes_action(1, world.luna))
    async with container.uow() as uow:
        for version in (1, 2):
            await consent.publish_text(
                uow,
                purpose=FOLLOW_UP,
                version=version,
                language="es",
                summary=f"Preguntas de cada mes, versión {version}.",
                details="Detalles.",
            )
        await uow.commit()
        case = await uow.session.get(Adolescent, world.luna)
        assert case is not None
        assert (await consent.state(uow, case, FOLLOW_UP)).undecided

    await chat.press(follow_up_consent.yes_action(1, world.luna))  # the old text's button
    assert chat.sees("Cambiamos algunas palabras.", "Preguntas de cada mes, versión 2.")
    assert chat.screens[-1].voice_key == "consent:follow_up:2"
    await chat.tap("✅ Sí, quiero")

    consents = await follow_up_consents(container, world.luna)
    versions = [(c.decision, c.text_version) for c in consents]
    assert versions == [(ConsentDecision.GIVEN, 1), (ConsentDecision.GIVEN, 2)]


async def test_the_buttons_of_a_replaced_phone_are_stale(
    container: Container, world: World, chat: Chat
) -> None:
    await left_care(container, world.laura, world.luna)
    await chat.press(follow_up_consent.yes_action(1, world.luna))
    second = Chat(container, chat_id="200")
    await second.start(await new_code(container, world.laura, world.luna))
    assert second.sees("¿Qué quieres hacer, Luna?")

    await chat.press(follow_up_consent.stop_action(world.luna))
    assert chat.sees("Ese botón ya no sirve.")
    assert await states(container, world.luna) == (True, True, True)
    await second.press(follow_up_consent.stop_action(world.luna))
    assert second.sees("Listo. Ya no te mando las preguntas de cada mes.")
    assert await states(container, world.luna) == (True, False, True)
