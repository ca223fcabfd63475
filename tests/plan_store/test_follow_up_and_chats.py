"""Check-ins after care, and a chat's stored place in the conversation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from plan_store.enums import Channel
from plan_store.errors import InvalidTransition, NotFound, NotOwnedByCase, ValidationFailed
from plan_store.models import AuditEntry, ChatLink
from plan_store.services import cases, chats, follow_up, linking
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import Team, a_case, a_linked_chat, a_team


@pytest.fixture
async def team(container: Container) -> Team:
    async with container.uow() as uow:
        team = await a_team(uow, age=18)
        await uow.commit()
    return team


async def left_care(container: Container, team: Team, until: date) -> None:
    async with container.uow() as uow:
        await cases.move_to_follow_up(uow, team.operator, team.case.id, follow_up_until=until)
        await uow.commit()


async def test_check_ins_happen_only_during_the_follow_up(
    container: Container, team: Team, clock: FakeClock
) -> None:
    today = clock.now.date()
    until = today + timedelta(days=180)
    async with container.uow() as uow:
        with pytest.raises(InvalidTransition):  # still in care
            await follow_up.checkin_due(uow, team.case.id, today + timedelta(days=30))
    await left_care(container, team, until)

    async with container.uow() as uow:
        first = await follow_up.checkin_due(uow, team.case.id, today + timedelta(days=30))
        again = await follow_up.checkin_due(uow, team.case.id, today + timedelta(days=30))
        last = await follow_up.checkin_due(uow, team.case.id, until)
        assert again.id == first.id != last.id
        with pytest.raises(ValidationFailed):
            await follow_up.checkin_due(uow, team.case.id, until + timedelta(days=1))
        with pytest.raises(NotFound):
            await follow_up.checkin_due(uow, team.case.id + 100, until)


async def test_a_check_in_keeps_only_the_answers_it_asked_for(
    container: Container, team: Team, clock: FakeClock
) -> None:
    today = clock.now.date()
    await left_care(container, team, today + timedelta(days=90))
    async with container.uow() as uow:
        checkin = await follow_up.checkin_due(uow, team.case.id, today + timedelta(days=30))
        await uow.commit()
    clock.advance(days=30)

    async with container.uow() as uow:
        await follow_up.answer_checkin(
            uow, team.case.id, checkin.id, {"housing": "stable", "shoe_size": 38}
        )
        await follow_up.answer_checkin(uow, team.case.id, checkin.id, {"wants_contact": True})
        await uow.commit()
    async with container.uow() as uow:
        answered = await follow_up.checkin_due(uow, team.case.id, today + timedelta(days=30))
        assert answered.answers == {"housing": "stable", "wants_contact": True}
        assert answered.answered_at == clock.now


async def test_a_check_in_is_answered_only_by_its_own_adolescent(
    container: Container, team: Team, clock: FakeClock
) -> None:
    today = clock.now.date()
    await left_care(container, team, today + timedelta(days=90))
    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        checkin = await follow_up.checkin_due(uow, team.case.id, today + timedelta(days=30))
        with pytest.raises(NotOwnedByCase):
            await follow_up.answer_checkin(uow, other.id, checkin.id, {"health": "bien"})
        with pytest.raises(NotFound):
            await follow_up.answer_checkin(uow, team.case.id, checkin.id + 100, {})


async def test_a_chat_is_remembered_from_its_first_message_before_any_link(
    container: Container,
) -> None:
    async with container.uow() as uow:
        first = await chats.chat_context(uow, Channel.TELEGRAM, "1001")
        first.session.language = "mam"
        await uow.commit()
    async with container.uow() as uow:
        again = await chats.chat_context(uow, Channel.TELEGRAM, "1001")
        other_channel = await chats.chat_context(uow, Channel.WHATSAPP, "1001")
        assert again.session.id == first.session.id
        assert again.session.language == "mam"
        assert (again.linked, again.case) == (False, None)
        assert other_channel.session.id != first.session.id


async def test_the_last_inbound_time_only_moves_forward(
    container: Container, clock: FakeClock
) -> None:
    """A late or repeated delivery of an old message does not reopen WhatsApp's
    24-hour reply window, and a clock ahead of ours is not believed."""
    start = clock.now
    async with container.uow() as uow:
        assert await chats.last_inbound_at(uow, Channel.WHATSAPP, "5255501") is None
        await chats.note_inbound(uow, Channel.WHATSAPP, "5255501", start - timedelta(minutes=5))
        await uow.commit()
    clock.advance(hours=1)
    async with container.uow() as uow:
        await chats.note_inbound(uow, Channel.WHATSAPP, "5255501", start - timedelta(days=1))
        await uow.commit()
        assert await chats.last_inbound_at(uow, Channel.WHATSAPP, "5255501") == start - timedelta(
            minutes=5
        )
        await chats.note_inbound(uow, Channel.WHATSAPP, "5255501", clock.now + timedelta(days=3))
        await uow.commit()
        assert await chats.last_inbound_at(uow, Channel.WHATSAPP, "5255501") == clock.now


async def test_a_chat_that_is_gone_is_unlinked_and_the_reason_kept(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        link = await a_linked_chat(uow, team.operator, team.case, "1001")
        await uow.commit()
    async with container.uow() as uow:
        (active,) = await chats.active_links_of(uow, team.case.id)
        await linking.unlink_chat(uow, active, "chat_gone")
        await uow.commit()
    async with container.uow() as uow:
        assert not (await chats.chat_context(uow, Channel.TELEGRAM, "1001")).linked
        gone = await uow.session.get(ChatLink, link.id)
        assert gone is not None and (gone.active, gone.unlink_reason) == (False, "chat_gone")
        reasons = await uow.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "chat.unlink")
        )
        assert list(reasons) == [{"reason": "chat_gone", "channel": "telegram"}]
