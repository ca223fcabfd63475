"""Privacy: what is kept, clearing the chat, and leaving Rumbo."""

from __future__ import annotations

from sqlalchemy import func, select

from plan_store.enums import Channel, ConsentDecision, OutboxKind, OutboxStatus
from plan_store.models import Adolescent, ChatLink, Message, OutboxMessage
from plan_store.services import consent, outbox
from rumbo.container import Container
from tests.dialogs.builders import World, a_consented_chat, a_world
from tests.dialogs.chat import Chat


async def test_privacy_says_what_is_kept_in_plain_words(chat: Chat) -> None:
    await chat.tap("⚙️ Privacidad")
    assert chat.sees(
        "Guardo tu apodo", "con llave 🔒", "Solo los leen Laura y el equipo de tu casa"
    )
    assert {"🧹 Borrar este chat", "🚪 Dejar Rumbo", "⬅️ Volver"} <= set(chat.labels)


async def test_leaving_is_confirmed_first_then_stops_everything(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.send("hoy fui a la escuela")
    async with container.uow() as uow:
        reminder = await outbox.enqueue(
            uow,
            channel=Channel.TELEGRAM,
            external_chat_id="100",
            adolescent_id=world.luna,
            payload={"text": "📅 Mañana: taller de carpintería"},
            dedupe_key="reminder:test",
        )
        await uow.commit()

    await chat.tap("🏠 Menú")
    await chat.tap("⚙️ Privacidad")
    await chat.tap("🚪 Dejar Rumbo")
    assert chat.sees("¿Seguro que quieres dejar Rumbo?", "• Se borra lo que escribiste aquí.")
    async with container.uow() as uow:  # nothing happened yet
        case = await uow.session.get(Adolescent, world.luna)
        assert case is not None
        assert (await consent.state(uow, case)).valid

    await chat.tap("✅ Sí, dejar Rumbo")
    assert chat.sees("Listo. Ya no te escribo. 💛", "pide un código nuevo")
    assert chat.last.adolescent_id is None
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, world.luna)
        assert case is not None
        assert (await consent.state(uow, case)).decision is ConsentDecision.WITHDRAWN
        link = await uow.session.scalar(select(ChatLink))
        assert link is not None and not link.active
        row = await uow.session.get(OutboxMessage, reminder.id)
        assert row is not None and row.status is OutboxStatus.CANCELLED
        assert await uow.session.scalar(select(func.count()).select_from(Message)) == 0
        # The goodbye itself is still delivered: it belongs to no case.
        goodbye = await uow.session.scalar(
            select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)
        )
        assert goodbye is not None
        assert goodbye.status is OutboxStatus.PENDING and goodbye.adolescent_id is None

    await chat.send("menú")
    assert chat.sees("escribe aquí el código")


async def test_leaving_with_retention_says_when_words_are_erased(container: Container) -> None:
    world = await a_world(container, retention_days=30)
    chat = await a_consented_chat(container, world)
    await chat.tap("⚙️ Privacidad")
    await chat.tap("🚪 Dejar Rumbo")
    assert chat.sees("• Lo que escribiste aquí se borra en 30 días.")
    await chat.tap("⬅️ No, volver")
    assert chat.sees("⚙️ Tu privacidad")


async def test_clear_chat_deletes_what_the_bot_sent(container: Container, chat: Chat) -> None:
    async with container.uow() as uow:  # pretend the outbox delivered the earlier screens
        rows = list(await uow.session.scalars(select(OutboxMessage)))
        for number, row in enumerate(rows, start=1):
            row.status = OutboxStatus.SENT
            row.external_message_id = str(number)
        await uow.commit()
    await chat.tap("⚙️ Privacidad")
    await chat.tap("🧹 Borrar este chat")
    assert chat.last.clear_chat
    assert chat.sees("Listo, borré mis mensajes de este chat. 🧹")
    async with container.uow() as uow:
        deletion = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.DELETE)
        )
        assert deletion is not None
        assert outbox.payload_of(uow, deletion)["message_ids"] == [
            str(n) for n in range(1, len(rows) + 1)
        ]


async def test_clear_chat_works_before_linking(container: Container) -> None:
    await a_world(container)
    chat = Chat(container)
    await chat.start()
    await chat.press("priv:clear")
    assert chat.last.clear_chat
    assert chat.sees("Listo, borré mis mensajes")
