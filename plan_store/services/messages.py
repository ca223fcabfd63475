"""The message timeline: the adolescent's words to the team and staff replies.

Bodies and voice notes are stored encrypted. A staff reply is also written to the
outbox, on the adolescent's active chat, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from plan_store.enums import Channel, MessageDirection, MessageKind
from plan_store.errors import ChatNotLinked, NotFound, ValidationFailed
from plan_store.models import Message
from plan_store.outbox import payload as payloads
from plan_store.services import audit, consent
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.services.chats import active_links_of
from plan_store.services.outbox import enqueue
from plan_store.unit_of_work import UnitOfWork

MAX_BODY = 10_000
"""Characters of a text kept; a longer one is cut there, and its message says how
long it was (``Message.original_length``), so that nothing is cut silently."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: int
    direction: MessageDirection
    kind: MessageKind
    body: str
    original_length: int | None
    """Set when the text was cut at ``MAX_BODY``: how long it was."""
    has_voice: bool
    staff_id: int | None
    marked_for_evaluation: bool
    created_at: datetime


async def record_inbound(
    uow: UnitOfWork,
    adolescent_id: int,
    *,
    channel: Channel,
    body: str,
    kind: MessageKind = MessageKind.TEXT,
    voice: bytes | None = None,
) -> Message:
    """The adolescent's words, stored encrypted. A text longer than ``MAX_BODY`` keeps
    its start and its length (``Message.original_length``): the caller tells the
    adolescent. The database moves the case's ``last_inbound_at`` to this message's
    time as it stores it (``models.LAST_INBOUND_TRIGGER``)."""
    message = Message(
        adolescent_id=adolescent_id,
        direction=MessageDirection.INBOUND,
        kind=kind,
        channel=channel,
        body_ciphertext=uow.cipher.encrypt(body[:MAX_BODY]),
        original_length=len(body) if len(body) > MAX_BODY else None,
        voice_ciphertext=uow.cipher.encrypt_bytes(voice) if voice is not None else None,
        created_at=uow.now(),
    )
    uow.session.add(message)
    await uow.flush()
    return message


async def reply(uow: UnitOfWork, actor: StaffActor, adolescent_id: int, body: str) -> Message:
    """A staff reply: stored in the timeline and queued on the adolescent's chat."""
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    body = body.strip()
    if not body:
        raise ValidationFailed("a reply cannot be empty")
    if len(body) > 4000:
        raise ValidationFailed("a reply has at most 4000 characters")
    await consent.require(uow, case)
    links = await active_links_of(uow, case.id)
    if not links:
        raise ChatNotLinked(f"case {adolescent_id} has no linked chat")
    link = links[0]
    message = Message(
        adolescent_id=case.id,
        direction=MessageDirection.STAFF_REPLY,
        kind=MessageKind.TEXT,
        channel=link.channel,
        body_ciphertext=uow.cipher.encrypt(body),
        staff_id=actor.id,
        created_at=uow.now(),
    )
    uow.session.add(message)
    await uow.flush()
    await enqueue(
        uow,
        channel=link.channel,
        external_chat_id=link.external_id,
        adolescent_id=case.id,
        payload=payloads.screen(body, from_staff=actor.id),
        dedupe_key=f"staff-reply:{message.id}",
    )
    audit.record(
        uow,
        "message.reply",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"message:{message.id}",
    )
    return message


async def timeline(
    uow: UnitOfWork, adolescent_id: int, *, limit: int = 100, before_id: int | None = None
) -> list[TimelineEntry]:
    """Newest first by the time each message was written (never by id: a message
    stored late, such as one delivered after a reconnection, keeps its own time),
    decrypted. ``before_id`` pages on: the messages older than that one. The caller
    has already checked the staff scope."""
    query = (
        select(Message)
        .where(Message.adolescent_id == adolescent_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        before = await uow.session.get(Message, before_id)
        if before is None or before.adolescent_id != adolescent_id:
            return []
        query = query.where(
            or_(
                Message.created_at < before.created_at,
                and_(Message.created_at == before.created_at, Message.id < before.id),
            )
        )
    return [
        TimelineEntry(
            id=m.id,
            direction=m.direction,
            kind=m.kind,
            body=uow.cipher.decrypt(m.body_ciphertext),
            original_length=m.original_length,
            has_voice=m.voice_ciphertext is not None,
            staff_id=m.staff_id,
            marked_for_evaluation=m.marked_for_evaluation,
            created_at=m.created_at,
        )
        for m in await uow.session.scalars(query)
    ]


async def mark_for_evaluation(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, message_id: int, marked: bool = True
) -> Message:
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    message = await uow.session.get(Message, message_id)
    if message is None or message.adolescent_id != case.id:
        raise NotFound(f"no message {message_id} for case {adolescent_id}")
    message.marked_for_evaluation = marked
    audit.record(
        uow,
        "message.mark_for_evaluation",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"message:{message.id}",
        details={"marked": marked},
    )
    return message
