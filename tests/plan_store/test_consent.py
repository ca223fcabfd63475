"""Consent: versioned, per purpose, asked again at 18 and when the text changes;
withdrawal stops everything at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import LargeBinary, select

from plan_store.enums import (
    AppointmentAnswer,
    AppointmentKind,
    Channel,
    ConsentDecision,
    ConsentPurpose,
    FlagCategory,
    OutboxStatus,
    RequestReason,
    Severity,
    Urgency,
)
from plan_store.errors import CodeExpired, ConsentMissing, ValidationFailed
from plan_store.models import Adolescent, Base, OutboxMessage
from plan_store.services import (
    access,
    appointments,
    chats,
    consent,
    flags,
    linking,
    messages,
    requests,
)
from plan_store.unit_of_work import UnitOfWork
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import (
    Team,
    a_case,
    a_linked_chat,
    a_team,
    birth_date_for_age,
    consent_given,
)

MESSAGING = ConsentPurpose.MESSAGING


async def publish(uow: UnitOfWork, version: int, language: str = "es") -> None:
    await consent.publish_text(
        uow,
        purpose=MESSAGING,
        version=version,
        language=language,
        summary=f"Versión {version}: guardamos tus mensajes para tu equipo.",
        details="Puedes retirar tu permiso cuando quieras.",
    )


async def is_valid(container: Container, case_id: int) -> bool:
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        try:
            await consent.require(uow, case)
        except ConsentMissing:
            return False
        return True


async def give(container: Container, case_id: int, decision: ConsentDecision) -> None:
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        await consent.decide(uow, case, decision=decision, language="es", channel=Channel.TELEGRAM)
        await uow.commit()


async def test_consent_is_missing_until_given_on_the_current_version(
    container: Container,
) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        await uow.commit()
    assert not await is_valid(container, team.case.id)

    await give(container, team.case.id, ConsentDecision.REFUSED)
    assert not await is_valid(container, team.case.id)

    await give(container, team.case.id, ConsentDecision.GIVEN)
    assert await is_valid(container, team.case.id)
    async with container.uow() as uow:
        now = await consent.state(uow, team.case)
        follow_up = await consent.state(uow, team.case, ConsentPurpose.FOLLOW_UP)
    assert (now.decision, now.version, now.current_version) == (ConsentDecision.GIVEN, 1, 1)
    assert follow_up.decision is None  # consent is per purpose


async def test_a_new_consent_text_version_asks_again(container: Container) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        await publish(uow, 1)
        await uow.commit()
    await give(container, team.case.id, ConsentDecision.GIVEN)

    async with container.uow() as uow:
        await publish(uow, 1, "en")  # a translation of the same version asks nothing
        await uow.commit()
    assert await is_valid(container, team.case.id)

    async with container.uow() as uow:
        await publish(uow, 2)
        await uow.commit()
    assert not await is_valid(container, team.case.id)

    await give(container, team.case.id, ConsentDecision.GIVEN)
    assert await is_valid(container, team.case.id)
    async with container.uow() as uow:
        assert (await consent.state(uow, team.case)).version == 2


async def test_consent_text_versions_only_move_forward_one_at_a_time(
    container: Container,
) -> None:
    async with container.uow() as uow:
        await publish(uow, 1)
        await publish(uow, 2)
        for version in (1, 4):
            with pytest.raises(ValidationFailed):
                await publish(uow, version)
        with pytest.raises(ValidationFailed):
            await consent.publish_text(
                uow, purpose=MESSAGING, version=2, language="mam", summary="  ", details=""
            )


async def test_the_consent_text_falls_back_to_spanish(container: Container) -> None:
    async with container.uow() as uow:
        await publish(uow, 1, "es")
        await publish(uow, 1, "en")
        spanish = await consent.current_text(uow, MESSAGING, "mam")
        english = await consent.current_text(uow, MESSAGING, "en")
        assert spanish is not None and spanish.language == "es"
        assert english is not None and english.language == "en"
        assert await consent.current_text(uow, ConsentPurpose.FOLLOW_UP, "es") is None


async def test_consent_is_asked_again_at_18(container: Container, clock: FakeClock) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        today = clock.now.date()
        case = await a_case(
            uow,
            team.home,
            team.operator,
            "CAS-017",
            birth_date=birth_date_for_age(today, 17, days_to_birthday=10),
        )
        await uow.commit()
    await give(container, case.id, ConsentDecision.GIVEN)

    clock.advance(days=9)
    assert await is_valid(container, case.id)
    clock.advance(days=1)
    assert not await is_valid(container, case.id)
    async with container.uow() as uow:
        assert (await consent.state(uow, case)).needs_reconsent_at_18

    await give(container, case.id, ConsentDecision.GIVEN)
    assert await is_valid(container, case.id)


async def test_the_states_of_many_cases_at_once_are_each_ones_state(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consent, "CHUNK", 2)  # several chunks out of a few cases
    follow_up = ConsentPurpose.FOLLOW_UP
    async with container.uow() as uow:
        team = await a_team(uow)
        home, operator = team.home, team.operator
        silent = await a_case(uow, home, operator, "CAS-002")
        refused = await a_case(uow, home, operator, "CAS-003")
        stopped = await a_case(uow, home, operator, "CAS-004")
        minor = await a_case(uow, home, operator, "CAS-005", age=17, days_to_birthday=2)
        for case, decision, purpose in (
            (team.case, ConsentDecision.REFUSED, MESSAGING),
            (team.case, ConsentDecision.GIVEN, MESSAGING),
            (team.case, ConsentDecision.GIVEN, follow_up),
            (refused, ConsentDecision.GIVEN, MESSAGING),
            (refused, ConsentDecision.REFUSED, MESSAGING),
            (stopped, ConsentDecision.GIVEN, MESSAGING),
            (stopped, ConsentDecision.GIVEN, follow_up),
            (minor, ConsentDecision.GIVEN, MESSAGING),
        ):
            await consent.decide(
                uow, case, decision=decision, language="es", channel=None, purpose=purpose
            )
        await consent.withdraw_purpose(uow, stopped, follow_up, language="es", channel=None)
        await uow.commit()
    clock.advance(days=3)  # the minor has turned 18
    async with container.uow() as uow:  # a new text: the check-ins are asked again
        await consent.publish_text(
            uow, purpose=follow_up, version=2, language="es", summary="v2", details=""
        )
        await uow.commit()

    async with container.uow() as uow:
        everyone = list(await uow.session.scalars(select(Adolescent).order_by(Adolescent.id)))
        assert [case.id for case in everyone] == [
            c.id for c in (team.case, silent, refused, stopped, minor)
        ]
        for purpose in ConsentPurpose:
            one_by_one = {case.id: await consent.state(uow, case, purpose) for case in everyone}
            assert await consent.states(uow, everyone, purpose) == one_by_one
        messaging = list((await consent.states(uow, everyone)).values())
        assert [s.valid for s in messaging] == [True, False, False, True, False]
        assert messaging[-1].needs_reconsent_at_18
        checkins = list((await consent.states(uow, everyone, follow_up)).values())
        assert [s.decision for s in checkins] == [
            ConsentDecision.GIVEN,
            None,
            None,
            ConsentDecision.WITHDRAWN,
            None,
        ]
        assert not any(s.allows for s in checkins)  # nobody said yes to version 2


async def test_consent_given_the_evening_before_turning_18_is_asked_again_next_morning(
    container: Container, clock: FakeClock
) -> None:
    """The home is in Mexico City (UTC-6): 20:00 on 2 March there is already 3 March
    in UTC. The adolescent was still 17 when they agreed."""
    async with container.uow() as uow:
        team = await a_team(uow)
        case = await a_case(uow, team.home, team.operator, "CAS-018", birth_date=date(2008, 3, 3))
        await uow.commit()
    clock.now = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 20:00 on 2 March, local
    await give(container, case.id, ConsentDecision.GIVEN)
    assert await is_valid(container, case.id)

    clock.now = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # 07:00 on the birthday
    assert not await is_valid(container, case.id)


async def a_case_with_chat_content(container: Container, team: Team) -> None:
    """Two linked chats, consent, words from the adolescent and a reply waiting."""
    async with container.uow() as uow:
        await a_linked_chat(uow, team.operator, team.case, "1001")
        await a_linked_chat(uow, team.operator, team.case, "5255501", Channel.WHATSAPP)
        await consent_given(uow, team.case)
        inbound = await messages.record_inbound(
            uow, team.case.id, channel=Channel.TELEGRAM, body="Me quieren llevar a otro lado"
        )
        await flags.raise_flag(
            uow,
            team.case.id,
            category=FlagCategory.RUNNING_AWAY,
            severity=Severity.HIGH,
            message_id=inbound.id,
        )
        await requests.create(
            uow,
            team.case.id,
            reason=RequestReason.SOMETHING_HAPPENED,
            urgency=Urgency.URGENT,
            message="Ayúdame por favor",
        )
        await messages.reply(uow, team.operator, team.case.id, "Te llamo a las cinco")
        school = await appointments.schedule(
            uow,
            team.operator,
            team.case.id,
            kind=AppointmentKind.SCHOOL,
            title="Inscripción",
            place="Secundaria 12",
            starts_at=uow.now() + timedelta(days=2),
        )
        await appointments.answer(
            uow,
            team.case.id,
            school.id,
            AppointmentAnswer.CANNOT_GO,
            reason="No me dejan salir",
            channel=Channel.TELEGRAM,
        )
        await uow.commit()


WORDS = ("Me quieren llevar", "Ayúdame", "Te llamo a las cinco", "No me dejan salir")


async def readable_words(uow: UnitOfWork) -> list[str]:
    """Every encrypted value in the database, decrypted, that holds one of WORDS."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, LargeBinary):
                for value in await uow.session.scalars(select(column)):
                    plain = uow.cipher.decrypt(value) if value is not None else ""
                    found += [w for w in WORDS if w in plain]
    return found


