"""Linking codes are kept under a keyed hash: the data key is needed to check one."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from plan_store.crypto import Cipher, generate_key
from plan_store.enums import Channel
from plan_store.errors import CodeInvalid
from plan_store.models import LinkingCode
from plan_store.services import chats, keys, linking, staff_chats
from plan_store.unit_of_work import UnitOfWorkFactory
from rumbo.container import Container
from tests.plan_store.builders import a_team


def rotated(container: Container, *keys: str) -> UnitOfWorkFactory:
    factory = container.uow
    return UnitOfWorkFactory(factory.session_factory, Cipher(list(keys)), factory.clock)


async def test_a_copy_of_the_database_alone_cannot_check_a_code(container: Container) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        code = await linking.issue_code(uow, team.operator, team.case.id)
        await uow.commit()
        (stored,) = await uow.session.scalars(select(LinkingCode.code_hash))

    plain_hashes = {
        hashlib.sha256(candidate.encode()).hexdigest()
        for candidate in (code, f"link:{code}", f"rumbo-link:{code}")
    }
    assert stored not in plain_hashes
    assert code not in stored


async def test_a_code_issued_before_a_key_rotation_still_links(container: Container) -> None:
    old_key = container.settings.data_key
    assert old_key is not None
    async with container.uow() as uow:
        team = await a_team(uow)
        code = await linking.issue_code(uow, team.operator, team.case.id)
        await uow.commit()

    after_rotation = rotated(container, generate_key(), old_key.get_secret_value())
    async with after_rotation() as uow:
        await linking.redeem_code(uow, Channel.TELEGRAM, "4040", code.lower())
        await uow.commit()
    async with after_rotation() as uow:
        context = await chats.chat_context(uow, Channel.TELEGRAM, "4040")
        assert context.case is not None and context.case.id == team.case.id


async def test_a_code_is_refused_once_its_key_is_dropped(container: Container) -> None:
    async with container.uow() as uow:
        team = await a_team(uow)
        code = await linking.issue_code(uow, team.operator, team.case.id)
        await uow.commit()

    without_old_key = rotated(container, generate_key())
    async with without_old_key() as uow:
        with pytest.raises(CodeInvalid):
            await linking.redeem_code(uow, Channel.TELEGRAM, "4041", code)


async def test_a_chat_linked_before_a_key_rotation_is_still_found_by_its_number(
    container: Container,
) -> None:
    """A phone number is kept encrypted (deterministically, per key): with a new key
    put first the chat is found under the old one, and after the rotation under the
    new key alone."""
    old_key = container.settings.data_key
    assert old_key is not None
    phone = "5215512345678"
    async with container.uow() as uow:
        team = await a_team(uow)
        code = await linking.issue_code(uow, team.operator, team.case.id)
        await linking.redeem_code(uow, Channel.WHATSAPP, phone, code)
        await uow.commit()

    new_key = generate_key()
    new_first = rotated(container, new_key, old_key.get_secret_value())
    async with new_first() as uow:
        context = await chats.chat_context(uow, Channel.WHATSAPP, phone)
        assert context.case is not None and context.case.id == team.case.id

    await keys.rotate_all(new_first)
    async with rotated(container, new_key)() as uow:
        context = await chats.chat_context(uow, Channel.WHATSAPP, phone)
        assert context.case is not None and context.case.id == team.case.id


async def test_a_staff_chat_linked_before_a_new_key_is_still_a_staff_chat(
    container: Container,
) -> None:
    """A staff member's chat must never enter the adolescents' dialogs, also while a
    new key is first and the chat's address is still stored under the old one."""
    old_key = container.settings.data_key
    assert old_key is not None
    async with container.uow() as uow:
        team = await a_team(uow)
        code = await staff_chats.issue_code(uow, team.operator)
        await staff_chats.redeem(uow, Channel.TELEGRAM, "7070", code)
        await uow.commit()

    new_first = rotated(container, generate_key(), old_key.get_secret_value())
    async with new_first() as uow:
        staff = await staff_chats.staff_of_chat(uow, Channel.TELEGRAM, "7070")
        assert staff is not None and staff.id == team.operator.id
        found = await staff_chats.staff_chats_among(uow, Channel.TELEGRAM, ["8080", "7070"])
        assert found == {"7070"}
