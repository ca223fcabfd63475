"""A chat as the conversation sees it: its stored place, and the case it may show."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    and_,
    bindparam,
    delete,
    func,
    null,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute

from plan_store.enums import CaseStatus, Channel
from plan_store.models import (
    Adolescent,
    ChatLink,
    ChatSession,
    Home,
    OutboxMessage,
    ProcessedUpdate,
    Staff,
)
from plan_store.services import consent as consents
from plan_store.unit_of_work import UnitOfWork


class Operator(NamedTuple):
    """What the chat's turn says of the case's reference operator: her name, if she
    is active."""

    id: int
    display_name: str
    active: bool


@dataclass(slots=True)
class ChatContext:
    """The chat's session, and its link and case when linked to an open case."""

    session: ChatSession
    link: ChatLink | None
    case: Adolescent | None
    home: Home | None = None
    """The case's home (held here, so the session's weak identity map keeps it)."""
    carried: Any = None
    """The value of the ``carry`` query given to ``chat_context``, if any."""
    operator: Operator | None = None
    """The case's reference operator, when read with the context (not on first
    contact)."""
    consent: consents.Read | None = None
    """The case's latest messaging decision, when read with the context (not on
    first contact): ``consents.state_from_read`` makes the state of it."""

    @property
    def linked(self) -> bool:
        return self.case is not None


async def chat_session(uow: UnitOfWork, channel: Channel, external_id: str) -> ChatSession:
    """The chat's stored session, created on first contact."""
    session = await uow.session.scalar(
        select(ChatSession).where(
            ChatSession.channel == channel, ChatSession.external_id == external_id
        )
    )
    if session is None:
        session = ChatSession(
            channel=channel, external_id=external_id, state="start", data={}, updated_at=uow.now()
        )
        uow.session.add(session)
        await uow.flush()
    return session


async def note_inbound(
    uow: UnitOfWork, channel: Channel, external_id: str, at: datetime | None = None
) -> ChatSession:
    """Record that the chat wrote to us at ``at`` (default: now, and never later).

    ``last_inbound_at`` only moves forward, so a late or repeated delivery of an old
    message does not reopen a platform's reply window (WhatsApp's 24 hours are
    counted from the person's latest message)."""
    session = await chat_session(uow, channel, external_id)
    now = uow.now()
    when = min(at, now) if at is not None else now
    if session.last_inbound_at is None or when > session.last_inbound_at:
        session.last_inbound_at = when
    return session


async def last_inbound_at(uow: UnitOfWork, channel: Channel, external_id: str) -> datetime | None:
    """When the chat last wrote to us, as recorded by ``note_inbound``; None if never."""
    found: datetime | None = await uow.session.scalar(
        select(ChatSession.last_inbound_at).where(
            ChatSession.channel == channel, ChatSession.external_id == external_id
        )
    )
    return found


async def active_link(uow: UnitOfWork, channel: Channel, external_id: str) -> ChatLink | None:
    link: ChatLink | None = await uow.session.scalar(
        select(ChatLink).where(
            ChatLink.channel == channel, ChatLink.external_id == external_id, ChatLink.active
        )
    )
    return link


def address_in(
    column: InstrumentedAttribute[str] | ColumnElement[str], keys: int
) -> ColumnElement[bool]:
    """``column`` (a ``ChatAddress``) among the parameters ``address_0`` ... that
    ``addresses`` gives: what ``column == address`` says (the address under each of
    the ``keys`` data keys), for a statement built once rather than at every call
    (``column == address`` holds the encrypted values in the statement)."""
    return column.in_([bindparam(f"address_{n}", type_=String()) for n in range(keys)])


def addresses(uow: UnitOfWork, external_id: str) -> dict[str, str]:
    """The parameters of ``address_in``: the chat's address under every data key."""
    stored = uow.cipher.encrypt_addresses(external_id)
    return {f"address_{n}": value for n, value in enumerate(stored)}


@functools.cache
def _context_statement(carry: ScalarSelect[Any] | None, keys: int) -> Select[Any]:
    """``chat_context``'s query, built once for each ``carry`` and number of data
    keys: it runs on every update, and building a statement is a good part of its
    CPU cost. The reference operator's name and whether she is active come along
    (the answer to a free text names her), not her whole row, and so does the case's
    latest messaging decision (every turn asks what the chat may see)."""
    decision, joined_on, decision_columns = consents.latest_messaging_decision(Adolescent.id)
    return (
        select(
            ChatSession,
            ChatLink,
            Adolescent,
            Home,
            carry if carry is not None else null(),
            Staff.id,
            Staff.display_name,
            Staff.active,
            *decision_columns,
        )
        .select_from(ChatSession)
        .outerjoin(
            ChatLink,
            and_(
                ChatLink.channel == ChatSession.channel,
                ChatLink.external_id == ChatSession.external_id,
                ChatLink.active,
            ),
        )
        .outerjoin(Adolescent, Adolescent.id == ChatLink.adolescent_id)
        .outerjoin(Home, Home.id == Adolescent.home_id)
        .outerjoin(Staff, Staff.id == Adolescent.reference_operator_id)
        .outerjoin(decision, joined_on)
        .where(
            ChatSession.channel == bindparam("channel"),
            address_in(ChatSession.external_id, keys),
        )
    )


