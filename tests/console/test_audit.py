"""Every staff read of a case and every change lands in the audit log, without the
words of any message."""

from __future__ import annotations

import json

from sqlalchemy import select

from plan_store.models import AuditEntry
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.console.conftest import Browser, audit_count
from tests.console.world import World


async def test_every_read_of_a_case_is_audited(
    as_ana: Browser, world: World, container: Container
) -> None:
    case = world.ana_case.id
    for path in (f"/cases/{case}", f"/cases/{case}/messages", f"/cases/{case}/evaluation"):
        assert (await as_ana.get(path)).status_code == 200
    assert await audit_count(container, "case.read", staff_id=world.ana.id, adolescent_id=case) == 3


async def test_every_change_is_audited_and_no_words_are_kept(
    as_ana: Browser, world: World, container: Container, clock: FakeClock
) -> None:
    ids = world.ana_case
    case = f"/cases/{ids.id}"
    secret_words = "Nos vemos mañana en la escuela, Colibrí"
    changes = [
        (
            f"{case}/goals",
            {"title": "Aprender a nadar", "programme": "personal_growth", "horizon": "short"},
            "goal.add",
        ),
        (
            f"{case}/goals/{ids.goal}",
            {
                "title": "Terminar la secundaria",
                "programme": "education",
                "horizon": "medium",
                "status": "in_progress",
            },
            "goal.update",
        ),
        (
            f"{case}/goals/{ids.goal}/steps",
            {"title": "Estudiar Historia", "responsible": "Tú"},
            "step.add",
        ),
        (f"{case}/steps/{ids.step_done}/confirm", {}, "step.confirm"),
        (
            f"{case}/appointments",
            {"kind": "school", "title": "Examen", "place": "INEA", "starts_at": "2026-03-10T10:00"},
            "appointment.schedule",
        ),
        (
            f"{case}/appointments/{ids.appointment}/move",
            {"starts_at": "2026-03-12T11:30"},
            "appointment.move",
        ),
        (f"{case}/flags/{ids.flag}/acknowledge", {}, "flag.acknowledge"),
        (f"{case}/flags/{ids.flag}/evaluation", {"marked": "1"}, "flag.mark_for_evaluation"),
        (f"{case}/flags/{ids.flag}/resolve", {"note": "Hablamos con ella"}, "flag.resolve"),
        (
            f"{case}/messages/{ids.message}/evaluation",
            {"marked": "1"},
            "message.mark_for_evaluation",
        ),
        (f"{case}/reply", {"body": secret_words}, "message.reply"),
        (f"{case}/requests/{ids.request}/handle", {"status": "answered"}, "request.answered"),
        (f"{case}/code", {}, "link_code.issue"),
        (f"{case}/phase", {"phase": "independence"}, "case.phase"),
        (f"{case}/evaluation", {"summary": "Va bien en la escuela."}, "evaluation.record"),
        (f"{case}/appointments/{ids.appointment}/cancel", {}, "appointment.cancel"),
    ]
    for path, form, action in changes:
        before = await audit_count(container, action, staff_id=world.ana.id, adolescent_id=ids.id)
        response = await as_ana.post(path, form)
        assert response.status_code in (200, 303), path
        after = await audit_count(container, action, staff_id=world.ana.id, adolescent_id=ids.id)
        assert after == before + 1, action
    clock.advance(minutes=5)  # the first appointment has started: attendance can be recorded
    await as_ana.post(
        f"{case}/appointments/{ids.past_appointment}/attendance", {"answer": "missed"}
    )
    assert await audit_count(container, "appointment.missed", staff_id=world.ana.id) == 1
    await as_ana.post(f"{case}/follow-up", {"follow_up_until": "2027-01-01"})
    assert await audit_count(container, "case.follow_up", staff_id=world.ana.id) == 1
    await as_ana.post(f"{case}/close", {"confirm": "1"})
    assert await audit_count(container, "case.close", staff_id=world.ana.id) == 1

    async with container.uow() as uow:
        entries = list(await uow.session.scalars(select(AuditEntry)))
        dumped = json.dumps([[e.action, e.target, e.details] for e in entries], ensure_ascii=False)
    for words in (secret_words, "Me quiere ir", "Hablamos con ella", "Va bien", "¿Hablamos hoy?"):
        assert words not in dumped
