"""Linking a chat to a case with a one-time code given in person."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from plan_store.enums import Channel
from plan_store.errors import (
    CaseClosed,
    CodeAlreadyUsed,
    CodeAttemptsBlocked,
    CodeExpired,
    CodeInvalid,
    PlanStoreError,
)
from plan_store.models import ChatLink
from plan_store.services import cases, chats, linking
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.plan_store.builders import Team, a_case

TELEGRAM = Channel.TELEGRAM


async def issue(container: Container, team: Team, case_id: int | None = None) -> str:
    async with container.uow() as uow:
        code = await linking.issue_code(uow, team.operator, case_id or team.case.id)
        await uow.commit()
    return code


async def redeem(
    container: Container, chat: str, code: str, channel: Channel = TELEGRAM
) -> PlanStoreError | None:
    """Type ``code`` in ``chat``; commit whatever happens, as the conversation does."""
    async with container.uow() as uow:
        try:
            await linking.redeem_code(uow, channel, chat, code)
        except PlanStoreError as error:
            await uow.commit()
            return error
        await uow.commit()
    return None


async def linked_case(container: Container, chat: str, channel: Channel = TELEGRAM) -> int | None:
    async with container.uow() as uow:
        context = await chats.chat_context(uow, channel, chat)
        await uow.commit()
        return context.case.id if context.case else None


async def test_a_linking_code_works_only_once(container: Container, team: Team) -> None:
    code = await issue(container, team)

    assert await redeem(container, "1001", code) is None
    error = await redeem(container, "2002", code)

    assert isinstance(error, CodeAlreadyUsed)
    assert await linked_case(container, "1001") == team.case.id
    assert await linked_case(container, "2002") is None


async def test_two_chats_racing_with_one_code_link_only_one(
    container: Container, team: Team
) -> None:
    code = await issue(container, team)

    outcomes = await asyncio.gather(
        redeem(container, "1001", code), redeem(container, "2002", code)
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["CodeAlreadyUsed", "NoneType"]
    async with container.uow() as uow:
        links = await uow.session.scalar(select(func.count(ChatLink.id)))
    assert links == 1


async def test_an_expired_code_is_refused(
    container: Container, team: Team, clock: FakeClock
) -> None:
    late = await issue(container, team)
    clock.advance(days=7)
    assert isinstance(await redeem(container, "1001", late), CodeExpired)

    in_time = await issue(container, team)
    clock.advance(days=6, hours=23)
    assert await redeem(container, "1001", in_time) is None
    assert await linked_case(container, "1001") == team.case.id


async def test_a_new_code_replaces_the_unused_one_before_it(
    container: Container, team: Team
) -> None:
    first = await issue(container, team)
    second = await issue(container, team)

    assert isinstance(await redeem(container, "1001", first), CodeExpired)
    assert await redeem(container, "1001", second) is None


async def test_an_unknown_code_is_refused(container: Container, team: Team) -> None:
    await issue(container, team)
    error = await redeem(container, "1001", "ABCD2345")
    assert type(error) is CodeInvalid
    assert await linked_case(container, "1001") is None


async def test_a_code_is_accepted_as_people_type_it(container: Container, team: Team) -> None:
    code = await issue(container, team)
    typed = f" {code[:4].lower()}-{code[4:].lower()} "
    assert linking.looks_like_code(typed)
    assert await redeem(container, "1001", typed) is None


async def test_only_a_hash_of_the_code_is_stored(container: Container, team: Team) -> None:
    code = await issue(container, team)
    async with container.uow() as uow:
        rows = (await uow.session.execute(text("SELECT * FROM linking_codes"))).all()
    assert len(rows) == 1
    assert all(code not in str(value) for value in rows[0])


async def test_wrong_codes_slow_the_chat_down(
    container: Container, team: Team, clock: FakeClock
) -> None:
    code = await issue(container, team)
    for _ in range(linking.FREE_ATTEMPTS):
        assert type(await redeem(container, "1001", "WRNG2345")) is CodeInvalid

    # The next wrong code blocks the chat for two minutes, even for the right code...
    assert type(await redeem(container, "1001", "WRNG2345")) is CodeInvalid
    assert isinstance(await redeem(container, "1001", code), CodeAttemptsBlocked)
    clock.advance(minutes=1, seconds=59)
    assert isinstance(await redeem(container, "1001", code), CodeAttemptsBlocked)
    # ...but not another chat.
    assert type(await redeem(container, "3003", "WRNG2345")) is CodeInvalid

    clock.advance(seconds=1)
    assert await redeem(container, "1001", code) is None
    async with container.uow() as uow:
        session = await chats.chat_session(uow, TELEGRAM, "1001")
        assert session.failed_code_attempts == 0
        assert session.code_blocked_until is None


async def test_each_further_wrong_code_doubles_the_wait_up_to_an_hour(
    container: Container, team: Team, clock: FakeClock
) -> None:
    waits = []
    for _ in range(linking.FREE_ATTEMPTS):
        await redeem(container, "1001", "WRNG2345")
    for _ in range(8):
        assert type(await redeem(container, "1001", "WRNG2345")) is CodeInvalid
        async with container.uow() as uow:
            session = await chats.chat_session(uow, TELEGRAM, "1001")
            blocked_until = session.code_blocked_until
        assert blocked_until is not None
        waits.append(blocked_until - clock.now)
        clock.now = blocked_until
    assert [int(w / timedelta(minutes=1)) for w in waits] == [2, 4, 8, 16, 32, 60, 60, 60]


async def test_a_closed_case_cannot_get_new_codes(container: Container, team: Team) -> None:
    given_before = await issue(container, team)
    async with container.uow() as uow:
        await cases.close_case(uow, team.coordinator, team.case.id)
        await uow.commit()

    async with container.uow() as uow:
        with pytest.raises(CaseClosed):
            await linking.issue_code(uow, team.operator, team.case.id)
    assert isinstance(await redeem(container, "1001", given_before), CaseClosed)
    assert await linked_case(container, "1001") is None


async def test_a_chat_linked_again_shows_only_the_new_case(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        await uow.commit()
    assert await redeem(container, "1001", await issue(container, team)) is None

    assert await redeem(container, "1001", await issue(container, team, other.id)) is None

    assert await linked_case(container, "1001") == other.id
    async with container.uow() as uow:
        assert await chats.active_links_of(uow, team.case.id) == []


async def test_a_new_phone_replaces_the_old_chat_on_the_same_channel_only(
    container: Container, team: Team
) -> None:
    assert await redeem(container, "1001", await issue(container, team)) is None
    whatsapp_code = await issue(container, team)
    assert await redeem(container, "5255501", whatsapp_code, Channel.WHATSAPP) is None
    assert await redeem(container, "2002", await issue(container, team)) is None

    assert await linked_case(container, "1001") is None
    assert await linked_case(container, "2002") == team.case.id
    assert await linked_case(container, "5255501", Channel.WHATSAPP) == team.case.id