async def withdraw(container: Container, case_id: int) -> None:
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        await consent.withdraw(uow, case, channel=Channel.TELEGRAM)
        await uow.commit()


async def test_withdrawal_unlinks_cancels_pending_messages_and_erases_chat_content(
    container: Container,
) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        await uow.commit()
    await a_case_with_chat_content(container, team)
    async with container.uow() as uow:  # the reply is in the timeline and in the outbox
        assert sorted(await readable_words(uow)) == sorted([*WORDS, "Te llamo a las cinco"])

    await withdraw(container, team.case.id)

    assert not await is_valid(container, team.case.id)
    async with container.uow() as uow:
        for channel, chat in ((Channel.TELEGRAM, "1001"), (Channel.WHATSAPP, "5255501")):
            assert not (await chats.chat_context(uow, channel, chat)).linked
        for purpose in ConsentPurpose:
            state = await consent.state(uow, team.case, purpose)
            assert state.decision is ConsentDecision.WITHDRAWN
        outbox = list(await uow.session.scalars(select(OutboxMessage)))
        assert [row.status for row in outbox] == [OutboxStatus.CANCELLED]
        assert await messages.timeline(uow, team.case.id) == []
        assert await readable_words(uow) == []
        # The case record the law requires stays with staff, without the words.
        case = await access.case_for_staff(uow, team.operator, team.case.id)
        assert case.case_number == "CAS-001"
        (flag,) = await flags.for_case(uow, team.case.id)
        assert flag.category is FlagCategory.RUNNING_AWAY and flag.message_id is None
        (request,) = await requests.open_for(uow, team.case.id)
        assert request.urgency is Urgency.URGENT
        assert requests.message_of(uow, request) == ""


