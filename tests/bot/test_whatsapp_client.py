"""``WhatsAppClient`` against the fake Cloud API, through the real outbox sender: the
24-hour window (templates, parked messages), and what WhatsApp's refusals become."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.outbox.channel import DeliveryError, PermanentFailure, RetryLater
from bot.whatsapp import WhatsAppClient, build_graph
from bot.whatsapp.templates import TEMPLATE_KEY
from dialogs import actions
from dialogs.screens import Button, Screen
from plan_store.enums import (
    AppointmentAnswer,
    Channel,
    FlagCategory,
    OutboxKind,
    OutboxStatus,
    Role,
)
from plan_store.models import Appointment, AppointmentConfirmation, Flag, OutboxMessage
from plan_store.outbox.parking import PARK_PREFIX
from plan_store.services import messages, outbox, voice_prompts
from rumbo.container import Container
from rumbo.parts import whatsapp_config
from tests.builders import a_home, a_staff_member
from tests.configured import configured
from tests.conftest import FakeClock
from tests.e2e.support import CaseToLink, a_case_with_code
from tests.e2e.whatsapp_support import WA_ID, Bridge, whatsapp_bridge
from tests.fakes.whatsapp_api import FaultKind
from tests.voice_samples import ogg_opus


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """The window and the parked messages are queries of their own: both databases."""
    return str(request.param)


@pytest.fixture
async def bridge(container: Container) -> AsyncIterator[Bridge]:
    async with whatsapp_bridge(container) as running:
        yield running


async def linked(bridge: Bridge) -> CaseToLink:
    case = await a_case_with_code(bridge.container.uow, alias="Lu")
    phone = bridge.phone()
    await phone.send(case.code)
    await phone.tap("✅ Acepto")
    return case


async def appointment_id(container: Container) -> int:
    async with container.uow() as uow:
        found = await uow.session.scalar(select(Appointment.id))
        assert found is not None
        return found


def reminder(appointment: int, **extra: Any) -> dict[str, Any]:
    """A reminder as the scheduler writes it: a screen, and the template for later."""
    screen = Screen(
        "📅 Mañana, miércoles 4 a las 10:00: Inscripción al taller de carpintería.\n¿Vas a ir?",
        (
            (
                Button("✔️ Voy a ir", actions.will_go(appointment)),
                Button("❌ No puedo ir", actions.cannot_go(appointment)),
                Button("🔁 Cambiar", actions.change(appointment)),
            ),
        ),
    )
    return (
        screen.to_payload()
        | {
            "language": "es",
            TEMPLATE_KEY: {
                "name": "recordatorio_cita",
                "params": [
                    "Lu",
                    "Mañana, miércoles 4 a las 10:00",
                    "Inscripción al taller de carpintería (CECATI 42)",
                ],
            },
        }
        | extra
    )


async def enqueue(
    container: Container, payload: dict[str, Any], key: str, case: CaseToLink | None = None
) -> None:
    async with container.uow() as uow:
        await outbox.enqueue(
            uow,
            channel=Channel.WHATSAPP,
            external_chat_id=WA_ID,
            adolescent_id=case.case_id if case else None,
            payload=payload,
            dedupe_key=key,
        )
        await uow.commit()


async def staff_reply(container: Container, case: CaseToLink, *texts: str) -> None:
    """The operator answers in the console, one message a text."""
    async with container.uow() as uow:
        for text in texts:
            await messages.reply(uow, case.operator, case.case_id, text)
        await uow.commit()


async def rows(container: Container) -> list[OutboxMessage]:
    """Every outbox row, detached with what was loaded."""
    async with container.uow() as uow:
        found = list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        uow.session.expunge_all()
        return found


# ----------------------------------------------------------------- the window


async def test_inside_the_window_a_reminder_is_an_ordinary_interactive_message(
    bridge: Bridge, container: Container
) -> None:
    case = await linked(bridge)
    appointment = await appointment_id(container)
    await enqueue(container, reminder(appointment), "reminder", case)
    (sent,) = await bridge.deliver()
    assert (sent.type, sent.interactive_type) == ("interactive", "button")
    assert [b for b, _ in sent.buttons] == [
        f"appt:ok:{appointment}",
        f"appt:no:{appointment}",
        f"appt:chg:{appointment}",
    ]


async def test_outside_the_window_a_reminder_goes_as_its_approved_template(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    case = await linked(bridge)
    appointment = await appointment_id(container)
    clock.advance(hours=24, minutes=1)
    await enqueue(container, reminder(appointment), "reminder", case)
    (sent,) = await bridge.deliver()

    assert (sent.type, sent.template, sent.template_language) == (
        "template",
        "recordatorio_cita",
        "es_MX",
    )
    assert sent.text == (
        "Hola Lu 👋\n📅 Mañana, miércoles 4 a las 10:00: "
        "Inscripción al taller de carpintería (CECATI 42).\n¿Vas a ir?"
    )
    assert sent.buttons == [
        (f"appt:ok:{appointment}", "✔️ Voy a ir"),
        (f"appt:no:{appointment}", "❌ No puedo ir"),
        (f"appt:chg:{appointment}", "🔁 Cambiar"),
    ]
    assert bridge.wa.window_violations == []

    # The quick reply reaches the dialogs, and reopens the window for the answer.
    (answer, *_) = await bridge.phone().tap("✔️ Voy a ir")
    assert answer.type != "template"
    async with container.uow() as uow:
        (confirmation,) = await uow.session.scalars(select(AppointmentConfirmation))
        assert confirmation.answer is AppointmentAnswer.WILL_GO
    assert bridge.wa.window_violations == []


async def test_a_few_minutes_before_the_window_ends_templates_are_used_already(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    case = await linked(bridge)
    clock.advance(hours=23, minutes=57)
    await enqueue(container, reminder(await appointment_id(container)), "reminder", case)
    (sent,) = await bridge.deliver()
    assert sent.type == "template"


async def test_outside_the_window_a_staff_reply_waits_behind_a_content_free_notice(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    case = await linked(bridge)
    clock.advance(hours=30)
    await staff_reply(container, case, "Hola Lu, ¿nos vemos el jueves? 🙂", "Te llevo los papeles.")
    sent = await bridge.deliver()

    # One notice covers both replies; nothing of them was shown.
    (notice,) = sent
    assert (notice.type, notice.template) == ("template", "mensaje_pendiente")
    assert notice.params == [] and notice.buttons == [("wa:pending", "📩 Ver mensaje")]
    assert bridge.wa.window_violations == []
    waiting = [r for r in await rows(container) if (r.dedupe_key or "").startswith(PARK_PREFIX)]
    assert [r.status for r in waiting] == [OutboxStatus.PENDING] * 2

    # A reminder still goes out meanwhile: the parked replies block nothing.
    await enqueue(container, reminder(await appointment_id(container)), "reminder", case)
    (template,) = await bridge.deliver()
    assert template.template == "recordatorio_cita"

    # The adolescent taps the notice: the replies arrive, in order, and nothing else.
    replies = await bridge.phone().tap("📩 Ver mensaje")
    assert [r.text for r in replies] == [
        "Hola Lu, ¿nos vemos el jueves? 🙂",
        "Te llevo los papeles.",
    ]
    assert bridge.wa.window_violations == []
    assert {r.status for r in await rows(container)} == {OutboxStatus.SENT}


async def test_writing_anything_also_delivers_the_waiting_messages(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    case = await linked(bridge)
    clock.advance(days=2)
    await staff_reply(container, case, "¿Cómo te fue?")
    (notice,) = await bridge.deliver()
    assert notice.template == "mensaje_pendiente"
    texts = [m.text for m in await bridge.phone().send("menú")]
    assert "¿Cómo te fue?" in texts


async def test_a_message_nobody_came_back_for_fails_after_three_days_with_a_flag(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    case = await linked(bridge)
    clock.advance(days=2)
    await staff_reply(container, case, "¿Cómo te fue?")
    await bridge.deliver()
    clock.advance(days=3, minutes=1)
    assert await bridge.deliver() == []
    parked = [r for r in await rows(container) if (r.dedupe_key or "").startswith(PARK_PREFIX)]
    assert [r.status for r in parked] == [OutboxStatus.FAILED]
    assert "24-hour window" in (parked[0].last_error or "")
    async with container.uow() as uow:
        (flag,) = await uow.session.scalars(
            select(Flag).where(Flag.category == FlagCategory.DELIVERY_FAILED)
        )
        assert flag.adolescent_id == case.case_id
    assert bridge.wa.window_violations == []


async def test_a_reengagement_refusal_falls_back_to_the_template(
    bridge: Bridge, container: Container
) -> None:
    case = await linked(bridge)
    bridge.wa.fail_next("reengagement")  # Meta's clock says the window closed already
    await enqueue(container, reminder(await appointment_id(container)), "reminder", case)
    (sent,) = await bridge.deliver()
    assert sent.template == "recordatorio_cita"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ("en_US", "Hi Lu 👋")), ("quc", ("es_MX", "Hola Lu 👋")), ("es", ("es_MX", "Hola"))],
)
async def test_the_template_follows_the_chat_language_with_spanish_for_mayan_languages(
    bridge: Bridge, container: Container, clock: FakeClock, language: str, expected: tuple[str, str]
) -> None:
    case = await linked(bridge)
    clock.advance(days=2)
    await enqueue(
        container, reminder(await appointment_id(container), language=language), "r", case
    )
    (sent,) = await bridge.deliver()
    assert sent.template_language == expected[0]
    assert sent.text.startswith(expected[1])


async def test_a_template_hint_that_does_not_fit_fails_without_any_call(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    case = await linked(bridge)
    clock.advance(days=2)
    calls = len(bridge.wa.calls)
    wrong = reminder(1) | {TEMPLATE_KEY: {"name": "recordatorio_cita", "params": ["Lu"]}}
    await enqueue(container, wrong, "wrong", case)
    assert await bridge.deliver() == []
    assert len(bridge.wa.calls) == calls
    (row,) = [r for r in await rows(container) if r.dedupe_key == "wrong"]
    assert row.status is OutboxStatus.FAILED
    assert "takes 3 parameters" in (row.last_error or "")


# ----------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("fault", "expected", "after"),
    [
        ("rate_limit", RetryLater, 1.0),
        ("pair_rate_limit", RetryLater, 6.0),
        ("server_error", RetryLater, None),
        ("expired_token", RetryLater, 60.0),
        ("undeliverable", PermanentFailure, None),
    ],
)
async def test_refusals_become_what_the_sender_understands(
    bridge: Bridge,
    fault: FaultKind,
    expected: type[DeliveryError],
    after: float | None,
) -> None:
    await bridge.phone().send("hola")
    bridge.wa.fail_next(fault)
    with pytest.raises(expected) as raised:
        await bridge.client.deliver(OutboxKind.SCREEN, WA_ID, {"text": "¿Seguimos? ✨"})
    if isinstance(raised.value, RetryLater):
        assert raised.value.after == after
    assert str(raised.value).startswith("WhatsApp ")
    # And the next try goes through.
    wamid = await bridge.client.deliver(OutboxKind.SCREEN, WA_ID, {"text": "¿Seguimos? ✨"})
    assert wamid == bridge.wa.last_to(WA_ID).wamid


async def test_a_rate_limited_row_is_retried_by_the_sender_and_sent_once(
    bridge: Bridge, container: Container, clock: FakeClock
) -> None:
    await bridge.phone().send("hola")
    bridge.wa.fail_next("rate_limit")
    await enqueue(container, {"text": "Uno 🙂", "buttons": []}, "one")
    assert await bridge.deliver() == []
    clock.advance(seconds=2)
    (sent,) = await bridge.deliver()
    assert sent.text == "Uno 🙂"


async def test_an_unreachable_api_is_tried_again(container: Container) -> None:
    async with whatsapp_bridge(container) as bridge:
        settings = configured(bridge.settings, whatsapp={"api_url": "http://127.0.0.1:9"})
        async with WhatsAppClient(build_graph(whatsapp_config(settings)), container.uow) as client:
            await bridge.phone().send("hola")
            with pytest.raises(RetryLater):
                await client.deliver(OutboxKind.SCREEN, WA_ID, {"text": "hola"})


async def test_a_voice_prompt_follows_the_text(bridge: Bridge, container: Container) -> None:
    recording = ogg_opus("consent-es")
    asked: list[tuple[str, str]] = []

    async def prompts(key: str, language: str) -> bytes | None:
        asked.append((key, language))
        return recording

    await bridge.phone().send("hola")
    async with WhatsAppClient(
        build_graph(whatsapp_config(bridge.settings)), container.uow, voice_prompts=prompts
    ) as client:
        payload = Screen("Antes de seguir…", voice_key="consent", language="mam").to_payload()
        first = await client.deliver(OutboxKind.SCREEN, WA_ID, payload)
        await client.deliver(OutboxKind.SCREEN, WA_ID, payload)
    text, audio, _, again = bridge.wa.to(WA_ID)[-4:]
    assert (text.wamid, text.type, audio.type, again.type) == (first, "text", "audio", "audio")
    assert audio.media_id == again.media_id  # uploaded once
    assert bridge.wa.uploads[audio.media_id or ""].content == recording
    assert asked == [("consent", "mam")] * 2


async def test_an_uploaded_voice_prompt_is_found_in_the_database_by_default(
    bridge: Bridge, container: Container
) -> None:
    recording = ogg_opus("menu-quc")
    async with container.uow() as uow:
        admin = await a_staff_member(uow, await a_home(uow), "ana", Role.ADMIN)
        await voice_prompts.attach(uow, admin, "menu", "quc", recording)
        await uow.commit()
    await bridge.phone().send("hola")
    async with WhatsAppClient(
        build_graph(whatsapp_config(bridge.settings)), container.uow
    ) as client:
        await client.deliver(
            OutboxKind.SCREEN,
            WA_ID,
            Screen("Jas kawaj?", voice_key="menu", language="quc").to_payload(),
        )
        await client.deliver(
            OutboxKind.SCREEN,
            WA_ID,
            Screen("¿Qué quieres?", voice_key="menu", language="es").to_payload(),
        )
    kinds = [m.type for m in bridge.wa.to(WA_ID)[-3:]]
    assert kinds == ["text", "audio", "text"]  # no Spanish recording: no audio
    audio = bridge.wa.to(WA_ID)[-2]
    assert bridge.wa.uploads[audio.media_id or ""].content == recording


async def test_a_long_wamid_is_stored_as_a_digest_that_status_callbacks_find(
    bridge: Bridge, container: Container
) -> None:
    bridge.wa.wamid_padding = 60  # about 120 characters: more than the outbox keeps
    await bridge.phone().send("hola")
    wamid = bridge.wa.last_to(WA_ID).wamid
    assert len(wamid) > 64
    assert await bridge.wa.status(wamid, "read") == 200
    (row,) = [r for r in await rows(container) if r.delivery_status is not None]
    assert row.status is OutboxStatus.SENT and row.delivery_status == "read"
    assert row.external_message_id is not None and len(row.external_message_id) <= 64
    assert await bridge.wa.redeliver(0) == 200  # the long inbound wamid is deduplicated too
