"""The case page (the progress mirror) and the changes made from it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from plan_store.enums import CaseStatus, Channel, GoalStatus, RequestStatus
from plan_store.errors import CodeExpired
from plan_store.models import (
    Adolescent,
    Appointment,
    Flag,
    Goal,
    LinkingCode,
    Message,
    OperatorRequest,
    OutboxMessage,
    Step,
)
from plan_store.services import linking, messages
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.console.conftest import Browser
from tests.console.world import World, a_full_case


async def outbox_texts(container: Container, case_id: int) -> list[dict[str, Any]]:
    async with container.uow() as uow:
        rows = list(
            await uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.adolescent_id == case_id)
                .order_by(OutboxMessage.id)
            )
        )
        return [
            {
                "payload": json.loads(uow.cipher.decrypt(r.payload_ciphertext)),
                "chat": r.external_chat_id,
                "channel": r.channel,
                "not_before": r.not_before,
            }
            for r in rows
        ]


def notices(html: str) -> list[str]:
    return re.findall(r'<p class="notice (?:done|problem)">([^<]*)</p>', html)


async def test_the_case_page_mirrors_the_plan_the_appointments_and_the_conversation(
    as_ana: Browser, world: World
) -> None:
    html = (await as_ana.get(f"/cases/{world.ana_case.id}")).text
    for expected in (
        "Colibrí",
        "MX-2026-0001",
        "Vigente",
        "Terminar la secundaria abierta",
        "Dice que ya lo hizo",
        f'action="/cases/{world.ana_case.id}/steps/{world.ana_case.step_done}/confirm"',
        "Inscripción al taller de carpintería",
        "Va a ir",  # the confirmation history
        "Me quiero ir de la casa",  # decrypted
        "Quiere irse",
        "¿Hablamos hoy?",
        "Chat vinculado: Telegram",
    ):
        assert expected in html, expected


async def test_editing_the_plan(as_ana: Browser, world: World, container: Container) -> None:
    ids = world.ana_case
    base = f"/cases/{ids.id}"
    await as_ana.post(f"{base}/steps/{ids.step_done}/confirm")
    await as_ana.post(
        f"{base}/goals/{ids.goal}",
        {
            "title": "Terminar la secundaria  abierta este año",
            "programme": "education",
            "horizon": "short",
            "status": "in_progress",
            "target_date": "2026-12-15",
        },
    )
    added = await as_ana.post(
        f"{base}/goals",
        {"title": "Aprender a cocinar", "programme": "independent_living", "horizon": "medium"},
    )
    assert added.headers["location"] == f"{base}#plan"
    await as_ana.post(
        f"{base}/goals/{ids.goal}/steps",
        {"title": "Estudiar con Laura", "responsible": "", "due_on": "2026-03-20"},
    )
    page = await as_ana.get(f"{base}")
    assert "Hecho y confirmado" in page.text
    async with container.uow() as uow:
        goal = await uow.session.get(Goal, ids.goal)
        assert goal is not None
        assert goal.title == "Terminar la secundaria abierta este año"
        assert (
            goal.status is GoalStatus.IN_PROGRESS and goal.target_date.isoformat() == "2026-12-15"
        )
        step = await uow.session.get(Step, ids.step_done)
        assert step is not None and step.confirmed_by_id == world.ana.id
        titles = set(await uow.session.scalars(select(Goal.title)))
        assert "Aprender a cocinar" in titles
        steps = await uow.session.scalars(select(Step))  # titles are encrypted
        new_step = next(s for s in steps if s.title == "Estudiar con Laura")
        assert new_step.responsible == "—"


async def test_confirming_a_step_tells_the_adolescent_in_her_chat(
    as_ana: Browser, world: World, container: Container
) -> None:
    ids = world.ana_case
    await as_ana.post(f"/cases/{ids.id}/steps/{ids.step_done}/confirm")
    assert "Se le avisó por su chat." in (await as_ana.get(f"/cases/{ids.id}")).text
    async with container.uow() as uow:
        sent = [
            json.loads(uow.cipher.decrypt(row.payload_ciphertext))["text"]
            for row in await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.adolescent_id == ids.id)
            )
        ]
    assert "✅ Ana confirmó tu paso: Inscribirte en el INEA." in "\n".join(sent)


async def test_bad_input_is_explained_and_changes_nothing(
    as_ana: Browser, world: World, container: Container
) -> None:
    base = f"/cases/{world.ana_case.id}"
    for path, form in (
        (
            f"{base}/goals/{world.ana_case.goal}",
            {"title": "  ", "programme": "education", "horizon": "short", "status": "in_progress"},
        ),
        (f"{base}/goals", {"title": "x", "programme": "astronomy", "horizon": "short"}),
        (f"{base}/appointments", {"kind": "school", "title": "Examen", "starts_at": "mañana"}),
        (
            f"{base}/appointments",
            {"kind": "school", "title": "Examen", "starts_at": "2020-01-01T10:00"},
        ),
        (f"{base}/flags/{world.ana_case.flag}/resolve", {"note": ""}),
        (f"{base}/steps/{world.ana_case.step_open}/confirm", {}),
        (f"{base}/close", {}),
    ):
        response = await as_ana.post(path, form)
        assert response.status_code == 303, path
        page = await as_ana.get(base)
        assert notices(page.text), path
        assert "notice problem" in page.text, path
    async with container.uow() as uow:
        goal = await uow.session.get(Goal, world.ana_case.goal)
        case = await uow.session.get(Adolescent, world.ana_case.id)
        assert goal is not None and goal.title == "Terminar la secundaria abierta"
        assert case is not None and case.status is CaseStatus.IN_CARE


async def test_appointments_are_scheduled_moved_and_cancelled_and_the_adolescent_is_told(
    as_ana: Browser, world: World, container: Container
) -> None:
    base = f"/cases/{world.ana_case.id}"
    response = await as_ana.post(
        f"{base}/appointments",
        {
            "kind": "job_training",
            "title": "Taller de panadería",
            "place": "CECATI 42",
            "starts_at": "2026-03-10T10:00",
        },
    )
    assert response.headers["location"] == f"{base}#appointments"
    page = await as_ana.get(base)
    assert "Se le avisó por su chat." in notices(page.text)
    async with container.uow() as uow:
        appointments = await uow.session.scalars(select(Appointment))  # titles are encrypted
        appointment = next(a for a in appointments if a.title == "Taller de panadería")
        # 10:00 in Mexico City is 16:00 UTC.
        assert appointment.starts_at == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
        appointment_id = appointment.id
    await as_ana.post(
        f"{base}/appointments/{appointment_id}/move", {"starts_at": "2026-03-11T17:30"}
    )
    await as_ana.post(f"{base}/appointments/{appointment_id}/cancel")
    sent = await outbox_texts(container, world.ana_case.id)
    assert [s["chat"] for s in sent] == ["7001"] * 3
    assert all(s["channel"] is Channel.TELEGRAM for s in sent)
    texts = [s["payload"]["text"] for s in sent]
    assert (
        texts[0] == "📅 Tienes una cita nueva: Taller de panadería.\n"
        "Martes 10 de marzo a las 10:00, en CECATI 42."
    )
    assert (
        texts[1] == "🔁 Tu cita cambió de fecha: Taller de panadería.\n"
        "Ahora es el miércoles 11 de marzo a las 17:30."
    )
    assert texts[2].startswith("❌ Se canceló tu cita: Taller de panadería (miércoles 11 de marzo")
    assert all(s["payload"]["buttons"] == [] and s["payload"]["voice_key"] is None for s in sent)


async def test_at_night_the_notice_waits_for_the_morning(
    as_ana: Browser, world: World, container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # 23:00 in Mexico City
    await as_ana.login("ana")  # the night is longer than an idle session
    await as_ana.post(
        f"/cases/{world.ana_case.id}/appointments",
        {"kind": "school", "title": "Examen", "starts_at": "2026-03-10T10:00"},
    )
    sent = await outbox_texts(container, world.ana_case.id)
    assert sent[-1]["not_before"] == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 08:00 local


async def test_without_consent_the_adolescent_is_not_written_to(
    browsers: Any, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        unlinked = await a_full_case(
            uow, world.home, world.ana, "MX-2026-0003", alias="Ceiba", chat="7003", linked=False
        )
        await uow.commit()
    browser: Browser = browsers()
    await browser.login("ana")
    base = f"/cases/{unlinked.id}"
    await browser.post(
        f"{base}/appointments",
        {"kind": "school", "title": "Examen", "starts_at": "2026-03-10T10:00"},
    )
    page = await browser.get(base)
    assert any("No se le avisó" in n for n in notices(page.text))
    assert 'name="body"' not in page.text  # no reply form
    refused = await browser.post(f"{base}/reply", {"body": "Hola"})
    assert refused.status_code == 303
    assert any("consentimiento" in n for n in notices((await browser.get(base)).text))
    assert await outbox_texts(container, unlinked.id) == []


async def test_a_reply_goes_to_the_timeline_and_the_chat(
    as_ana: Browser, world: World, container: Container
) -> None:
    base = f"/cases/{world.ana_case.id}"
    await as_ana.post(f"{base}/reply", {"body": "Hola Colibrí, hoy a las 5 platicamos."})
    page = (await as_ana.get(base)).text
    assert "Hola Colibrí, hoy a las 5 platicamos." in page
    assert "Respuesta en camino a su chat." in notices(page)
    sent = await outbox_texts(container, world.ana_case.id)
    assert sent[-1]["payload"]["text"] == "Hola Colibrí, hoy a las 5 platicamos."
    assert sent[-1]["chat"] == "7001"


async def test_flags_and_requests_are_reviewed(
    as_ana: Browser, world: World, container: Container
) -> None:
    ids = world.ana_case
    base = f"/cases/{ids.id}"
    await as_ana.post(f"{base}/flags/{ids.flag}/acknowledge")
    await as_ana.post(f"{base}/flags/{ids.flag}/evaluation", {"marked": "1"})
    await as_ana.post(f"{base}/messages/{ids.message}/evaluation", {"marked": "1"})
    await as_ana.post(f"{base}/flags/{ids.flag}/resolve", {"note": "Hablé con ella y con Marta."})
    await as_ana.post(f"{base}/requests/{ids.request}/handle", {"status": "answered"})
    async with container.uow() as uow:
        flag = await uow.session.get(Flag, ids.flag)
        message = await uow.session.get(Message, ids.message)
        request = await uow.session.get(OperatorRequest, ids.request)
        assert flag is not None and flag.resolved_by_id == world.ana.id
        assert flag.note == "Hablé con ella y con Marta." and flag.marked_for_evaluation
        assert message is not None and message.marked_for_evaluation
        assert request is not None and request.status is RequestStatus.ANSWERED
    page = (await as_ana.get(base)).text
    assert "No hay alertas abiertas." in page and "No hay solicitudes abiertas." in page
    sheet = (await as_ana.get(f"{base}/evaluation")).text
    assert "Me quiero ir de la casa" in sheet and "Hablé con ella y con Marta." in sheet


async def test_flags_can_be_acknowledged_from_the_list_and_come_back_to_it(
    as_ana: Browser, world: World
) -> None:
    ids = world.ana_case
    response = await as_ana.post(
        f"/cases/{ids.id}/flags/{ids.flag}/acknowledge", {"back": f"/flags#flag-{ids.flag}"}
    )
    assert response.headers["location"] == f"/flags#flag-{ids.flag}"
    evil = await as_ana.post(
        f"/cases/{ids.id}/flags/{ids.flag}/evaluation", {"back": "//evil.example/", "marked": "1"}
    )
    assert evil.headers["location"] == "/"


async def test_a_linking_code_is_shown_once_with_a_qr_code(
    as_ana: Browser, world: World, container: Container
) -> None:
    response = await as_ana.post(f"/cases/{world.ana_case.id}/code")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    code = re.search(r"<code>(\w{4}) (\w{4})</code>", response.text)
    assert code
    plain = code.group(1) + code.group(2)
    assert f"https://t.me/rumbo_test_bot?start={plain}" in response.text
    assert re.search(r'<img class="qr" src="data:image/svg\+xml', response.text)
    async with container.uow() as uow:
        stored = list(await uow.session.scalars(select(LinkingCode.code_hash)))
        assert linking.hash_code(uow.cipher, plain) in stored
        assert all(plain not in h for h in stored)
    # A second code replaces the first.
    again = await as_ana.post(f"/cases/{world.ana_case.id}/code")
    second = re.search(r"<code>(\w{4}) (\w{4})</code>", again.text)
    assert second and second.group(1) + second.group(2) != plain
    async with container.uow() as uow:
        try:
            await linking.redeem_code(uow, Channel.TELEGRAM, "999", plain)
        except CodeExpired:
            pass
        else:
            raise AssertionError("the first code still works")


async def test_a_case_moves_to_follow_up_and_is_closed(
    as_ana: Browser, world: World, container: Container
) -> None:
    base = f"/cases/{world.ana_case.id}"
    await as_ana.post(f"{base}/follow-up", {"follow_up_until": "2027-01-31"})
    await as_ana.post(f"{base}/close", {"confirm": "1"})
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, world.ana_case.id)
        assert case is not None and case.status is CaseStatus.CLOSED
        assert case.follow_up_until is not None and case.follow_up_until.isoformat() == "2027-01-31"
    page = (await as_ana.get(base)).text
    assert "El caso está cerrado" in page
    assert 'action="' + base + '/goals"' not in page


async def test_older_messages_are_one_click_away(
    as_ana: Browser, world: World, container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        for number in range(40):
            clock.advance(seconds=30)  # 20 minutes: the session stays alive
            await messages.record_inbound(
                uow, world.ana_case.id, channel=Channel.TELEGRAM, body=f"mensaje número {number}"
            )
        await uow.commit()
    page = (await as_ana.get(f"/cases/{world.ana_case.id}")).text
    assert "mensaje número 39" in page and "mensaje número 5" not in page
    older = re.search(r'href="(/cases/\d+/messages\?before=\d+)"', page)
    assert older
    rest = (await as_ana.get(older.group(1))).text
    assert "mensaje número 5" in rest and "Me quiero ir de la casa" in rest
    assert "mensaje número 39" not in rest


async def test_the_evaluation_is_prepared_and_recorded(
    as_ana: Browser, world: World, container: Container, clock: FakeClock
) -> None:
    clock.advance(days=15)
    await as_ana.login("ana")
    board = (await as_ana.get("/evaluations")).text
    assert "Colibrí" in board and "1 día tarde" in board
    base = f"/cases/{world.ana_case.id}"
    sheet = (await as_ana.get(f"{base}/evaluation")).text
    assert "Terminar la secundaria abierta" in sheet
    assert "Inscribirte en el INEA" in sheet  # done in the period
    response = await as_ana.post(
        f"{base}/evaluation",
        {"summary": "Avanza en la escuela.", "held_on": "2026-03-17", "next_on": "2026-03-31"},
    )
    assert response.headers["location"] == f"{base}#main"  # where the notice shows
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, world.ana_case.id)
        assert case is not None and case.next_evaluation_on is not None
        assert case.next_evaluation_on.isoformat() == "2026-03-31"
    assert "Colibrí" not in (await as_ana.get("/evaluations")).text


async def test_what_was_marked_for_an_evaluation_is_not_brought_to_the_next_one(
    as_ana: Browser, world: World, container: Container
) -> None:
    ids = world.ana_case
    base = f"/cases/{ids.id}"
    await as_ana.post(f"{base}/flags/{ids.flag}/evaluation", {"marked": "1"})
    async with container.uow() as uow:
        later = await messages.record_inbound(
            uow, ids.id, channel=Channel.TELEGRAM, body="Ya no quiero ir al taller"
        )
        await uow.commit()
    await as_ana.post(f"{base}/messages/{later.id}/evaluation", {"marked": "1"})
    sheet = (await as_ana.get(f"{base}/evaluation")).text
    assert "Me quiero ir de la casa" in sheet and "Ya no quiero ir al taller" in sheet
    await as_ana.post(f"{base}/evaluation", {"summary": "Hablamos del taller y de la casa."})

    sheet = (await as_ana.get(f"{base}/evaluation")).text
    assert "Nada marcado para esta evaluación." in sheet
    assert "Ya no quiero ir al taller" not in sheet
    async with container.uow() as uow:
        flag = await uow.session.get(Flag, ids.flag)
        message = await uow.session.get(Message, later.id)
        assert flag is not None and not flag.marked_for_evaluation
        assert message is not None and not message.marked_for_evaluation
