"""After care, the scheduler asks once whether the adolescent wants the monthly
check-ins; the answer decides whether they come.

A controlled clock, the real jobs, outbox sender and database; Telegram and WhatsApp
are the fakes on loopback. The adolescent's taps go through the real pipeline
(``tests.dialogs.chat.Chat`` on Telegram, the fake's webhook calls on WhatsApp).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.scheduler import JOBS, jobs
from bot.telegram.client import TelegramClient
from bot.whatsapp.templates import default_book
from dialogs import follow_up_consent
from locales import translator
from plan_store.enums import (
    AppointmentKind,
    Channel,
    ConsentDecision,
    ConsentPurpose,
    OutboxStatus,
)
from plan_store.models import Adolescent, Consent, FollowUpCheckin, OutboxMessage
from plan_store.services import appointments, cases, consent, linking
from plan_store.services.outbox import payload_of
from rumbo.container import Container
from tests.bot.outbox_support import (
    LinkedCase,
    a_home_in,
    a_linked_case,
    detached,
    sender,
    telegram_client,
    texts_to,
)
from tests.conftest import FakeClock
from tests.dialogs.chat import Chat
from tests.e2e.whatsapp_support import WA_ID, whatsapp_bridge
from tests.fakes import FakeTelegram

FOLLOW_UP = ConsentPurpose.FOLLOW_UP
ZONE = "America/Mexico_City"  # UTC-6 all year
TEMPLATE = "acuerdo_seguimiento"
QUESTION = (
    "Hola Lu 👋 Tu equipo quiere seguir sabiendo cómo estás.\n\n"
    "Una vez al mes te quiero mandar un mensaje corto con unas preguntas: dónde vives, "
    "la escuela o el trabajo, tu salud y si quieres que alguien te busque.\n"
    "Tus respuestas las lee tu equipo.\n"
    "Puedes pararlo cuando quieras en ⚙️ Privacidad.\n\n"
    "¿Quieres recibirlo?"
)

Job = Callable[..., Awaitable[int]]


@pytest.fixture
async def client(tg: FakeTelegram) -> AsyncIterator[TelegramClient]:
    async with telegram_client(tg) as built:
        yield built


async def run(container: Container, job: Job, now: datetime) -> int:
    async with container.uow() as uow:
        made = await job(uow, now)
        await uow.commit()
        return made


async def deliver(container: Container, client: TelegramClient, now: datetime) -> None:
    outbox = sender(container.uow, client)
    while await outbox.run_once(now):
        pass


async def a_case_after_care(
    container: Container,
    chat: str,
    *,
    until: date = date(2026, 12, 31),
    alias: str = "Lu",
    quiet: tuple[time, time] = (time(21), time(8)),
    **options: Any,
) -> LinkedCase:
    """A case whose Telegram chat is linked with consent to messaging, that left care
    today (the clock's day)."""
    async with container.uow() as uow:
        home = await a_home_in(uow, ZONE, f"Casa {chat}", quiet_start=quiet[0], quiet_end=quiet[1])
        linked = await a_linked_case(uow, home, chat, alias=alias, age=18, **options)
        await cases.move_to_follow_up(uow, linked.operator, linked.case.id, follow_up_until=until)
        await uow.commit()
    return linked


async def decide(container: Container, case: Adolescent, decision: ConsentDecision) -> None:
    async with container.uow() as uow:
        await consent.decide(
            uow, case, decision=decision, language="es", channel=Channel.TELEGRAM, purpose=FOLLOW_UP
        )
        await uow.commit()


async def outbox_keys(container: Container) -> list[tuple[str, OutboxStatus]]:
    rows = await detached(container.uow, select(OutboxMessage).order_by(OutboxMessage.id))
    return [(row.dedupe_key or "", row.status) for row in rows]


async def payload_under(container: Container, key: str) -> dict[str, Any]:
    async with container.uow() as uow:
        row = await uow.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert row is not None, key
        return payload_of(uow, row)


async def follow_up_decisions(container: Container, case_id: int) -> list[Consent]:
    return await detached(
        container.uow,
        select(Consent)
        .where(Consent.adolescent_id == case_id, Consent.purpose == FOLLOW_UP)
        .order_by(Consent.id),
    )


def the_buttons(tg: FakeTelegram, chat: str) -> dict[str, str]:
    """Label -> action of the buttons on the newest message with buttons in a chat."""
    newest = [sent for sent in tg.sent_to(int(chat)) if sent.buttons][-1]
    return {label: action or "" for row in newest.buttons for label, action in row}


# ----------------------------------------------------------------- who is asked, once


async def test_the_question_goes_once_to_each_case_after_care_without_a_decision(
    container: Container, clock: FakeClock, tg: FakeTelegram, client: TelegramClient
) -> None:
    clock.now = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # Monday, 10:00 local
    lu = await a_case_after_care(container, "6101")
    agreed = await a_case_after_care(container, "6102", alias="Sí")
    refused = await a_case_after_care(container, "6103", alias="No")
    ended = await a_case_after_care(container, "6104", alias="Fin", until=date(2026, 3, 3))
    no_chat = await a_case_after_care(container, "6105", alias="Sin chat", linked=False)
    no_consent = await a_case_after_care(container, "6106", alias="Sin acuerdo", consented=False)
    async with container.uow() as uow:
        home = await a_home_in(uow, ZONE, "Casa en cuidado")
        await a_linked_case(uow, home, "6107", alias="En cuidado")
        await uow.commit()
    await decide(container, agreed.case, ConsentDecision.GIVEN)
    await decide(container, refused.case, ConsentDecision.REFUSED)

    moment = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)  # Wednesday: the follow-up of "Fin" ended
    made = [await run(container, jobs.follow_up_consent_asks, moment) for _ in range(2)]
    await deliver(container, client, moment)
    made.append(await run(container, jobs.follow_up_consent_asks, moment + timedelta(hours=1)))

    assert made == [1, 0, 0]
    key = f"fuc-ask:{lu.case.id}:1"
    assert await outbox_keys(container) == [(key, OutboxStatus.SENT)]
    assert texts_to(tg, "6101") == [QUESTION]
    for other in (agreed, refused, ended, no_chat, no_consent):
        assert texts_to(tg, other.chat_id) == []
    assert texts_to(tg, "6107") == []
    assert the_buttons(tg, "6101") == {
        "✅ Sí, quiero": f"fuc:yes:1:{lu.case.id}",
        "✋ No, gracias": f"fuc:no:1:{lu.case.id}",
        "ℹ️ Más detalles": f"fuc:more:{lu.case.id}",
    }
    payload = await payload_under(container, key)
    assert payload["voice_key"] == "consent:follow_up:1"
    assert payload["template"] == {
        "name": TEMPLATE,
        "params": ["Lu"],
        "buttons": [f"fuc:yes:1:{lu.case.id}", f"fuc:no:1:{lu.case.id}", f"fuc:more:{lu.case.id}"],
    }


