"""The conversation the adolescent has in chat (README, "Layout" and "Languages"), flow by flow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dialogs import actions
from plan_store.enums import (
    AppointmentAnswer,
    AppointmentKind,
    AppointmentStatus,
    ConsentDecision,
    ConsentPurpose,
    FlagCategory,
    Horizon,
    MessageKind,
    Programme,
    RequestReason,
    Role,
    Severity,
    Urgency,
)
from plan_store.models import (
    Adolescent,
    Alert,
    Appointment,
    AppointmentConfirmation,
    ChatSession,
    Consent,
    Flag,
    Home,
    Message,
    OperatorRequest,
    Staff,
    Step,
)
from plan_store.services import appointments, plans, requests
from rumbo.container import Container
from tests.builders import a_goal, a_staff_member
from tests.conftest import FakeClock
from tests.dialogs.builders import CARPENTRY_AT, GUARD_NUMBER, World, a_consented_chat
from tests.dialogs.chat import Chat


async def test_language_then_code_then_consent_then_menu(
    container: Container, world: World
) -> None:
    chat = Chat(container)

    await chat.start()
    assert chat.sees("Hola 👋 Soy Rumbo", "¿En qué idioma quieres hablar?")
    # No Mayan language has its core set reviewed yet: each says so (translations.py).
    assert chat.labels == [
        "Español",
        "English",
        "K'iche' — en preparación",
        "Mam — en preparación",
        "Q'eqchi' — en preparación",
        "Q'anjob'al — en preparación",
    ]

    await chat.tap("Español")
    assert chat.sees("escribe aquí el código que te dio tu equipo")
    assert set(chat.labels) == {
        "❓ ¿Qué es Rumbo?",
        "🙋 Hablar con una persona",
        "🌐 Idioma",
    }

    await chat.send(world.code)
    assert chat.sees("Listo, ya estamos conectados ✅", "Antes de seguir:", "¿Estás de acuerdo?")
    assert chat.does_not_see("Luna", "Laura")
    assert chat.screens[-1].voice_key == "consent:messaging:1"
    assert {"✅ Acepto", "ℹ️ Más detalles", "🙋 Hablar con una persona", "✋ No, gracias"} <= set(
        chat.labels
    )

    await chat.tap("ℹ️ Más detalles")
    assert chat.sees("se guardan con llave 🔒", "estás en peligro")
    assert chat.screens[-1].voice_key == "consent:messaging:1:details"

    await chat.tap("✅ Acepto")
    assert chat.sees("¡Gracias, Luna! 🙌", "¿Qué quieres hacer, Luna?")
    assert chat.labels == [
        "🎯 Mis metas",
        "📅 Mis citas",
        "🙋 Hablar con Laura",
        "⚙️ Privacidad",
        "❓ Ayuda",
        "🌐 Idioma",
    ]
    assert chat.last.adolescent_id == world.luna
    async with container.uow() as uow:
        given = await uow.session.scalar(select(Consent).where(Consent.adolescent_id == world.luna))
        assert given is not None
        assert given.decision is ConsentDecision.GIVEN
        assert given.purpose is ConsentPurpose.MESSAGING
        assert given.text_version == 1


async def test_deep_link_links_in_the_cases_language(container: Container, world: World) -> None:
    chat = Chat(container)
    await chat.send(f"/start {world.code}")
    assert chat.sees("Listo, ya estamos conectados ✅", "¿Estás de acuerdo?")
    async with container.uow() as uow:
        session = await uow.session.scalar(select(ChatSession))
        assert session is not None and session.language == "es"


async def test_an_english_chat_is_answered_in_english(container: Container, world: World) -> None:
    chat = Chat(container)
    await chat.start()
    await chat.tap("English")
    assert chat.does_not_see("código")
    await chat.send(world.code)
    await chat.tap("✅ I agree")
    await chat.tap("📅 My appointments")
    assert chat.sees("On Wednesday, March 4 at 3:30 PM", "On Tuesday, March 10 at 10:00 AM")


async def test_the_menu_word_returns_to_the_menu_from_anywhere(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("⚠️ Pasó algo")
    assert chat.sees("¿Quieres escribirle algo a Laura?")
    await chat.send("Menú")
    assert chat.sees("¿Qué quieres hacer, Luna?")
    await chat.send("hola, ¿cómo estás?")
    assert chat.sees("Se lo paso a tu equipo.")  # free text again, not the message
    async with container.uow() as uow:
        assert await requests.open_for(uow, world.luna) == []
    for word in ("menu", "/menu", "MENÚ"):
        await chat.send(word)
        assert chat.sees("¿Qué quieres hacer, Luna?")


async def test_goals_by_programme_with_progress_and_next_step(chat: Chat) -> None:
    await chat.tap("🎯 Mis metas")
    assert chat.sees("🎯 Tus metas", "¿Cuáles quieres ver?")
    assert chat.labels == [
        "📚 Educación (1)",
        "🌱 Crecer como persona (1)",
        "💡 Quiero proponer una meta",
        "🏠 Menú",
    ]

    await chat.tap("📚 Educación (1)")
    assert chat.sees(
        "🎯 Tus metas — 📚 Educación",
        "Para pronto:",
        "• Terminar la secundaria abierta (3 de 5) — siguiente: Examen de Historia, "
        "jueves 12 de marzo",
    )
    await chat.tap("Terminar la secundaria abierta")
    assert chat.sees(
        "🎯 Terminar la secundaria abierta",
        "Vas 3 de 5 pasos.",
        "👉 Lo que sigue: Examen de Historia, jueves 12 de marzo",
    )
    assert {"✅ Ya lo hice", "🆘 Necesito ayuda", "⬅️ Volver"} <= set(chat.labels)


async def test_the_legal_route_shows_its_steps_and_who_of_the_team_helps(
    container: Container, world: World, chat: Chat
) -> None:
    async with container.uow() as uow:
        home = await uow.session.get(Home, world.home_id)
        assert home is not None
        lawyer = await a_staff_member(uow, home, "mara", Role.LAWYER, display_name="Mara Quiñones")
        goal, _ = await a_goal(
            uow,
            world.laura,
            await uow.session.get_one(Adolescent, world.luna),
            title="Tener mis papeles",
            programme=Programme.LEGAL_MIGRATION,
            steps=(),
        )
        await plans.add_step(
            uow, lawyer, world.luna, goal.id, title="Cita en COMAR", responsible_staff_id=lawyer.id
        )
        await uow.commit()
    await chat.tap("🎯 Mis metas")  # the legal route shows once it has a goal
    assert chat.labels[:3] == [
        "📚 Educación (1)",
        "🌱 Crecer como persona (1)",
        "📄 Mis papeles (1)",
    ]
    await chat.tap("📄 Mis papeles (1)")
    await chat.tap("Tener mis papeles")
    assert chat.sees(
        "👉 Lo que sigue: Cita en COMAR", "🤝 Te ayuda con esto: Mara (abogacía: tus papeles)"
    )


async def test_marking_a_step_done_waits_for_staff_to_confirm(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.press(actions.goal(world.school))
    await chat.tap("✅ Ya lo hice")
    assert chat.sees(
        "¡Bien hecho! 💪 Le aviso a Laura para que lo confirme.",
        "Vas 3 de 5 pasos.",
        "⏳ 1 paso espera que Laura lo confirme.",
        "👉 Lo que sigue: Examen de Ciencias",
    )
    async with container.uow() as uow:
        step = await uow.session.get(Step, world.school_steps[3])
        assert step is not None
        assert step.done_at is not None and step.confirmed_at is None

    await chat.press(actions.step_done(world.school_steps[3]))  # the old button again
    assert chat.sees("Ya lo tenías marcado.")


async def test_need_help_with_a_goal_asks_the_operator_once(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.press(actions.goal(world.growth))
    await chat.tap("🆘 Necesito ayuda")
    assert chat.sees("Le aviso a Laura que necesitas ayuda con esta meta. Te busca hoy.")
    await chat.press(actions.goal_help(world.growth))
    async with container.uow() as uow:
        found = list(await uow.session.scalars(select(OperatorRequest)))
        assert len(found) == 1
        assert found[0].reason is RequestReason.GOAL_HELP
        assert found[0].goal_id == world.growth
        assert found[0].urgency is Urgency.NORMAL


async def test_confirm_an_appointment(container: Container, world: World, chat: Chat) -> None:
    await chat.tap("📅 Mis citas")
    assert chat.sees(
        "📅 Tus próximas citas",
        "• El miércoles 4 de marzo a las 15:30 — Consulta en el centro de salud",
        "• El martes 10 de marzo a las 10:00 — Inscripción al taller de carpintería",
    )
    await chat.tap("Inscripción al taller")
    assert chat.sees("🕙 El martes 10 de marzo a las 10:00", "📍 CECATI 42", "¿Vas a ir?")
    await chat.tap("✔️ Voy a ir")
    assert chat.sees("¡Listo! Le aviso a Laura que vas a ir. 💪")
    assert chat.sees("Inscripción al taller de carpintería ✔️")
    async with container.uow() as uow:
        appointment = await uow.session.get(Appointment, world.carpentry)
        assert appointment is not None and appointment.status is AppointmentStatus.CONFIRMED


async def test_cannot_go_with_a_typed_reason(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.press(actions.appointment(world.doctor))
    await chat.tap("❌ No puedo ir")
    assert chat.sees("¿Por qué no puedes ir? Escríbelo, o toca «Saltar».")
    await chat.send("Tengo examen ese día")
    assert chat.sees("Gracias por avisarme. Le digo a Laura que no puedes ir.")
    async with container.uow() as uow:
        answer = await uow.session.scalar(select(AppointmentConfirmation))
        appointment = await uow.session.get(Appointment, world.doctor)
        stored = list(await uow.session.scalars(select(Message)))
        assert answer is not None
        assert answer.answer is AppointmentAnswer.CANNOT_GO
        assert appointments.reason_of(uow, answer) == "Tengo examen ese día"
        assert appointment is not None and appointment.status is AppointmentStatus.CANNOT_GO
        # The reason is the appointment's, and like every typed text it reaches the team.
        assert [uow.cipher.decrypt(m.body_ciphertext) for m in stored] == ["Tengo examen ese día"]


async def test_ask_to_change_without_a_reason(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.press(actions.appointment(world.carpentry))
    await chat.tap("🔁 Cambiar")
    assert chat.sees("¿Qué cambio necesitas?")
    await chat.tap("⏭️ Saltar")
    assert chat.sees("Listo. Le pido a Laura que busque otra fecha contigo.")
    async with container.uow() as uow:
        answer = await uow.session.scalar(select(AppointmentConfirmation))
        appointment = await uow.session.get(Appointment, world.carpentry)
        assert answer is not None and answer.answer is AppointmentAnswer.CHANGE
        assert appointments.reason_of(uow, answer) == ""
        assert appointment is not None
        assert appointment.status is AppointmentStatus.CHANGE_REQUESTED


async def test_reminder_buttons_work_from_anywhere(
    container: Container, world: World, chat: Chat, clock: FakeClock
) -> None:
    await chat.tap("🎯 Mis metas")  # somewhere else in the conversation
    await chat.press(actions.will_go(world.doctor))
    assert chat.sees("vas a ir")

    clock.advance(days=3)  # after the doctor's appointment, before the carpentry one
    await chat.press(actions.went(world.doctor))
    assert chat.sees("¡Qué bien! 🙌")
    await chat.press(actions.went(world.doctor))
    assert chat.sees("Esa cita ya no está activa")

    await chat.press(actions.missed(world.carpentry))
    assert chat.sees("Esa cita todavía no empieza")
    clock.advance(days=6)
    await chat.press(actions.missed(world.carpentry))
    assert chat.sees("Gracias por decirme. Le aviso a Laura para buscar otra fecha.")
    async with container.uow() as uow:
        doctor = await uow.session.get(Appointment, world.doctor)
        carpentry = await uow.session.get(Appointment, world.carpentry)
        assert doctor is not None and doctor.status is AppointmentStatus.ATTENDED
        assert carpentry is not None and carpentry.status is AppointmentStatus.MISSED


async def test_an_urgent_request_shows_emergency_numbers_and_tells_staff(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    assert chat.sees("¿De qué quieres hablar con Laura?")
    await chat.tap("⚠️ Pasó algo")
    await chat.send("Necesito hablar con ella hoy")
    assert chat.sees("¿Es urgente?")
    assert chat.labels == ["🔴 Sí, es urgente", "🟢 Puede esperar"]
    await chat.tap("🔴 Sí, es urgente")
    # Nobody is on duty in this home: the chat does not pretend someone was told.
    assert chat.sees(
        "Ahora mismo no pude avisarle a nadie de tu equipo al momento.",
        "📞 Emergencias: 911",
        "📞 Línea de la Vida: 800 911 2000",
        GUARD_NUMBER,
    )
    assert chat.does_not_see("Le estoy avisando")
    async with container.uow() as uow:
        alert = await uow.session.scalar(select(Alert))
        assert alert is not None and alert.adolescent_id == world.luna
        request = await uow.session.scalar(select(OperatorRequest))
        assert request is not None
        assert request.urgency is Urgency.URGENT
        assert request.reason is RequestReason.SOMETHING_HAPPENED
        assert requests.message_of(uow, request) == "Necesito hablar con ella hoy"
        session = await uow.session.scalar(select(ChatSession))
        assert session is not None and session.data == {}  # the message is not kept there


async def test_a_request_that_can_wait_says_who_answers_and_when(
    container: Container, chat: Chat, clock: FakeClock
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("📄 Mis papeles")
    await chat.tap("⏭️ Saltar")
    await chat.tap("🟢 Puede esperar")
    assert chat.sees("Listo. Le avisé a Laura. Te responde hoy.")
    assert chat.does_not_see("911")

    clock.advance(hours=10)  # 20:00 at the home
    await chat.tap("🏠 Menú")
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    await chat.tap("⏭️ Saltar")
    await chat.tap("🟢 Puede esperar")
    assert chat.sees("Listo. Le avisé a Laura. Te responde mañana temprano.")
    async with container.uow() as uow:
        found = list(await uow.session.scalars(select(OperatorRequest)))
        assert [(r.reason, r.urgency) for r in found] == [
            (RequestReason.PAPERS, Urgency.NORMAL),
            (RequestReason.TALK, Urgency.NORMAL),
        ]


async def test_free_text_goes_to_the_team_encrypted(container: Container, chat: Chat) -> None:
    await chat.send("Hoy me fue bien en la escuela")
    assert chat.sees("Se lo paso a tu equipo. Laura lo lee hoy.")
    async with container.uow() as uow:
        message = await uow.session.scalar(select(Message))
        assert message is not None
        assert message.kind is MessageKind.TEXT
        assert b"escuela" not in message.body_ciphertext
        assert uow.cipher.decrypt(message.body_ciphertext) == "Hoy me fue bien en la escuela"
        assert list(await uow.session.scalars(select(Flag))) == []


async def test_the_answer_names_the_case_s_reference_operator_while_she_is_active(
    container: Container, world: World, chat: Chat
) -> None:
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, world.luna)
        assert case is not None
        case.reference_operator_id = world.beto.id
        await uow.commit()
    await chat.send("Hoy me fue bien en la escuela")
    assert chat.sees("Se lo paso a tu equipo. Beto lo lee hoy.")
    async with container.uow() as uow:
        beto = await uow.session.get(Staff, world.beto.id)
        assert beto is not None
        beto.active = False
        await uow.commit()
    await chat.send("Y mañana tengo examen")
    assert chat.sees("Se lo paso a tu equipo. Lo leen hoy.")


async def test_a_risk_phrase_is_flagged_and_answered_with_safety_first(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.send("ya no aguanto, me quiero morir")
    first = chat.screens[0].text
    assert first.startswith("Gracias por contármelo. 💛\nAhora mismo no pude avisarle a nadie")
    assert "📞 Emergencias: 911" in first and "800 911 2000" in first
    assert "Aquí sigo." in first
    assert "?" not in first  # no questions
    async with container.uow() as uow:
        flags = list(await uow.session.scalars(select(Flag)))
        message = await uow.session.scalar(select(Message))
        assert message is not None
        by_category = {f.category: f for f in flags}
        assert by_category[FlagCategory.SELF_HARM].severity is Severity.URGENT
        assert by_category[FlagCategory.SELF_HARM].message_id == message.id
        assert all(f.adolescent_id == world.luna for f in flags)

    await chat.tap("🔴 Hablar con Laura ya")
    assert chat.sees("Ahora mismo no pude avisarle a nadie")
    async with container.uow() as uow:
        request = await uow.session.scalar(select(OperatorRequest))
        assert request is not None and request.urgency is Urgency.URGENT


async def test_each_risk_reaches_the_right_flag(container: Container, chat: Chat) -> None:
    said = {
        "mi tío me pegaaa": (FlagCategory.VIOLENCE_ABUSE, Severity.HIGH),
        "me kitaron mis papeles": (FlagCategory.TRAFFICKING, Severity.HIGH),
        "me voy a escapar esta noche": (FlagCategory.RUNNING_AWAY, Severity.HIGH),
        "creo que estoy embarasada": (FlagCategory.HEALTH, Severity.HIGH),
        "AUXILIO": (FlagCategory.OTHER, Severity.URGENT),
    }
    for text in said:
        await chat.send(text)
        assert chat.sees("Gracias por contármelo.")
    async with container.uow() as uow:
        flags = list(await uow.session.scalars(select(Flag).order_by(Flag.id)))
        assert [(f.category, f.severity) for f in flags] == list(said.values())


async def test_an_everyday_idiom_is_no_alarm(container: Container, chat: Chat) -> None:
    for text in ("jajaja me muero de risa", "me muero de hambre, ¿qué hay de comer?"):
        await chat.send(text)
        assert chat.sees("Se lo paso a tu equipo.")
        assert chat.does_not_see("911")
    async with container.uow() as uow:
        assert list(await uow.session.scalars(select(Flag))) == []
        assert len(list(await uow.session.scalars(select(Message)))) == 2


async def test_a_low_risk_is_flagged_quietly(container: Container, chat: Chat) -> None:
    await chat.send("hoy me siento muy triste")
    assert chat.sees("Se lo paso a tu equipo. Laura lo lee hoy.")
    async with container.uow() as uow:
        flag = await uow.session.scalar(select(Flag))
        assert flag is not None
        assert (flag.category, flag.severity) == (FlagCategory.SELF_HARM, Severity.LOW)


@pytest.mark.parametrize(
    "text",
    [
        # found by the terms
        "a veces quisiera dormirme y ya no despertar nunca",
        # found by the model alone (no term has these words)
        "ya no quiero seguir, estoy harta de todo",
    ],
)
async def test_passive_suicidal_ideation_reaches_the_urgent_list(
    container: Container, world: World, chat: Chat, text: str
) -> None:
    await chat.send(text)
    assert chat.sees("Gracias por contármelo. 💛", "📞 Emergencias: 911")
    async with container.uow() as uow:
        flag = await uow.session.scalar(select(Flag))
        assert flag is not None
        assert (flag.category, flag.severity) == (FlagCategory.SELF_HARM, Severity.URGENT)
        alert = await uow.session.scalar(select(Alert))
        assert alert is not None and alert.adolescent_id == world.luna


async def test_risk_in_a_message_for_the_operator_makes_it_urgent(
    container: Container, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    await chat.send("me están pegando")
    assert chat.screens[0].text.startswith("Gracias por contármelo.")
    assert chat.does_not_see("¿Es urgente?")
    async with container.uow() as uow:
        request = await uow.session.scalar(select(OperatorRequest))
        flag = await uow.session.scalar(select(Flag))
        assert request is not None and request.urgency is Urgency.URGENT
        assert requests.message_of(uow, request) == "me están pegando"
        assert flag is not None
        assert (flag.category, flag.severity) == (FlagCategory.VIOLENCE_ABUSE, Severity.URGENT)


async def test_risk_in_an_appointment_reason_answers_safety_first(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.press(actions.cannot_go(world.carpentry))
    await chat.send("no puedo ir porque me tienen encerrada")
    assert chat.screens[0].text.startswith("Gracias por contármelo.")
    assert chat.sees("Le digo a Laura que no puedes ir.")
    async with container.uow() as uow:
        flag = await uow.session.scalar(select(Flag))
        answer = await uow.session.scalar(select(AppointmentConfirmation))
        assert flag is not None and flag.category is FlagCategory.TRAFFICKING
        assert flag.message_id is not None
        assert answer is not None and answer.answer is AppointmentAnswer.CANNOT_GO


async def test_a_voice_note_is_kept_encrypted_and_flagged_for_listening(
    container: Container, chat: Chat
) -> None:
    audio = b"OggS" + bytes(range(200))
    await chat.voice(audio)
    assert chat.sees("Recibí tu audio 🎧 Laura lo escucha hoy.")
    async with container.uow() as uow:
        message = await uow.session.scalar(select(Message))
        flag = await uow.session.scalar(select(Flag))
        assert message is not None and message.kind is MessageKind.VOICE
        assert message.voice_ciphertext is not None and audio not in message.voice_ciphertext
        assert uow.cipher.decrypt_bytes(message.voice_ciphertext) == audio
        assert flag is not None
        assert (flag.category, flag.severity, flag.message_id) == (
            FlagCategory.VOICE_NOTE,
            Severity.MEDIUM,
            message.id,
        )


async def test_a_voice_note_can_be_the_message_for_the_operator(chat: Chat) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    await chat.voice(b"OggS-voice")
    assert chat.sees("Recibí tu audio", "¿Es urgente?")
    await chat.tap("🟢 Puede esperar")
    assert chat.sees("Le avisé a Laura")


async def test_the_language_can_be_changed_from_the_menu(chat: Chat) -> None:
    await chat.tap("🌐 Idioma")
    assert chat.has_button("Español ✓")
    await chat.tap("English")
    assert chat.sees("Luna")
    assert chat.has_button("🎯 My goals")
    await chat.send("idioma")
    await chat.tap("Español")
    assert chat.has_button("🎯 Mis metas")


async def test_help_explains_and_gives_the_emergency_numbers(chat: Chat) -> None:
    await chat.tap("❓ Ayuda")
    assert chat.sees("Así funciono:", "🙋 Hablar con Laura", "911", GUARD_NUMBER)


async def test_a_greeting_shows_the_menu_and_reaches_the_team_like_any_text(
    container: Container, chat: Chat
) -> None:
    await chat.send("Holaaa")
    await chat.send("hola")
    assert chat.sees("Hola 👋", "¿Qué quieres hacer, Luna?")
    async with container.uow() as uow:
        stored = await uow.session.scalars(select(Message).order_by(Message.id))
        assert [uow.cipher.decrypt(m.body_ciphertext) for m in stored] == ["Holaaa", "hola"]


async def test_long_lists_are_cut_cleanly(container: Container, world: World) -> None:
    async with container.uow() as uow:
        for number in range(25):
            await appointments.schedule(
                uow,
                world.laura,
                world.luna,
                kind=AppointmentKind.SCHOOL,
                title=f"Cita {number} " + "con un título muy largo " * 8,
                place="Un lugar " * 20,
                starts_at=CARPENTRY_AT + timedelta(days=number + 1),
            )
        for number in range(20):
            goal = await plans.add_goal(
                uow,
                world.laura,
                world.luna,
                programme=Programme.EDUCATION,
                horizon=Horizon.LONG,
                title=f"Meta {number} " + "larga " * 30,
            )
            await plans.add_step(
                uow, world.laura, world.luna, goal.id, title="Paso " * 39, responsible="Luna"
            )
        await uow.commit()
    chat = await a_consented_chat(container, world)
    await chat.tap("📅 Mis citas")
    assert chat.sees("y 19 más")  # 27 appointments, 8 shown
    assert len(chat.labels) == 9
    await chat.tap("🏠 Menú")
    await chat.tap("🎯 Mis metas")
    await chat.tap("📚 Educación (21)")
    assert chat.sees("y ")
    assert len(chat.text) <= 4096


async def test_leaving_a_prompt_by_another_way_drops_it(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.press(actions.cannot_go(world.carpentry))
    assert chat.sees("¿Por qué no puedes ir?")
    await chat.tap("⬅️ Volver")
    await chat.send("hoy comí pozole")
    assert chat.sees("Se lo paso a tu equipo.")
    await chat.press(actions.change(world.doctor))
    await chat.send("/ayuda")
    assert chat.sees("Así funciono:")
    await chat.send("me gustó el taller")
    assert chat.sees("Se lo paso a tu equipo.")
    async with container.uow() as uow:
        assert list(await uow.session.scalars(select(AppointmentConfirmation))) == []
        stored = await uow.session.scalars(select(Message).order_by(Message.id))
        assert [uow.cipher.decrypt(m.body_ciphertext) for m in stored] == [
            "hoy comí pozole",
            "/ayuda",
            "me gustó el taller",
        ]
