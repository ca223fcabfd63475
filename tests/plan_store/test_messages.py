"""The message timeline: encrypted at rest, replies only to a linked, consenting chat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import InvalidToken
from sqlalchemy import select, text

from plan_store.crypto import Cipher, generate_key
from plan_store.enums import Channel, MessageDirection, MessageKind, OutboxStatus
from plan_store.errors import ChatNotLinked, ConsentMissing, NotFound, OutOfScope, ValidationFailed
from plan_store.models import AuditEntry, Message, OutboxMessage
from plan_store.services import messages, outbox
from plan_store.unit_of_work import UnitOfWorkFactory
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import Team, a_case, a_linked_chat, consent_given


async def test_a_staff_reply_needs_a_linked_consenting_chat(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        await a_linked_chat(uow, team.operator, team.case, "1001")
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(ConsentMissing):
            await messages.reply(uow, team.operator, team.case.id, "Hola, ¿cómo vas?")

    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        await consent_given(uow, other)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(ChatNotLinked):
            await messages.reply(uow, team.operator, other.id, "Hola, ¿cómo vas?")

    async with container.uow() as uow:
        await consent_given(uow, team.case)
        await messages.reply(uow, team.operator, team.case.id, "Hola, ¿cómo vas?")
        await uow.commit()
    async with container.uow() as uow:
        (row,) = await uow.session.scalars(select(OutboxMessage))
        assert (row.channel, row.external_chat_id, row.status) == (
            Channel.TELEGRAM,
            "1001",
            OutboxStatus.PENDING,
        )
        assert outbox.payload_of(uow, row)["text"] == "Hola, ¿cómo vas?"
        (entry,) = await messages.timeline(uow, team.case.id)
        assert (entry.direction, entry.body, entry.staff_id) == (
            MessageDirection.STAFF_REPLY,
            "Hola, ¿cómo vas?",
            team.operator.id,
        )


async def test_a_reply_must_say_something_and_not_too_much(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        await a_linked_chat(uow, team.operator, team.case)
        await consent_given(uow, team.case)
        for body in ("   ", "a" * 4001):
            with pytest.raises(ValidationFailed):
                await messages.reply(uow, team.operator, team.case.id, body)
        with pytest.raises(OutOfScope):
            await messages.reply(uow, team.other_operator, team.case.id, "Hola")


async def test_a_reply_goes_to_the_chat_linked_last(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await a_linked_chat(uow, team.operator, team.case, "1001")
        await consent_given(uow, team.case)
        await uow.commit()
    clock.advance(days=1)
    async with container.uow() as uow:
        await a_linked_chat(uow, team.operator, team.case, "5255501", Channel.WHATSAPP)
        await messages.reply(uow, team.operator, team.case.id, "Ya vi tu mensaje")
        await uow.commit()
    async with container.uow() as uow:
        (row,) = await uow.session.scalars(select(OutboxMessage))
        assert (row.channel, row.external_chat_id) == (Channel.WHATSAPP, "5255501")


async def test_message_bodies_are_encrypted_at_rest(container: Container, team: Team) -> None:
    words = "Mi tío me buscó en la salida de la escuela"
    voice = b"OggS voice note bytes"
    async with container.uow() as uow:
        await messages.record_inbound(
            uow,
            team.case.id,
            channel=Channel.WHATSAPP,
            body=words,
            kind=MessageKind.VOICE,
            voice=voice,
        )
        await uow.commit()

    async with container.uow() as uow:
        query = text("SELECT body_ciphertext, voice_ciphertext FROM messages")
        raw = (await uow.session.execute(query)).one()
        body_bytes, voice_bytes = bytes(raw[0]), bytes(raw[1])
        assert words.encode() not in body_bytes and "tío".encode() not in body_bytes
        assert voice not in voice_bytes
        assert uow.cipher.decrypt(body_bytes) == words
        (entry,) = await messages.timeline(uow, team.case.id)
        assert (entry.body, entry.has_voice, entry.kind) == (words, True, MessageKind.VOICE)


async def test_key_rotation_keeps_old_messages_readable(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        old_message = await messages.record_inbound(
            uow, team.case.id, channel=Channel.TELEGRAM, body="escrito con la llave vieja"
        )
        await uow.commit()
    old_key_only = container.uow.cipher
    new_key = generate_key()
    both = Cipher([new_key, *old_keys(container)])
    rotated = UnitOfWorkFactory(container.uow.session_factory, both, container.uow.clock)

    async with rotated() as uow:
        await messages.record_inbound(
            uow, team.case.id, channel=Channel.TELEGRAM, body="escrito con la llave nueva"
        )
        await uow.commit()
        bodies = [entry.body for entry in await messages.timeline(uow, team.case.id)]
        assert bodies == ["escrito con la llave nueva", "escrito con la llave vieja"]
        query = select(Message.id, Message.body_ciphertext).order_by(Message.id)
        (old_id, old_body), (_, new_body) = (await uow.session.execute(query)).all()

    # The first key encrypts: the old key alone cannot read the new message...
    with pytest.raises(InvalidToken):
        old_key_only.decrypt(new_body)
    # ...and once old messages are rotated, the new key alone reads them all.
    new_only = Cipher(new_key)
    assert old_id == old_message.id
    assert new_only.decrypt(both.rotate(old_body)) == "escrito con la llave vieja"
    with pytest.raises(InvalidToken):
        new_only.decrypt(old_body)


def old_keys(container: Container) -> list[str]:
    assert container.settings.data_key is not None
    return container.settings.data_key.get_secret_value().split(",")


async def test_the_audit_log_never_holds_message_content(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        await a_linked_chat(uow, team.operator, team.case)
        await consent_given(uow, team.case)
        inbound = await messages.record_inbound(
            uow, team.case.id, channel=Channel.TELEGRAM, body="secreto-del-chat"
        )
        await messages.reply(uow, team.operator, team.case.id, "respuesta-secreta")
        await messages.mark_for_evaluation(uow, team.operator, team.case.id, inbound.id)
        await uow.commit()
    async with container.uow() as uow:
        entries = list(await uow.session.scalars(select(AuditEntry)))
        assert {"message.reply", "message.mark_for_evaluation"} <= {e.action for e in entries}
        for entry in entries:
            written = f"{entry.action} {entry.target} {entry.details}"
            assert "secreto" not in written


async def test_a_message_is_marked_for_the_evaluation_only_on_its_own_case(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        message = await messages.record_inbound(
            uow, team.case.id, channel=Channel.TELEGRAM, body="hoy me fue bien"
        )
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(NotFound):
            await messages.mark_for_evaluation(uow, team.operator, other.id, message.id)
        await messages.mark_for_evaluation(uow, team.operator, team.case.id, message.id)
        await uow.commit()
    async with container.uow() as uow:
        (entry,) = await messages.timeline(uow, team.case.id)
        assert entry.marked_for_evaluation


async def test_the_timeline_is_newest_first_in_pages(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        for n in range(5):
            await messages.record_inbound(
                uow, team.case.id, channel=Channel.TELEGRAM, body=f"mensaje {n}"
            )
        await uow.commit()
    async with container.uow() as uow:
        first = await messages.timeline(uow, team.case.id, limit=2)
        second = await messages.timeline(uow, team.case.id, limit=2, before_id=first[-1].id)
    assert [e.body for e in first + second] == [f"mensaje {n}" for n in (4, 3, 2, 1)]


async def test_the_timeline_orders_by_when_a_message_was_written_not_by_when_it_was_stored(
    container: Container, team: Team, clock: FakeClock
) -> None:
    start = clock.now
    async with container.uow() as uow:
        for minutes, body in ((30, "tercero"), (10, "primero"), (20, "segundo"), (40, "cuarto")):
            clock.now = start + timedelta(minutes=minutes)
            await messages.record_inbound(uow, team.case.id, channel=Channel.TELEGRAM, body=body)
        await uow.commit()
    async with container.uow() as uow:
        first = await messages.timeline(uow, team.case.id, limit=2)
        second = await messages.timeline(uow, team.case.id, limit=2, before_id=first[-1].id)
    assert [e.body for e in first + second] == ["cuarto", "tercero", "segundo", "primero"]