async def test_the_question_waits_for_the_end_of_quiet_hours(
    container: Container, clock: FakeClock, tg: FakeTelegram, client: TelegramClient
) -> None:
    clock.now = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 22:00 local: quiet hours
    await a_case_after_care(container, "6201")

    assert await run(container, jobs.follow_up_consent_asks, clock.now) == 1
    await deliver(container, client, clock.now)
    assert texts_to(tg, "6201") == []

    clock.now = datetime(2026, 3, 3, 13, 59, tzinfo=UTC)  # 07:59
    await deliver(container, client, clock.now)
    assert texts_to(tg, "6201") == []
    clock.now = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 08:00: the night is over
    await deliver(container, client, clock.now)
    assert texts_to(tg, "6201") == [QUESTION]
    assert await run(container, jobs.follow_up_consent_asks, clock.now) == 0


async def test_a_new_version_of_the_text_asks_again_in_its_own_words(
    container: Container, clock: FakeClock
) -> None:
    lu = await a_case_after_care(container, "6301")
    await decide(container, lu.case, ConsentDecision.REFUSED)
    assert await run(container, jobs.follow_up_consent_asks, clock.now) == 0
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

    made = [await run(container, jobs.follow_up_consent_asks, clock.now) for _ in range(2)]

    assert made == [1, 0]
    payload = await payload_under(container, f"fuc-ask:{lu.case.id}:2")
    assert "Preguntas de cada mes, versión 2." in payload["text"]
    assert payload["buttons"][0][0] == ["✅ Sí, quiero", f"fuc:yes:2:{lu.case.id}"]
    # Outside WhatsApp's window the template shows the built-in words, not these: its
    # "yes" opens the question in the chat instead of agreeing to words not shown.
    assert payload["template"]["buttons"][0] == f"fuc:ask:{lu.case.id}"
    # The refusal of version 1 still holds until the new text is answered.
    assert await run(container, jobs.follow_up_checkins, clock.now + timedelta(days=31)) == 0