async def test_after_withdrawal_a_code_handed_out_before_no_longer_links(
    container: Container,
) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        spare = await linking.issue_code(uow, team.operator, team.case.id)
        await uow.commit()

    await withdraw(container, team.case.id)

    async with container.uow() as uow:
        with pytest.raises(CodeExpired):
            await linking.redeem_code(uow, Channel.TELEGRAM, "1001", spare)
    async with container.uow() as uow:  # coming back takes a new code, given in person
        fresh = await linking.issue_code(uow, team.operator, team.case.id)
        await linking.redeem_code(uow, Channel.TELEGRAM, "1001", fresh)
        await uow.commit()
    assert not await is_valid(container, team.case.id)  # and consent again


async def test_a_home_that_keeps_chat_content_erases_it_after_its_retention_period(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        team = await a_team(uow, retention_days=30)
        await uow.commit()
    await a_case_with_chat_content(container, team)
    await withdraw(container, team.case.id)

    async def erase_due() -> tuple[int, int]:
        async with container.uow() as uow:
            erased = await consent.erase_expired_content(uow)
            await uow.commit()
            return erased, len(await messages.timeline(uow, team.case.id))

    clock.advance(days=29, hours=23)
    assert await erase_due() == (0, 2)
    clock.advance(hours=1)
    assert await erase_due() == (2, 0)
    async with container.uow() as uow:
        assert await readable_words(uow) == []


async def test_consent_given_again_within_the_retention_period_keeps_the_content(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        team = await a_team(uow, retention_days=30)
        await uow.commit()
    await a_case_with_chat_content(container, team)
    await withdraw(container, team.case.id)
    clock.advance(days=3)
    await give(container, team.case.id, ConsentDecision.GIVEN)

    clock.advance(days=60)
    async with container.uow() as uow:
        assert await consent.erase_expired_content(uow) == 0
        assert len(await messages.timeline(uow, team.case.id)) == 2


async def test_withdrawal_is_its_own_action(container: Container) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        with pytest.raises(ValidationFailed):
            await consent.decide(
                uow, team.case, decision=ConsentDecision.WITHDRAWN, language="es", channel=None
            )
