"""The sweeps that carry her voice in the plan: the questions three days before her
evaluation, and what staff decided about her proposals and agreements. Driven with a
controlled clock on a real database; the withdrawal that erases her words too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from bot.scheduler import jobs
from plan_store.enums import Channel, ConcernKind, Horizon, Programme
from plan_store.models import (
    Adolescent,
    Concern,
    EvaluationVoice,
    Message,
    OutboxMessage,
    Proposal,
)
from plan_store.services import concerns, consent, evaluation_voice, evaluations, proposals
from plan_store.services.outbox import payload_of
from rumbo.container import Container
from tests.bot.outbox_support import LinkedCase, a_home_in, a_linked_case

MEXICO = "America/Mexico_City"


async def a_case(container: Container, *, consented: bool = True) -> LinkedCase:
    async with container.uow() as uow:
        home = await a_home_in(uow, MEXICO)
        linked = await a_linked_case(uow, home, "501", consented=consented)
        await uow.commit()
        return linked


async def evaluation_on(container: Container, linked: LinkedCase, day: date) -> None:
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, linked.case.id)
        assert case is not None
        case.next_evaluation_on = day
        await uow.commit()


async def run(container: Container, now: datetime) -> int:
    async with container.uow() as uow:
        made = await jobs.pre_evaluation_asks(uow, now) + await jobs.participation_news(uow, now)
        await uow.commit()
        return made


async def outbox(container: Container) -> list[tuple[str, dict[str, Any]]]:
    async with container.uow() as uow:
        rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.dedupe_key or "", payload_of(uow, row)) for row in rows]


async def test_she_is_asked_three_days_before_her_evaluation_on_her_homes_calendar_once(
    container: Container,
) -> None:
    linked = await a_case(container)
    await evaluation_on(container, linked, date(2026, 3, 12))
    # 05:30 UTC on Monday 9 March is still Sunday 8 in Mexico City: four days before.
    assert await run(container, datetime(2026, 3, 9, 5, 30, tzinfo=UTC)) == 0
    # 01:00 on Monday 9 March there: three days before the Thursday.
    assert await run(container, datetime(2026, 3, 9, 7, 0, tzinfo=UTC)) == 1
    assert await run(container, datetime(2026, 3, 10, 13, 0, tzinfo=UTC)) == 0
    ((key, payload),) = await outbox(container)
    assert key.startswith("preeval:")
    assert "El jueves 12 de marzo es la reunión para revisar tu plan" in payload["text"]
    assert payload["voice_key"] == "pre_evaluation"
    assert [row[0][0] for row in payload["buttons"]] == ["👍 Bien", "😐 Más o menos", "👎 Difícil"]


async def test_without_consent_she_is_not_asked_and_nothing_is_kept_for_the_evaluation(
    container: Container,
) -> None:
    linked = await a_case(container, consented=False)
    await evaluation_on(container, linked, date(2026, 3, 12))
    assert await run(container, datetime(2026, 3, 10, 15, 0, tzinfo=UTC)) == 0
    async with container.uow() as uow:
        assert list(await uow.session.scalars(select(EvaluationVoice))) == []


async def test_each_decision_and_each_set_of_agreements_is_told_once(
    container: Container,
) -> None:
    linked = await a_case(container)
    async with container.uow() as uow:
        idea = await proposals.propose_goal(
            uow,
            linked.case.id,
            programme=Programme.EDUCATION,
            horizon=Horizon.SHORT,
            text="Aprender inglés",
        )
        await proposals.rework(uow, linked.operator, linked.case.id, idea.id, "¿Lo vemos el lunes?")
        held = await evaluations.record(
            uow, linked.operator, linked.case.id, summary="Bien.", next_on=date(2026, 3, 16)
        )
        await evaluation_voice.set_agreements(
            uow, linked.operator, linked.case.id, held.id, ["Vas a estudiar los martes."]
        )
        await uow.commit()
    now = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert await run(container, now) == 1  # the agreements wait until staff send them
    async with container.uow() as uow:
        latest = await evaluation_voice.latest_of(uow, linked.case.id)
        assert latest is not None
        await evaluation_voice.share(uow, linked.operator, linked.case.id, latest[0].id)
        accepted = await uow.session.get(Proposal, idea.id)
        assert accepted is not None
        await proposals.accept(uow, linked.operator, linked.case.id, accepted.id)
        await uow.commit()
    assert await run(container, now) == 2
    assert await run(container, now) == 0
    texts = [payload["text"] for _, payload in await outbox(container)]
    assert "quiere platicarla contigo" in texts[0] and "¿Lo vemos el lunes?" in texts[0]
    assert "¡Tu meta ya está en tu plan!" in texts[1]
    assert "• Vas a estudiar los martes." in texts[2]
    assert "La próxima reunión es el lunes 16 de marzo." in texts[2]


async def test_leaving_rumbo_erases_her_words_in_proposals_answers_and_concerns(
    container: Container,
) -> None:
    linked = await a_case(container)
    await evaluation_on(container, linked, date(2026, 3, 5))
    async with container.uow() as uow:
        await proposals.propose_goal(
            uow,
            linked.case.id,
            programme=Programme.EDUCATION,
            horizon=Horizon.SHORT,
            text="Aprender inglés",
        )
        voice = await evaluation_voice.ask(uow, linked.case.id, date(2026, 3, 5))
        note = Message(
            adolescent_id=linked.case.id,
            direction="inbound",
            channel=Channel.TELEGRAM,
            body_ciphertext=uow.cipher.encrypt(""),
            created_at=uow.now(),
        )
        uow.session.add(note)
        await uow.flush()
        await evaluation_voice.add_words(
            uow, linked.case.id, voice.id, text="Mi hermano", voice_message_id=note.id
        )
        await concerns.create(uow, linked.case.id, ConcernKind.COMPLAINT, text="Me gritan")
        await uow.commit()
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, linked.case.id)
        assert case is not None
        await consent.withdraw(uow, case, channel=Channel.TELEGRAM)  # the home keeps 0 days
        await uow.commit()
    async with container.uow() as uow:
        (idea,) = await uow.session.scalars(select(Proposal))
        assert proposals.text_of(uow, idea) == ""
        (kept,) = await uow.session.scalars(select(EvaluationVoice))
        assert kept.note_ciphertext is None and kept.voice_message_id is None
        (concern,) = await uow.session.scalars(select(Concern))
        assert concern.text_ciphertext is None and concern.kind is ConcernKind.COMPLAINT