def test_the_templates_say_what_the_chat_says() -> None:
    """The approved words are the question's built-in words (Spanish and English)."""
    book = default_book()
    for lang in ("es", "en"):
        words = follow_up_consent.Wording(
            1,
            translator(lang).gettext(follow_up_consent.SUMMARY),
            "",
            published=False,
        )
        screen = follow_up_consent.ask_screen(lang, "Lu", 7, words)
        template = book.find(TEMPLATE, lang)
        assert template.render(["Lu"]) == screen.text
        assert list(template.button_texts) == [b.label for b in screen.all_buttons]
    assert [job.name for job in JOBS].index("follow_up_consent_asks") < [
        job.name for job in JOBS
    ].index("follow_up_checkins")


# ----------------------------------------------------------------- the answer decides


async def test_yes_starts_the_check_ins_and_no_means_none(
    container: Container, clock: FakeClock, tg: FakeTelegram, client: TelegramClient
) -> None:
    clock.now = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)  # 12:00 local, they leave care today
    lu = await a_case_after_care(container, "6401")
    bo = await a_case_after_care(container, "6402", alias="Bo")
    assert await run(container, jobs.follow_up_consent_asks, clock.now) == 2
    await deliver(container, client, clock.now)

    await Chat(container, chat_id="6401").press(the_buttons(tg, "6401")["✅ Sí, quiero"])
    bo_chat = Chat(container, chat_id="6402")
    await bo_chat.press(the_buttons(tg, "6402")["✋ No, gracias"])
    assert bo_chat.sees("Es tu decisión 💛")

    (yes,) = await follow_up_decisions(container, lu.case.id)
    (no,) = await follow_up_decisions(container, bo.case.id)
    assert (yes.decision, yes.text_version, yes.language, yes.channel) == (
        ConsentDecision.GIVEN,
        1,
        "es",
        Channel.TELEGRAM,
    )
    assert (no.decision, no.text_version, no.channel) == (
        ConsentDecision.REFUSED,
        1,
        Channel.TELEGRAM,
    )
    assert await run(container, jobs.follow_up_consent_asks, clock.now) == 0

    due = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # a month on, 10:00 local
    assert await run(container, jobs.follow_up_checkins, due) == 1
    await deliver(container, client, due)
    assert any((text or "").startswith("Hola Lu 👋 ¿Cómo vas?") for text in texts_to(tg, "6401"))
    assert not any("¿Cómo vas?" in (text or "") for text in texts_to(tg, "6402"))
    checkins = await detached(container.uow, select(FollowUpCheckin).order_by(FollowUpCheckin.id))
    assert [(c.adolescent_id, c.sent_at) for c in checkins] == [
        (lu.case.id, due),
        (bo.case.id, None),  # made for staff, never sent
    ]


async def test_privacy_stops_and_restarts_the_check_ins_while_messaging_stays_on(
    container: Container, clock: FakeClock, tg: FakeTelegram, client: TelegramClient
) -> None:
    clock.now = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)
    lu = await a_case_after_care(container, "6501")
    chat = Chat(container, chat_id="6501")
    await chat.press(follow_up_consent.yes_action(1, lu.case.id))
    february, march, april = (
        datetime(2026, month, day, 16, 0, tzinfo=UTC) for month, day in ((2, 28), (3, 31), (4, 30))
    )
    assert await run(container, jobs.follow_up_checkins, february) == 1

    clock.now = february + timedelta(hours=1)
    await chat.send("menú")
    await chat.tap("⚙️ Privacidad")
    await chat.tap("🔕 Parar las preguntas")
    assert chat.sees("Ya no te mando las preguntas de cada mes.")

    assert await run(container, jobs.follow_up_checkins, march) == 0
    async with container.uow() as uow:  # messaging is still on: a reminder goes
        await appointments.schedule(
            uow,
            lu.operator,
            lu.case.id,
            kind=AppointmentKind.HEALTH,
            title="Consulta",
            place="Centro de salud",
            starts_at=march + timedelta(hours=20),
        )
        await uow.commit()
    assert await run(container, jobs.appointment_reminders, march) == 1

    clock.now = march + timedelta(hours=1)
    await chat.send("/privacidad")
    await chat.tap("🔔 Quiero las preguntas")
    assert chat.sees("¡Listo! 💛 Te escribo una vez al mes.")
    assert await run(container, jobs.follow_up_checkins, april) == 1

    sent = [c.due_on for c in await detached(container.uow, select(FollowUpCheckin)) if c.sent_at]
    assert sent == [date(2026, 2, 28), date(2026, 4, 30)]
    decisions = [c.decision for c in await follow_up_decisions(container, lu.case.id)]
    assert decisions == [ConsentDecision.GIVEN, ConsentDecision.WITHDRAWN, ConsentDecision.GIVEN]


