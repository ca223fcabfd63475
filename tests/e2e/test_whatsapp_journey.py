"""An adolescent's first conversation on WhatsApp, end to end.

Rumbo's webhook runs on loopback and the fake Cloud API posts signed calls to it as
the adolescent's phone; the real outbox sender delivers the replies with
``WhatsAppClient`` to the fake, which checks them against WhatsApp's limits. What
the adolescent did is then read back from the database.
"""

from __future__ import annotations

from sqlalchemy import select

from plan_store.enums import Channel
from plan_store.models import ChatSession
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.e2e.support import (
    a_case_with_code,
    assert_the_journey_was_stored,
    outbox_rows,
    processed_count,
)
from tests.e2e.whatsapp_support import WA_ID, whatsapp_bridge


async def test_an_adolescent_links_agrees_follows_the_plan_asks_for_help_and_is_kept_safe(
    container: Container, clock: FakeClock
) -> None:
    case = await a_case_with_code(container.uow, alias="Lu")
    async with whatsapp_bridge(container) as bridge:
        phone = bridge.phone()

        # First contact: a hello, then the language, each named in itself (a list).
        (welcome,) = await phone.send("Hola 👋")
        assert "Soy Rumbo" in welcome.text
        assert welcome.interactive_type == "list"
        assert phone.options()[:2] == ["Español", "English"]
        assert phone.options()[2].startswith("K'iche' — en prepara")  # not reviewed yet
        (ask_code,) = await phone.tap("Español")
        assert "escribe aquí el código" in ask_code.text

        # The one-time code staff gave in person, typed as people type it.
        (consent_screen,) = await phone.send(f" {case.code[:4].lower()}-{case.code[4:]} ")
        assert "ya estamos conectados" in consent_screen.text
        assert "Lo que escribas aquí lo leen tu operadora" in consent_screen.text
        assert "Terminar la secundaria" not in consent_screen.text
        (menu,) = await phone.tap("✅ Acepto")
        assert "¿Qué quieres hacer, Lu?" in menu.text

        # Goals: by programme, then one goal (its long title cut on its button), "I did it".
        await phone.tap("🎯 Mis metas")
        (programme,) = await phone.tap("📚 Educación")
        assert "Terminar la secundaria" in programme.text
        assert ("goal:1", "Terminar la…") in programme.options
        (goal,) = await phone.tap("Terminar la secundaria")
        assert "Inscribirme en el INEA" in goal.text
        (done,) = await phone.tap("✅ Ya lo hice")
        assert "Bien hecho" in done.text

        # The appointment: "I'll go".
        await phone.tap("🏠 Menú")
        await phone.tap("📅 Mis citas")
        (appointment,) = await phone.tap("🏫 Inscripción al taller")
        assert "CECATI 42" in appointment.text
        await phone.tap("✔️ Voy a ir")

        # Ask for the reference operator: a reason, a message, not urgent.
        await phone.tap("🏠 Menú")
        await phone.tap("🙋 Hablar con Laura")
        await phone.tap("💬 Solo platicar")
        (urgency,) = await phone.send("¿Me puedes llamar en la tarde? 🙏")
        assert "¿Es urgente?" in urgency.text
        (told,) = await phone.tap("🟢 Puede esperar")
        assert "Le avisé a Laura" in told.text

        # Free text that says the adolescent is at risk: safety first.
        (safety,) = await phone.send("ya no aguanto, me quiero morir")
        assert "Ahora mismo no pude avisarle a nadie de tu equipo" in safety.text
        assert "911" in safety.text and "800 911 2000" in safety.text

        # WhatsApp retries a delivery it did not see acknowledged: applied once.
        assert await bridge.wa.redeliver() == 200
        assert await bridge.deliver() == []
        assert bridge.wa.refused == [] and bridge.wa.window_violations == []

    await assert_the_journey_was_stored(container.uow, case.case_id, Channel.WHATSAPP, WA_ID)
    async with container.uow() as uow:
        session = await uow.session.scalar(select(ChatSession))
        assert session is not None and session.last_inbound_at == clock.now

    # Every message was applied once, and every reply delivered.
    assert await processed_count(container.uow, Channel.WHATSAPP) == 18  # one per message
    rows = await outbox_rows(container.uow, Channel.WHATSAPP)
    assert rows and {row["status"].value for row in rows} == {"sent"}
