"""The services of her voice in the plan, on SQLite and PostgreSQL: proposals and the
team's decisions, the answers before an evaluation, agreements, concerns that only
coordination reads, and house rules."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from plan_store.enums import (
    AgreementAnswer,
    ConcernKind,
    Horizon,
    Programme,
    ProposalKind,
    ProposalStatus,
)
from plan_store.errors import InvalidTransition, NotFound, OutOfScope, ValidationFailed
from plan_store.models import AuditEntry, Goal, Step
from plan_store.services import concerns, evaluation_voice, evaluations, house_rules, proposals
from rumbo.container import Container
from tests.plan_store.builders import Team, a_goal


async def test_an_accepted_step_joins_its_goal_in_her_words_and_is_hers(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        goal, _ = await a_goal(uow, team.operator, team.case)
        idea = await proposals.propose_step(
            uow, team.case.id, goal.id, text="  Pedir   mi certificado ", due_on=date(2026, 3, 9)
        )
        assert (idea.kind, idea.programme) == (ProposalKind.STEP, goal.programme)
        accepted = await proposals.accept(uow, team.operator, team.case.id, idea.id)
        await uow.commit()
        step = await uow.session.get(Step, accepted.result_step_id)
        assert step is not None
        assert (step.title, step.responsible, step.due_on) == (
            "Pedir mi certificado",
            team.case.alias,
            date(2026, 3, 9),
        )
        assert step.goal_id == goal.id
        with pytest.raises(InvalidTransition):
            await proposals.decline(uow, team.operator, team.case.id, idea.id, "No.")


async def test_a_decline_needs_a_reason_and_another_operator_cannot_decide(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        idea = await proposals.propose_goal(
            uow,
            team.case.id,
            programme=Programme.PERSONAL_GROWTH,
            horizon=Horizon.MEDIUM,
            text="Aprender guitarra",
        )
        with pytest.raises(ValidationFailed):
            await proposals.decline(uow, team.operator, team.case.id, idea.id, "   ")
        with pytest.raises(NotFound):
            await proposals.accept(uow, team.other_operator, team.case.id, idea.id)
        await proposals.rework(uow, team.operator, team.case.id, idea.id, "¿Lo vemos?")
        accepted = await proposals.accept(
            uow, team.coordinator, team.case.id, idea.id, title="Clases de guitarra los jueves"
        )
        await uow.commit()
        assert accepted.status is ProposalStatus.ACCEPTED and accepted.told_at is None
        goal = await uow.session.get(Goal, accepted.result_goal_id)
        assert goal is not None and goal.title == "Clases de guitarra los jueves"
        ((told, _),) = await proposals.to_tell(uow)
        assert told.id == idea.id


async def test_answers_before_an_evaluation_are_hers_only_and_reach_the_sheet(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        voice = await evaluation_voice.ask(uow, team.case.id, date(2026, 3, 5))
        again = await evaluation_voice.ask(uow, team.case.id, date(2026, 3, 5))
        assert again.id == voice.id
        await evaluation_voice.answer(uow, team.case.id, voice.id, "going", "good")
        with pytest.raises(ValidationFailed):
            await evaluation_voice.answer(uow, team.case.id, voice.id, "secret", "x")
        await evaluation_voice.add_words(uow, team.case.id, voice.id, text="Uno")
        await evaluation_voice.add_words(uow, team.case.id, voice.id, text="Dos")
        await uow.commit()
        found = await evaluation_voice.for_sheet(uow, team.case, date(2026, 3, 1))
        assert found is not None and evaluation_voice.note_of(uow, found) == "Uno\nDos"


async def test_agreements_are_sent_once_and_answered_only_by_her(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        held = await evaluations.record(uow, team.coordinator, team.case.id, summary="Bien.")
        assert (
            await evaluation_voice.set_agreements(
                uow, team.coordinator, team.case.id, held.id, ["", "  "]
            )
            is None
        )
        agreed = await evaluation_voice.set_agreements(
            uow, team.coordinator, team.case.id, held.id, ["• Ir a la escuela", "Dormir a las 22"]
        )
        assert agreed is not None
        assert evaluation_voice.items_of(uow, agreed) == ["Ir a la escuela", "Dormir a las 22"]
        with pytest.raises(NotFound):  # not sent yet
            await evaluation_voice.answer_agreements(
                uow, team.case.id, agreed.id, AgreementAnswer.AGREED
            )
        await evaluation_voice.share(uow, team.coordinator, team.case.id, agreed.id)
        with pytest.raises(InvalidTransition):
            await evaluation_voice.share(uow, team.coordinator, team.case.id, agreed.id)
        ((sent, _, _),) = await evaluation_voice.to_send(uow)
        sent.sent_at = uow.now()
        await evaluation_voice.answer_agreements(
            uow, team.case.id, agreed.id, AgreementAnswer.AGREED
        )
        await uow.commit()
        assert await evaluation_voice.to_send(uow) == []


async def test_a_concern_is_read_by_coordination_only_never_by_the_person_it_is_about(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        concern = await concerns.create(
            uow, team.case.id, ConcernKind.OPERATOR_CHANGE, text="Quiero a otra persona"
        )
        assert concern.about_staff_id == team.operator.id
        await uow.commit()
        for outsider in (team.operator, team.other_operator):
            with pytest.raises(OutOfScope):
                await concerns.read(uow, outsider, concern.id)
            assert await concerns.listing(uow, outsider) == []
        read = await concerns.read(uow, team.coordinator, concern.id)
        assert concerns.text_of(uow, read) == "Quiero a otra persona"
        with pytest.raises(ValidationFailed):
            await concerns.handle(uow, team.coordinator, concern.id, " ")
        await concerns.handle(uow, team.coordinator, concern.id, "Cambiamos a Beto.")
        await uow.commit()
    async with container.uow() as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditEntry.action).where(AuditEntry.target == f"concern:{concern.id}")
            )
        )
        assert actions.count("concern.refused") == 2
        assert "concern.read" in actions and "concern.handle" in actions


async def test_house_rules_are_written_by_the_homes_coordination(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        with pytest.raises(OutOfScope):
            await house_rules.set_rules(uow, team.operator, team.home.id, "x")
        home = await house_rules.set_rules(
            uow, team.coordinator, team.home.id, "  • Llegar a las 20:00   \n• Ayudar  \n"
        )
        assert home.house_rules == "• Llegar a las 20:00\n• Ayudar"
        assert [h.id for h in await house_rules.editable_homes(uow, team.coordinator)] == [
            team.home.id
        ]
        assert await house_rules.editable_homes(uow, team.operator) == []
        await uow.commit()