async def test_a_stop_cancels_a_check_in_still_waiting_for_the_end_of_quiet_hours(
    container: Container, clock: FakeClock, tg: FakeTelegram, client: TelegramClient
) -> None:
    clock.now = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)
    # A home whose quiet hours run into the morning: 10:00 is still quiet.
    lu = await a_case_after_care(container, "6601", quiet=(time(21), time(11)))
    await decide(container, lu.case, ConsentDecision.GIVEN)
    due = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 10:00 local
    assert await run(container, jobs.follow_up_checkins, due) == 1
    await deliver(container, client, due)
    assert texts_to(tg, "6601") == []

    clock.now = due + timedelta(minutes=5)
    await Chat(container, chat_id="6601").press(follow_up_consent.stop_action(lu.case.id))
    await deliver(container, client, due + timedelta(hours=2))

    assert not any("¿Cómo vas?" in (text or "") for text in texts_to(tg, "6601"))
    keys = dict(await outbox_keys(container))
    (checkin,) = await detached(container.uow, select(FollowUpCheckin))
    assert keys[f"checkin:{checkin.id}"] is OutboxStatus.CANCELLED


# ----------------------------------------------------------------- WhatsApp


@pytest.mark.parametrize(
    ("language", "template_language", "direct"),
    [("es", "es_MX", True), ("en", "en_US", True), ("quc", "es_MX", False)],
)
async def test_outside_whatsapps_window_the_question_goes_as_its_template(
    container: Container, clock: FakeClock, language: str, template_language: str, direct: bool
) -> None:
    clock.now = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    async with whatsapp_bridge(container) as bridge:
        async with container.uow() as uow:
            home = await a_home_in(uow, ZONE)
            lu = await a_linked_case(
                uow, home, "unused", linked=False, consented=False, language=language
            )
            code = await linking.issue_code(uow, lu.operator, lu.case.id)
            await uow.commit()
        phone = bridge.phone()
        await phone.send(code)  # linked; the window opens now
        async with container.uow() as uow:
            case = await uow.session.get(Adolescent, lu.case.id)
            assert case is not None
            await consent.decide(
                uow,
                case,
                decision=ConsentDecision.GIVEN,
                language=language,
                channel=Channel.WHATSAPP,
            )
            await cases.move_to_follow_up(
                uow, lu.operator, lu.case.id, follow_up_until=date(2026, 12, 31)
            )
            await uow.commit()

        clock.advance(hours=25)  # the window closed
        assert await run(container, jobs.follow_up_consent_asks, clock.now) == 1
        (sent,) = await bridge.deliver()

        case_id = lu.case.id
        assert (sent.to, sent.type, sent.template, sent.template_language) == (
            WA_ID,
            "template",
            TEMPLATE,
            template_language,
        )
        assert sent.params == ["Lu"]
        yes = f"fuc:yes:1:{case_id}" if direct else f"fuc:ask:{case_id}"
        assert [action for action, _ in sent.buttons] == [
            yes,
            f"fuc:no:1:{case_id}",
            f"fuc:more:{case_id}",
        ]
        assert bridge.wa.window_violations == []

        # The quick reply reaches the dialogs (and reopens the window for the answer).
        (answer, *_) = await phone.tap(sent.buttons[0][1])
        assert answer.type != "template"
        decisions = await follow_up_decisions(container, case_id)
        if direct:
            assert [(c.decision, c.channel, c.language) for c in decisions] == [
                (ConsentDecision.GIVEN, Channel.WHATSAPP, language)
            ]
        else:  # the question, shown in the chat's own language first
            assert decisions == []
            assert f"fuc:yes:1:{case_id}" in [action for action, _ in answer.options]
        assert bridge.wa.window_violations == []
