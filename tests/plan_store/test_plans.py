"""The life plan: goals by programme and horizon; steps marked done by the adolescent
and confirmed by staff."""

from __future__ import annotations

import pytest

from plan_store.enums import GoalStatus, Horizon, Programme
from plan_store.errors import (
    CaseClosed,
    NotFound,
    NotOwnedByCase,
    OutOfScope,
    StepNotDone,
    ValidationFailed,
)
from plan_store.services import cases, plans
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import Team, a_case, a_goal


async def test_a_goal_on_another_adolescents_plan_cannot_be_changed_by_chat(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        their_goal, their_steps = await a_goal(uow, team.operator, other)
        await uow.commit()

    async with container.uow() as uow:
        with pytest.raises(NotOwnedByCase):
            await plans.mark_step_done(uow, team.case.id, their_steps[0].id)
        with pytest.raises(NotOwnedByCase):
            await plans.goal_of_case(uow, team.case.id, their_goal.id)
        with pytest.raises(NotOwnedByCase):
            await plans.add_step(
                uow, None, team.case.id, their_goal.id, title="Otra cosa", responsible="Lu"
            )
        await uow.commit()

    async with container.uow() as uow:
        (goal,) = await plans.goals_of(uow, other.id)
        assert goal.status is GoalStatus.NOT_STARTED
        assert [step.done_at for step in goal.steps] == [None, None]
        assert len(goal.steps) == 2


async def test_staff_confirm_only_a_step_marked_done(
    container: Container, team: Team, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        _, steps = await a_goal(uow, team.operator, team.case)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(StepNotDone):
            await plans.confirm_step(uow, team.operator, team.case.id, steps[0].id)

    async with container.uow() as uow:
        await plans.mark_step_done(uow, team.case.id, steps[0].id)
        await uow.commit()
    done_at = clock.now
    clock.advance(hours=5)
    async with container.uow() as uow:
        (shown,) = await plans.goals_of(uow, team.case.id)
        assert shown.status is GoalStatus.IN_PROGRESS
        assert plans.progress(shown) == plans.Progress(confirmed=0, total=2)
        next_step = plans.next_step(shown)
        assert next_step is not None and next_step.id == steps[1].id

        await plans.mark_step_done(uow, team.case.id, steps[0].id)  # said twice: kept once
        await plans.confirm_step(uow, team.operator, team.case.id, steps[0].id)
        await uow.commit()

    async with container.uow() as uow:
        (shown,) = await plans.goals_of(uow, team.case.id)
        assert plans.progress(shown) == plans.Progress(confirmed=1, total=2)
        assert shown.steps[0].done_at == done_at
        assert shown.steps[0].confirmed_at == clock.now
        assert shown.steps[0].confirmed_by_id == team.operator.id


async def test_goals_are_shown_by_programme_and_dropped_ones_are_hidden(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        school, _ = await a_goal(uow, team.operator, team.case, steps=())
        await a_goal(
            uow,
            team.operator,
            team.case,
            title="Abrir una cuenta de ahorro",
            programme=Programme.INDEPENDENT_LIVING,
            horizon=Horizon.SHORT,
            steps=(),
        )
        dropped, _ = await a_goal(uow, team.operator, team.case, title="Aprender a nadar", steps=())
        await plans.update_goal(
            uow, team.operator, team.case.id, dropped.id, status=GoalStatus.DROPPED
        )
        await uow.commit()

    async with container.uow() as uow:
        everything = await plans.goals_of(uow, team.case.id)
        education = await plans.goals_of(uow, team.case.id, Programme.EDUCATION)
        assert [g.title for g in everything] == [
            "Terminar la secundaria",
            "Abrir una cuenta de ahorro",
        ]
        assert [g.id for g in education] == [school.id]


async def test_a_goal_is_edited_only_in_what_a_goal_has(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        goal, _ = await a_goal(uow, team.operator, team.case, steps=())
        with pytest.raises(ValidationFailed):
            await plans.update_goal(uow, team.operator, team.case.id, goal.id, plan_id=99)
        for title in ("   ", "x" * 201):
            with pytest.raises(ValidationFailed):
                await plans.update_goal(uow, team.operator, team.case.id, goal.id, title=title)
        with pytest.raises(OutOfScope):
            await plans.update_goal(
                uow, team.other_operator, team.case.id, goal.id, title="Otro título"
            )
        updated = await plans.update_goal(
            uow, team.operator, team.case.id, goal.id, title="  Terminar   la prepa "
        )
        assert updated.title == "Terminar la prepa"
        with pytest.raises(NotFound):
            await plans.mark_step_done(uow, team.case.id, 12345)


async def test_a_closed_case_plan_cannot_be_changed(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        goal, _ = await a_goal(uow, team.operator, team.case)
        await cases.close_case(uow, team.coordinator, team.case.id)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(CaseClosed):
            await a_goal(uow, team.operator, team.case)
        with pytest.raises(CaseClosed):
            await plans.update_goal(uow, team.operator, team.case.id, goal.id, title="Nuevo")


async def test_within_a_programme_short_term_goals_come_first(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        for title, horizon in (
            ("Estudiar enfermería", Horizon.LONG),
            ("Presentar el examen de secundaria", Horizon.MEDIUM),
            ("Ir a la asesoría del martes", Horizon.SHORT),
        ):
            await a_goal(uow, team.operator, team.case, title=title, horizon=horizon, steps=())
        await uow.commit()
    async with container.uow() as uow:
        shown = await plans.goals_of(uow, team.case.id, Programme.EDUCATION)
        assert [goal.horizon for goal in shown] == [Horizon.SHORT, Horizon.MEDIUM, Horizon.LONG]


async def test_goals_and_steps_added_in_one_go_keep_the_order_they_were_added_in(
    container: Container, team: Team
) -> None:
    titles = ("Sacar el acta de nacimiento", "Pedir la CURP", "Inscribirme", "Ir a clases")
    async with container.uow() as uow:
        first, steps = await a_goal(uow, team.operator, team.case, steps=titles)
        second, _ = await a_goal(uow, team.operator, team.case, title="Leer un libro", steps=())
        await uow.commit()
    assert [step.position for step in steps] == [0, 1, 2, 3]
    assert (first.position, second.position) == (0, 1)
    async with container.uow() as uow:
        (shown, _) = await plans.goals_of(uow, team.case.id)
        assert [step.title for step in shown.steps] == list(titles)
        next_step = plans.next_step(shown)
        assert next_step is not None and next_step.title == titles[0]
