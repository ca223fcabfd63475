"""A staff member's own chat with the bot, where her alerts arrive.

She asks for a one-time code on her console account page and sends it to the bot
(``/start staff-CODE``, or the deep link): that chat becomes her staff chat. A staff
chat never enters the adolescents' dialogs (``bot.staff_chat`` answers it), and an
adolescent's link on the same chat is ended. Only the code's keyed hash is kept.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import ScalarResult, Select, Table, bindparam, delete, select, update

from plan_store.enums import Channel
from plan_store.errors import CodeAlreadyUsed, CodeExpired, CodeInvalid
from plan_store.models import ChatLink, Staff, StaffChat, StaffLinkCode
from plan_store.services import audit, chats
from plan_store.services.access import StaffActor
from plan_store.services.linking import ALPHABET, CODE_LENGTH, normalize_code
from plan_store.unit_of_work import UnitOfWork

PREFIX = "staff-"
CODE_TTL = timedelta(hours=1)
STAFF_CODE = re.compile(r"(?:/start\s+)?staff-([A-Za-z0-9]{8})", re.IGNORECASE)


def code_in(text: str) -> str | None:
    """The staff code in a typed "/start staff-CODE" (or "staff-CODE"), if any."""
    found = STAFF_CODE.fullmatch(text.strip())
    return found.group(1) if found else None


def _hash(uow: UnitOfWork, code: str) -> list[str]:
    return uow.cipher.lookup_hashes(f"staff:{normalize_code(code)}")


async def issue_code(uow: UnitOfWork, actor: StaffActor) -> str:
    """A fresh code for ``actor``'s own chat (earlier unused ones stop working)."""
    now = uow.now()
    await uow.session.execute(
        update(StaffLinkCode)
        .where(StaffLinkCode.staff_id == actor.id, StaffLinkCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    uow.session.add(
        StaffLinkCode(
            staff_id=actor.id,
            code_hash=uow.cipher.lookup_hash(f"staff:{code}"),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    )
    audit.record(uow, "staff_chat.code", staff_id=actor.id)
    return code


async def redeem(uow: UnitOfWork, channel: Channel, external_id: str, code: str) -> Staff:
    now = uow.now()
    row = await uow.session.scalar(
        select(StaffLinkCode).where(StaffLinkCode.code_hash.in_(_hash(uow, code)))
    )
    if row is None:
        raise CodeInvalid("no such code")
    if row.used_at is not None:
        raise CodeAlreadyUsed("the code was used")
    if row.expires_at <= now:
        raise CodeExpired("the code expired")
    staff = await uow.session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        raise CodeInvalid("the account is not active")
    row.used_at = now
    await uow.session.execute(
        delete(StaffChat).where(
            (StaffChat.staff_id == staff.id)
            | ((StaffChat.channel == channel) & (StaffChat.external_id == external_id))
        )
    )
    await uow.session.execute(
        update(ChatLink)
        .where(ChatLink.active, ChatLink.channel == channel, ChatLink.external_id == external_id)
        .values(active=False, unlinked_at=now, unlink_reason="staff_chat")
    )
    uow.session.add(
        StaffChat(staff_id=staff.id, channel=channel, external_id=external_id, linked_at=now)
    )
    await uow.flush()
    audit.record(uow, "staff_chat.link", staff_id=staff.id, target=channel.value)
    return staff


_CHATS = StaffChat.__table__
assert isinstance(_CHATS, Table)


@functools.cache
def _staff_id_of_chat(keys: int) -> Select[tuple[int]]:
    """``staff_of_chat``'s query, built once for each number of data keys, on the
    table: every update asks it, and nearly every chat is no staff chat."""
    return select(_CHATS.c.staff_id).where(
        _CHATS.c.channel == bindparam("channel"),
        chats.address_in(_CHATS.c.external_id, keys),
    )


@functools.lru_cache(maxsize=64)
def _staff_chats_among(addresses: int) -> Select[Any]:
    """``staff_chats_among``'s query, built once for each number of addresses."""
    return select(_CHATS.c.external_id).where(
        _CHATS.c.channel == bindparam("channel"),
        chats.address_in(_CHATS.c.external_id, addresses),
    )


async def staff_chats_among(
    uow: UnitOfWork, channel: Channel, external_ids: Iterable[str]
) -> set[str]:
    """Those of ``external_ids`` that are staff chats: one query for a burst's chats
    instead of one ``staff_of_chat`` each (nearly every chat is no staff chat)."""
    await uow.flush()  # as ``staff_of_chat``: a chat linked in this transaction counts
    stored = [
        address
        for chat in dict.fromkeys(external_ids)
        for address in chats.addresses(uow, chat).values()
    ]
    if not stored:
        return set()
    found: ScalarResult[str] = await uow.session.scalars(
        _staff_chats_among(len(stored)),
        {"channel": channel, **{f"address_{n}": value for n, value in enumerate(stored)}},
    )
    return set(found)


async def staff_of_chat(uow: UnitOfWork, channel: Channel, external_id: str) -> Staff | None:
    await uow.flush()  # as the ORM's query would: a chat linked in this transaction counts
    address = chats.addresses(uow, external_id)
    staff_id: int | None = await uow.session.scalar(
        _staff_id_of_chat(len(address)), {"channel": channel, **address}
    )
    return await uow.session.get(Staff, staff_id) if staff_id is not None else None


async def chat_of(uow: UnitOfWork, staff_id: int) -> StaffChat | None:
    chat: StaffChat | None = await uow.session.scalar(
        select(StaffChat).where(StaffChat.staff_id == staff_id)
    )
    return chat


async def unlink(uow: UnitOfWork, actor: StaffActor) -> None:
    await uow.session.execute(delete(StaffChat).where(StaffChat.staff_id == actor.id))
    audit.record(uow, "staff_chat.unlink", staff_id=actor.id)


async def set_email(uow: UnitOfWork, actor: StaffActor, email: str) -> Staff:
    from plan_store.errors import ValidationFailed

    staff = await uow.session.get(Staff, actor.id)
    assert staff is not None
    email = email.strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationFailed("not an email address")
    staff.email = email[:254] or None
    audit.record(uow, "staff.email", staff_id=actor.id, details={"set": bool(email)})
    return staff
