"""The WhatsApp webhook against the fake Cloud API: signed calls, real database, real
dialogs. What a call stored is read back from the tables."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, text

from bot.whatsapp import WEBHOOK_PATH
from dialogs import actions
from dialogs.screens import Button, Screen
from plan_store.enums import (
    Channel,
    FlagCategory,
    MessageKind,
    OutboxKind,
    OutboxStatus,
    Severity,
)
from plan_store.models import ChatSession, Flag, Message, OutboxMessage
from plan_store.services import outbox
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.e2e.support import a_case_with_code
from tests.e2e.whatsapp_support import (
    VERIFY_TOKEN,
    WA_ID,
    Bridge,
    table_counts,
    whatsapp_bridge,
)
from tests.fakes.whatsapp_api import sign


@pytest.fixture
async def bridge(container: Container) -> AsyncIterator[Bridge]:
    async with whatsapp_bridge(container) as running:
        yield running


async def linked_and_agreed(bridge: Bridge, wa_id: str = WA_ID) -> int:
    """A case linked to the chat by a typed code, with consent given; its id."""
    case = await a_case_with_code(bridge.container.uow, alias="Lu")
    phone = bridge.phone(wa_id)
    await phone.send(case.code)
    await phone.tap("✅ Acepto")
    assert "¿Qué quieres hacer, Lu?" in phone.screen().text
    return case.case_id


# ----------------------------------------------------------------- verification


async def test_the_handshake_echoes_the_challenge_only_for_the_right_token(
    bridge: Bridge,
) -> None:
    async with httpx.AsyncClient() as http:
        url = f"{bridge.url}{WEBHOOK_PATH}"
        good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158"}
        answer = await http.get(url, params=good)
        assert (answer.status_code, answer.text) == (200, "1158")
        for wrong in (
            {**good, "hub.verify_token": "verify-me"},
            {**good, "hub.mode": "unsubscribe"},
            {"hub.mode": "subscribe", "hub.challenge": "1158"},
        ):
            assert (await http.get(url, params=wrong)).status_code == 403


# ----------------------------------------------------------------- signatures


async def test_a_forged_signature_is_refused_and_nothing_is_stored(
    bridge: Bridge, container: Container
) -> None:
    message = bridge.wa._inbound(WA_ID, "text", {"body": "Hola, ¿cómo estás? 👋🏽"}, context=None)
    payload = bridge.wa.envelope(bridge.wa._value(WA_ID, "messages", [message]))
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    before = await table_counts(container)

    forged = sign("not-the-app-secret", body)
    assert await bridge.wa.post_raw(body, forged) == 403
    assert await bridge.wa.post_raw(body, None) == 403
    assert await bridge.wa.post_raw(body, "sha256=") == 403
    assert await bridge.wa.post_raw(body, sign(bridge.wa.app_secret, body)[:-2] + "00") == 403
    # The same JSON serialised another way (accents escaped) keeps Meta's signature of
    # the original bytes: refused, since the signature is over the raw body.
    escaped = json.dumps(payload, ensure_ascii=True).encode("ascii")
    assert escaped != body
    assert await bridge.wa.post_raw(escaped, sign(bridge.wa.app_secret, body)) == 403

    assert await table_counts(container) == before
    assert bridge.wa.sent == []
    # The genuine call, emoji and accents as raw UTF-8, goes through.
    assert await bridge.wa.post_raw(body, sign(bridge.wa.app_secret, body)) == 200
    after = await table_counts(container)
    assert after["processed_updates"] == before["processed_updates"] + 1


async def test_a_message_delivered_twice_is_applied_once(
    bridge: Bridge, container: Container
) -> None:
    await linked_and_agreed(bridge)
    phone = bridge.phone()
    await phone.send("Hoy me fue muy bien en la escuela 😊 aprendí álgebra")
    counts = await table_counts(container)
    sent = len(bridge.wa.sent)

    # Meta retries the same call (no 200 seen, or at-least-once): byte for byte.
    assert await bridge.wa.redeliver() == 200
    assert await bridge.wa.redeliver() == 200
    await bridge.deliver()

    assert await table_counts(container) == counts
    assert len(bridge.wa.sent) == sent
    async with container.uow() as uow:
        bodies = [
            uow.cipher.decrypt(m.body_ciphertext)
            for m in await uow.session.scalars(select(Message))
        ]
    assert bodies.count("Hoy me fue muy bien en la escuela 😊 aprendí álgebra") == 1


async def test_a_failure_before_the_commit_answers_500_and_the_retry_applies_it_once(
    bridge: Bridge, container: Container
) -> None:
    await bridge.phone().send("hola")
    before = await table_counts(container)
    # The store itself fails (the table is out of reach): nothing can be committed.
    async with container.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE processed_updates RENAME TO away"))
    status, _ = await bridge.wa.user_sends_text(WA_ID, "Español")
    assert status == 500  # Meta will try again
    async with container.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE away RENAME TO processed_updates"))
    assert await table_counts(container) == before

    assert await bridge.wa.redeliver() == 200
    assert await bridge.wa.redeliver() == 200
    replies = await bridge.deliver()
    assert len(replies) == 1
    after = await table_counts(container)
    assert after["processed_updates"] == before["processed_updates"] + 1


async def test_when_the_dialogs_fail_the_apology_goes_out_and_the_window_opens(
    container: Container,
) -> None:
    async def broken(uow, channel, chat_id, event):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in a flow")

    async with whatsapp_bridge(container, dialogs=broken) as bridge:
        status, _ = await bridge.wa.user_sends_text(WA_ID, "hola")
        assert status == 200  # the apology was stored: the update counts as applied
        (apology,) = await bridge.deliver()
        assert "algo falló de mi lado" in apology.text
        async with container.uow() as uow:
            session = await uow.session.scalar(select(ChatSession))
            assert session is not None and session.last_inbound_at == container.clock()


async def test_the_24_hour_window_is_recorded_with_each_message(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    await bridge.phone().send("hola")
    first = clock.now
    clock.advance(hours=3)
    await bridge.phone().send("Español")
    async with container.uow() as uow:
        session = await uow.session.scalar(
            select(ChatSession).where(ChatSession.external_id == WA_ID)
        )
        assert session is not None
        assert session.last_inbound_at == first + timedelta(hours=3)
    # A late redelivery of the first message does not move the window back or forward.
    assert await bridge.wa.redeliver(0) == 200
    async with container.uow() as uow:
        session = await uow.session.scalar(select(ChatSession))
        assert session is not None and session.last_inbound_at == first + timedelta(hours=3)


# ----------------------------------------------------------------- rendering


async def queue_screen(container: Container, screen: Screen, key: str) -> None:
    async with container.uow() as uow:
        await outbox.enqueue(
            uow,
            channel=Channel.WHATSAPP,
            external_chat_id=WA_ID,
            payload=screen.to_payload(),
            dedupe_key=key,
            urgent=True,
        )
        await uow.commit()


async def test_three_buttons_are_reply_buttons_and_a_tap_reaches_the_dialogs(
    bridge: Bridge, container: Container
) -> None:
    await bridge.phone().send("hola")
    screen = Screen(
        "¿Qué quieres ver?",
        (
            (Button("ℹ️ ¿Qué es Rumbo?", actions.ABOUT), Button("❓ Ayuda", actions.HELP)),
            (Button("🙋 Hablar con una persona de mi casa", actions.PERSON),),
        ),
    )
    await queue_screen(container, screen, "three")
    (sent,) = await bridge.deliver()
    assert (sent.type, sent.interactive_type) == ("interactive", "button")
    assert sent.buttons == [
        ("about", "ℹ️ ¿Qué es Rumbo?"),
        ("help", "❓ Ayuda"),
        ("person", "🙋 Hablar con una…"),
    ]
    replies = await bridge.phone().tap("❓ Ayuda")
    assert replies and "Rumbo" in replies[0].text


async def test_seven_buttons_are_a_list_whose_rows_reach_the_dialogs(
    bridge: Bridge, container: Container
) -> None:
    await bridge.phone().send("hola")
    labels = ["Español", "English", "K'iche'", "Mam", "Q'eqchi'", "Q'anjob'al"]
    codes = ["es", "en", "quc", "mam", "kek", "kjb"]
    rows = [
        (Button(label, actions.language(code)),) for label, code in zip(labels, codes, strict=True)
    ]
    rows.append((Button("⬅️ Volver a lo que estaba viendo antes de esto", actions.MENU),))
    buttons = tuple(rows)
    await queue_screen(container, Screen("¿En qué idioma quieres hablar?", buttons), "seven")
    (sent,) = await bridge.deliver()
    assert (sent.type, sent.interactive_type) == ("interactive", "list")
    assert sent.list_button == "📋 Opciones"
    assert [title for _, title, _ in sent.rows][:2] == ["Español", "English"]
    assert sent.rows[-1] == (
        "menu",
        "⬅️ Volver a lo que…",
        "⬅️ Volver a lo que estaba viendo antes de esto",
    )
    await bridge.phone().tap("English")
    async with container.uow() as uow:
        session = await uow.session.scalar(select(ChatSession))
        assert session is not None and session.language == "en"


async def test_twelve_buttons_are_a_numbered_text_and_typing_a_number_works(
    bridge: Bridge, container: Container
) -> None:
    await bridge.phone().send("hola")
    buttons = [Button(f"Opción {n} ✨", actions.MENU) for n in range(1, 13)]
    buttons[2] = Button("🧭 ¿Qué es Rumbo?", actions.ABOUT)
    screen = Screen("Elige una:", tuple((b,) for b in buttons))
    await queue_screen(container, screen, "twelve")
    (sent,) = await bridge.deliver()
    assert sent.type == "text"
    assert sent.text.startswith("Elige una:\n\n1. Opción 1 ✨\n2. Opción 2 ✨\n3. 🧭 ¿Qué es")
    assert "12. Opción 12 ✨" in sent.text
    assert "Escribe el número" in sent.text

    (answer,) = await bridge.phone().send(" 3 ")
    assert "Rumbo es un chat de tu casa" in answer.text
    # A number out of range is plain text for the dialogs.
    await queue_screen(container, screen, "twelve-again")
    await bridge.deliver()
    (other,) = await bridge.phone().send("13")
    assert "Rumbo es un chat de tu casa" not in other.text


# ----------------------------------------------------------------- statuses


async def test_status_callbacks_are_recorded_once_and_never_go_backwards(
    bridge: Bridge, container: Container
) -> None:
    await bridge.phone().send("hola")
    wamid = bridge.wa.last_to(WA_ID).wamid

    async def delivery_status() -> str | None:
        async with container.uow() as uow:
            row = await uow.session.scalar(
                select(OutboxMessage).where(OutboxMessage.external_message_id == wamid)
            )
            assert row is not None and row.status is OutboxStatus.SENT
            return row.delivery_status

    assert await delivery_status() is None
    assert await bridge.wa.status(wamid, "sent") == 200
    assert await delivery_status() == "sent"
    assert await bridge.wa.status(wamid, "read") == 200
    assert await bridge.wa.status(wamid, "delivered") == 200  # late: read stays
    assert await delivery_status() == "read"
    before = await table_counts(container)
    assert await bridge.wa.redeliver() == 200
    assert await table_counts(container) == before


async def test_a_failed_delivery_raises_one_flag_on_the_case(
    bridge: Bridge, container: Container
) -> None:
    case_id = await linked_and_agreed(bridge)
    wamid = bridge.wa.last_to(WA_ID).wamid
    errors = [{"code": 131026, "title": "Message undeliverable"}]
    assert await bridge.wa.status(wamid, "failed", errors=errors) == 200
    assert await bridge.wa.redeliver() == 200
    async with container.uow() as uow:
        row = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.external_message_id == wamid)
        )
        assert row is not None and row.delivery_status == "failed"
        assert "131026" in (row.last_error or "")
        (flag,) = await uow.session.scalars(
            select(Flag).where(Flag.category == FlagCategory.DELIVERY_FAILED)
        )
        assert (flag.adolescent_id, flag.severity) == (case_id, Severity.HIGH)  # a reply
        assert "131026" in flag.detail


async def test_a_status_that_overtakes_the_send_record_is_asked_again(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    await bridge.phone().send("hola")
    assert await bridge.wa.status("wamid.unknown-yet", "delivered") == 500
    clock.advance(minutes=20)  # still unknown long after: dropped, answered 200
    assert await bridge.wa.redeliver() == 200
    assert await bridge.wa.redeliver() == 200


# ----------------------------------------------------------------- other content


async def test_a_voice_note_is_downloaded_stored_and_flagged(
    bridge: Bridge, container: Container
) -> None:
    case_id = await linked_and_agreed(bridge)
    audio = b"OggS\x00fake-opus-audio\xff" * 50
    (heard,) = await bridge.phone().voice(audio)
    assert "Recibí tu audio" in heard.text
    async with container.uow() as uow:
        (voice,) = await uow.session.scalars(
            select(Message).where(Message.kind == MessageKind.VOICE)
        )
        assert voice.voice_ciphertext is not None
        assert uow.cipher.decrypt_bytes(voice.voice_ciphertext) == audio
        (flag,) = await uow.session.scalars(
            select(Flag).where(Flag.category == FlagCategory.VOICE_NOTE)
        )
        assert flag.adolescent_id == case_id


async def test_a_photo_gets_a_kind_note_and_its_caption_is_read(bridge: Bridge) -> None:
    await linked_and_agreed(bridge)
    status, _ = await bridge.wa.user_message(WA_ID, "sticker", {"id": "55", "animated": False})
    assert status == 200
    (note,) = await bridge.deliver()
    assert "Solo puedo leer texto, botones y notas de voz" in note.text
    status, _ = await bridge.wa.user_message(
        WA_ID, "image", {"id": "56", "caption": "mi tarea de álgebra", "mime_type": "image/jpeg"}
    )
    assert status == 200
    *_, last = await bridge.deliver()
    assert "Fotos, stickers y archivos no los puedo ver" in last.text


async def test_reactions_are_ignored(bridge: Bridge, container: Container) -> None:
    await bridge.phone().send("hola")
    before = await table_counts(container)
    status, _ = await bridge.wa.user_message(
        WA_ID, "reaction", {"message_id": bridge.wa.last_to(WA_ID).wamid, "emoji": "👍"}
    )
    assert status == 200
    assert await table_counts(container) == before


async def test_a_delete_row_is_done_without_any_call(bridge: Bridge, container: Container) -> None:
    await bridge.phone().send("hola")
    calls = len(bridge.wa.calls)
    async with container.uow() as uow:
        await outbox.enqueue(
            uow,
            channel=Channel.WHATSAPP,
            external_chat_id=WA_ID,
            kind=OutboxKind.DELETE,
            payload={"message_ids": [bridge.wa.last_to(WA_ID).wamid]},
            urgent=True,
        )
        await uow.commit()
    assert await bridge.deliver() == []
    assert len(bridge.wa.calls) == calls
    async with container.uow() as uow:
        row = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.DELETE)
        )
        assert row is not None and row.status is OutboxStatus.SENT


async def test_calls_for_another_business_number_are_acknowledged_and_ignored(
    bridge: Bridge, container: Container
) -> None:
    message = bridge.wa._inbound(WA_ID, "text", {"body": "hola"}, context=None)
    value = bridge.wa._value(WA_ID, "messages", [message])
    value["metadata"]["phone_number_id"] = "999999999"
    before = await table_counts(container)
    assert await bridge.wa.post(bridge.wa.envelope(value)) == 200
    assert await table_counts(container) == before


async def test_opening_the_chat_for_the_first_time_gets_the_welcome(bridge: Bridge) -> None:
    status, _ = await bridge.wa.user_message(WA_ID, "request_welcome", {})
    assert status == 200
    (welcome,) = await bridge.deliver()
    assert "Soy Rumbo" in welcome.text


async def test_a_voice_note_that_cannot_be_fetched_gets_a_kind_note(bridge: Bridge) -> None:
    await linked_and_agreed(bridge)
    status, _ = await bridge.wa.user_message(
        WA_ID, "audio", {"id": "404404", "mime_type": "audio/ogg; codecs=opus", "voice": True}
    )
    assert status == 200
    (note,) = await bridge.deliver()
    assert "No pude escuchar tu nota de voz" in note.text