async def chat_context(
    uow: UnitOfWork,
    channel: Channel,
    external_id: str,
    carry: ScalarSelect[Any] | None = None,
) -> ChatContext:
    """The chat's session, active link, case, home and the case's reference
    operator: one query for a known chat.

    ``carry``, a one-value query of the caller's (a revision to check), rides along
    in the same statement rather than costing a round trip of its own."""
    address = addresses(uow, external_id)
    found = (
        await uow.session.execute(
            _context_statement(carry, len(address)), {"channel": channel, **address}
        )
    ).first()
    link: ChatLink | None
    case: Adolescent | None
    home: Home | None
    value: Any
    operator: Operator | None = None
    consent: consents.Read | None = None
    if found is not None:
        session, link, case, home, value, operator_id, name, active, *decided = found
        if operator_id is not None:
            operator = Operator(operator_id, name, active)
        consent = consents.read_of(*decided)
    else:  # first contact
        session = await chat_session(uow, channel, external_id)
        link = await active_link(uow, channel, external_id)
        case = await uow.session.get(Adolescent, link.adolescent_id) if link else None
        home = await uow.session.get(Home, case.home_id) if case else None
        value = await uow.session.scalar(select(carry)) if carry is not None else None
    if case is not None and case.status is CaseStatus.CLOSED:
        link, case, home, operator, consent = None, None, None, None, None
    return ChatContext(
        session=session,
        link=link,
        case=case,
        home=home,
        carried=value,
        operator=operator,
        consent=consent if case is not None else None,
    )


async def active_links_of(uow: UnitOfWork, adolescent_id: int) -> list[ChatLink]:
    links = await uow.session.scalars(
        select(ChatLink)
        .where(ChatLink.adolescent_id == adolescent_id, ChatLink.active)
        .order_by(ChatLink.linked_at.desc())
    )
    return list(links)


async def rename_chat(uow: UnitOfWork, channel: Channel, old: str, new: str) -> None:
    """Give a chat a new id everywhere it is named (its session, links and queued
    messages). The web chat does this when a code is redeemed, so that an id known
    before the chat was linked (a planted cookie) opens nothing after."""
    await uow.session.execute(
        update(ChatSession)
        .where(ChatSession.channel == channel, ChatSession.external_id == old)
        .values(external_id=new)
    )
    await uow.session.execute(
        update(ChatLink)
        .where(ChatLink.channel == channel, ChatLink.external_id == old)
        .values(external_id=new)
    )
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.external_chat_id == old)
        .values(external_chat_id=new)
    )


async def purge_anonymous(uow: UnitOfWork, channel: Channel, *, older_than: timedelta) -> int:
    """Forget chats of ``channel`` never linked to a case and quiet for ``older_than``,
    with what they left: their queued or sent screens and the ids of their updates.
    Returns how many chats went."""
    cutoff = uow.now() - older_than
    # Compared as read (decrypted), not in SQL: halfway through a key rotation a chat
    # and its link may be under different keys, and a linked chat must never go.
    ever_linked = set(
        await uow.session.scalars(select(ChatLink.external_id).where(ChatLink.channel == channel))
    )
    quiet = await uow.session.scalars(
        select(ChatSession.external_id).where(
            ChatSession.channel == channel,
            func.coalesce(ChatSession.last_inbound_at, ChatSession.updated_at) <= cutoff,
        )
    )
    stale = [chat_id for chat_id in quiet if chat_id not in ever_linked]
    for first in range(0, len(stale), 500):
        ids = stale[first : first + 500]
        await uow.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.channel == channel,
                OutboxMessage.external_chat_id.in_(ids),
                OutboxMessage.adolescent_id.is_(None),
            )
        )
        await uow.session.execute(
            delete(ChatSession).where(
                ChatSession.channel == channel, ChatSession.external_id.in_(ids)
            )
        )
    await uow.session.execute(
        delete(ProcessedUpdate).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.received_at <= cutoff
        )
    )
    return len(stale)


ANONYMOUS_WEBCHAT_TTL = timedelta(days=1)


async def purge_anonymous_webchats(uow: UnitOfWork, now: datetime) -> int:
    """Web chats nobody linked to a case, quiet for a day, and every row they left
    (each guess at a code leaves some): removed."""
    return await purge_anonymous(uow, Channel.WEBCHAT, older_than=ANONYMOUS_WEBCHAT_TTL)
