"""A chat as the conversation sees it: its stored place, and the case it may show."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, Select, and_, bindparam, null, select

from plan_store.enums import CaseStatus, Channel
from plan_store.models import Adolescent, ChatLink, ChatSession, Home
from plan_store.unit_of_work import UnitOfWork


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


@functools.cache
def _context_statement(carry: ScalarSelect[Any] | None) -> Select[Any]:
    """``chat_context``'s query, built once for each ``carry``: it runs on every
    update, and building a statement is a good part of its CPU cost."""
    return (
        select(ChatSession, ChatLink, Adolescent, Home, carry if carry is not None else null())
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
        .where(
            ChatSession.channel == bindparam("channel"),
            ChatSession.external_id == bindparam("chat"),
        )
    )


async def chat_context(
    uow: UnitOfWork,
    channel: Channel,
    external_id: str,
    carry: ScalarSelect[Any] | None = None,
) -> ChatContext:
    """The chat's session, active link, case and home: one query for a known chat.

    ``carry``, a one-value query of the caller's (a revision to check), rides along
    in the same statement rather than costing a round trip of its own."""
    found = (
        await uow.session.execute(
            _context_statement(carry), {"channel": channel, "chat": external_id}
        )
    ).first()
    link: ChatLink | None
    case: Adolescent | None
    home: Home | None
    value: Any
    if found is not None:
        session, link, case, home, value = found
    else:  # first contact
        session = await chat_session(uow, channel, external_id)
        link = await active_link(uow, channel, external_id)
        case = await uow.session.get(Adolescent, link.adolescent_id) if link else None
        home = await uow.session.get(Home, case.home_id) if case else None
        value = await uow.session.scalar(select(carry)) if carry is not None else None
    if case is not None and case.status is CaseStatus.CLOSED:
        link, case, home = None, None, None
    return ChatContext(session=session, link=link, case=case, home=home, carried=value)


async def active_links_of(uow: UnitOfWork, adolescent_id: int) -> list[ChatLink]:
    links = await uow.session.scalars(
        select(ChatLink)
        .where(ChatLink.adolescent_id == adolescent_id, ChatLink.active)
        .order_by(ChatLink.linked_at.desc())
    )
    return list(links)
