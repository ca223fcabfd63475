"""Homes and cases along the route of care, and the fortnightly evaluation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from plan_store.enums import (
    CareSetting,
    CaseStatus,
    Channel,
    FlagCategory,
    FlagStatus,
    Phase,
    Role,
    Severity,
)
from plan_store.errors import (
    CaseClosed,
    DuplicateName,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from plan_store.models import Adolescent, AuditEntry, Flag, Home, Message
from plan_store.services import cases, chats, evaluations, flags, homes, messages, plans
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import (
    Team,
    a_case,
    a_home,
    a_linked_chat,
    a_staff_member,
    an_operator,
    birth_date_for_age,
)


async def test_a_home_is_stored_with_its_settings(container: Container, clock: FakeClock) -> None:
    async with container.uow() as uow:
        await homes.create_home(
            uow, name="Casa Ceiba", kind=CareSetting.GROUP_HOME, evaluation_cadence_days=30
        )
        await uow.commit()
    async with container.uow() as uow:
        home = await uow.session.scalar(select(Home))
        assert home is not None
        assert (home.name, home.evaluation_cadence_days, home.retention_days) == (
            "Casa Ceiba",
            30,
            0,
        )
        assert home.created_at == clock.now
        assert home.emergency_numbers["Emergencias"] == "911"


async def test_a_home_is_checked_before_it_is_created(container: Container) -> None:
    async with container.uow() as uow:
        await a_home(uow, "Casa Ceiba")
        with pytest.raises(DuplicateName):
            await a_home(uow, "Casa Ceiba")
        kind = CareSetting.RESIDENTIAL_CENTRE
        with pytest.raises(ValidationFailed):
            await homes.create_home(uow, name="A", kind=kind, timezone="Mars/Olympus")
        for cadence in (0, 93):
            with pytest.raises(ValidationFailed):
                await homes.create_home(uow, name="B", kind=kind, evaluation_cadence_days=cadence)
        with pytest.raises(ValidationFailed):
            await homes.create_home(uow, name="C", kind=kind, retention_days=-1)


async def test_a_new_case_has_an_empty_plan_and_its_first_evaluation_date(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # still 1 March in Mexico City
    async with container.uow() as uow:
        home = await a_home(uow)
        ana = await an_operator(uow, home)
        case = await cases.create_case(
            uow,
            case_number=" cas-077 ",
            alias=" Mari ",
            birth_date=date(2011, 5, 4),
            home_id=home.id,
            phase=Phase.FIRST_RECEPTION,
            care_setting=CareSetting.RESIDENTIAL_CENTRE,
            reference_operator_id=ana.id,
        )
        await uow.commit()
    async with container.uow() as uow:
        assert (case.case_number, case.alias) == ("CAS-077", "Mari")
        assert case.status is CaseStatus.IN_CARE
        assert case.next_evaluation_on == date(2026, 3, 15)
        plan = await plans.plan_of(uow, case.id)
        assert plan.goals == []
        actions = await uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.adolescent_id == case.id)
        )
        assert list(actions) == ["case.create"]
        with pytest.raises(DuplicateName):
            await a_case(uow, home, ana, "Cas-077")


async def test_rumbo_serves_adolescents_from_10_to_21(
    container: Container, clock: FakeClock
) -> None:
    today = clock.now.date()
    async with container.uow() as uow:
        home = await a_home(uow)
        for age in (9, 22):
            with pytest.raises(ValidationFailed):
                await a_case(uow, home, None, f"AGE-{age}", age=age)
        for age in (10, 21):
            await a_case(uow, home, None, f"AGE-{age}", age=age)
        with pytest.raises(ValidationFailed):
            await a_case(uow, home, None, "EMPTY", alias="   ")
        assert cases.age_on(birth_date_for_age(today, 17, days_to_birthday=1), today) == 17


async def test_the_reference_operator_is_an_operator_of_the_same_home(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        elsewhere = await a_home(uow, "Casa Tonalá")
        far = await an_operator(uow, elsewhere, "dora")
        for wrong in (team.coordinator, far):
            with pytest.raises(ValidationFailed):
                await a_case(uow, team.home, wrong, "CAS-010")


async def test_follow_up_after_care_ends_at_21_at_the_latest(
    container: Container, team: Team, clock: FakeClock
) -> None:
    today = clock.now.date()
    async with container.uow() as uow:
        leap = await a_case(uow, team.home, team.operator, "CAS-029", birth_date=date(2008, 2, 29))
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(ValidationFailed):
            await cases.move_to_follow_up(uow, team.operator, leap.id, follow_up_until=today)
        moved = await cases.move_to_follow_up(
            uow, team.operator, leap.id, follow_up_until=date(2035, 1, 1)
        )
        assert moved.status is CaseStatus.FOLLOW_UP and moved.phase is Phase.AFTER_CARE
        assert moved.left_care_on == today
        assert moved.follow_up_until == date(2029, 3, 1)  # born on 29 February
        with pytest.raises(InvalidTransition):
            await cases.move_to_follow_up(
                uow, team.operator, leap.id, follow_up_until=date(2028, 1, 1)
            )


async def test_closing_a_case_unlinks_its_chats(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        await a_linked_chat(uow, team.operator, team.case, "1001")
        await uow.commit()
    async with container.uow() as uow:
        assert (await chats.chat_context(uow, Channel.TELEGRAM, "1001")).linked
        await cases.close_case(uow, team.coordinator, team.case.id)
        await uow.commit()
    async with container.uow() as uow:
        context = await chats.chat_context(uow, Channel.TELEGRAM, "1001")
        assert (context.linked, context.link) == (False, None)
        assert await chats.active_links_of(uow, team.case.id) == []
        with pytest.raises(CaseClosed):
            await cases.close_case(uow, team.coordinator, team.case.id)
        with pytest.raises(CaseClosed):
            await cases.change_phase(uow, team.operator, team.case.id, Phase.TRANSITION)


async def test_the_phase_changes_and_the_change_is_audited(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        await cases.change_phase(uow, team.operator, team.case.id, Phase.INDEPENDENCE)
        await uow.commit()
    async with container.uow() as uow:
        entry = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "case.phase")
        )
        assert entry is not None
        assert entry.details == {"from": "integration", "to": "independence"}


async def test_an_evaluation_covers_the_period_since_the_last_one(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 21:00 on 1 March, local
    async with container.uow() as uow:
        home = await a_home(uow, evaluation_cadence_days=30)
        worker = await a_staff_member(uow, home, "sofia", Role.COORDINATOR)
        case = await a_case(uow, home, None)
        await uow.commit()

    clock.now = datetime(2026, 3, 16, 17, 0, tzinfo=UTC)
    async with container.uow() as uow:
        first = await evaluations.record(uow, worker, case.id, summary="Va bien en la escuela.")
        await uow.commit()
    assert (first.period_start, first.held_on, first.next_on) == (
        date(2026, 3, 1),
        date(2026, 3, 16),
        date(2026, 4, 15),
    )

    clock.now = datetime(2026, 4, 14, 17, 0, tzinfo=UTC)
    async with container.uow() as uow:
        second = await evaluations.record(
            uow, worker, case.id, summary="Faltó dos veces.", next_on=date(2026, 4, 28)
        )
        await uow.commit()
        assert (second.period_start, second.next_on) == (date(2026, 3, 16), date(2026, 4, 28))
        last = await evaluations.last_of(uow, case.id)
        assert last is not None and last.id == second.id
    async with container.uow() as uow:
        reread = await uow.session.get(Adolescent, case.id)
        assert reread is not None and reread.next_evaluation_on == date(2026, 4, 28)


async def test_an_evaluation_is_recorded_once_held_and_names_the_next_one(
    container: Container, team: Team, clock: FakeClock
) -> None:
    today = clock.now.date()
    async with container.uow() as uow:
        record = evaluations.record
        with pytest.raises(ValidationFailed):
            await record(uow, team.coordinator, team.case.id, summary="   ")
        with pytest.raises(ValidationFailed):
            await record(uow, team.coordinator, team.case.id, summary="x", held_on=date(2026, 3, 3))
        with pytest.raises(ValidationFailed):
            await record(uow, team.coordinator, team.case.id, summary="x", next_on=today)
        await cases.close_case(uow, team.coordinator, team.case.id)
        with pytest.raises(CaseClosed):
            await record(uow, team.coordinator, team.case.id, summary="Cierre")


async def test_recording_an_evaluation_clears_what_was_marked_for_it(
    container: Container, team: Team
) -> None:
    case_id = team.case.id
    async with container.uow() as uow:
        first = await messages.record_inbound(uow, case_id, channel=Channel.TELEGRAM, body="uno")
        second = await messages.record_inbound(uow, case_id, channel=Channel.TELEGRAM, body="dos")
        flag = await flags.raise_flag(
            uow, case_id, category=FlagCategory.HEALTH, severity=Severity.LOW, message_id=first.id
        )
        await flags.mark_for_evaluation(uow, team.operator, case_id, flag.id)
        await messages.mark_for_evaluation(uow, team.operator, case_id, second.id)
        await uow.commit()

    async with container.uow() as uow:
        evaluation = await evaluations.record(
            uow, team.coordinator, case_id, summary="Hablamos de su salud."
        )
        await uow.commit()

    async with container.uow() as uow:
        marked_flags = await uow.session.scalars(
            select(Flag.id).where(Flag.adolescent_id == case_id, Flag.marked_for_evaluation)
        )
        marked_messages = await uow.session.scalars(
            select(Message.id).where(
                Message.adolescent_id == case_id, Message.marked_for_evaluation
            )
        )
        assert list(marked_flags) == [] and list(marked_messages) == []
        entry = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "evaluation.record")
        )
        assert entry is not None and entry.target == f"evaluation:{evaluation.id}"
        assert entry.details == {"flags": 1, "messages": 1}
        # The flag itself stays as it was: only the mark is cleared.
        kept = await uow.session.get(Flag, flag.id)
        assert kept is not None and kept.status is FlagStatus.OPEN


async def test_a_home_is_edited_with_the_same_checks_and_the_change_is_audited(
    container: Container, team: Team
) -> None:
    admin = await _an_admin(container)
    settings = {
        "name": "Casa Ceiba Norte",
        "kind": CareSetting.GROUP_HOME,
        "timezone": "America/Monterrey",
        "evaluation_cadence_days": 30,
        "retention_days": 5,
        "quiet_start": time(22, 0),
        "quiet_end": time(7, 0),
        "emergency_numbers": {"Emergencias": "911", "Guardia": "+52 81 1234 5678"},
    }
    async with container.uow() as uow:
        other = await homes.create_home(uow, name="Casa Nido", kind=CareSetting.GROUP_HOME)
        await uow.commit()
    async with container.uow() as uow:
        for wrong, error in (
            ({"timezone": "Mars/Olympus"}, ValidationFailed),
            ({"evaluation_cadence_days": 0}, ValidationFailed),
            ({"evaluation_cadence_days": 93}, ValidationFailed),
            ({"retention_days": -1}, ValidationFailed),
            ({"name": "  "}, ValidationFailed),
            ({"emergency_numbers": {}}, ValidationFailed),
            ({"emergency_numbers": {"Emergencias": "llama a alguien"}}, ValidationFailed),
            ({"emergency_numbers": {f"n{i}": "911" for i in range(7)}}, ValidationFailed),
            ({"name": "Casa Nido"}, DuplicateName),
        ):
            with pytest.raises(error):
                await homes.update_home(uow, admin, team.home.id, **(settings | wrong))
        with pytest.raises(NotFound):
            await homes.update_home(uow, admin, 999_999, **settings)
    async with container.uow() as uow:
        home = await homes.update_home(uow, admin, team.home.id, **settings)
        await uow.commit()
        assert (home.name, home.timezone, home.quiet_start) == (
            "Casa Ceiba Norte",
            "America/Monterrey",
            time(22, 0),
        )
        unchanged = await homes.update_home(uow, admin, team.home.id, **settings)
        assert unchanged.id == team.home.id
        await uow.commit()
    async with container.uow() as uow:
        entries = list(
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "home.update"))
        )
        assert len(entries) == 1  # saving the same settings again changes nothing
        assert entries[0].staff_id == admin.id and entries[0].target == f"home:{team.home.id}"
        assert entries[0].details["changed"] == sorted(settings)
        assert other.id != team.home.id


async def _an_admin(container: Container) -> StaffActor:
    async with container.uow() as uow:
        admin = await a_staff_member(uow, None, "root", Role.ADMIN)
        await uow.commit()
    return admin
