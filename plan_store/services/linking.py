"""One-time linking codes: issued by staff in person, redeemed once from a chat.

Codes are short enough to type on a cheap phone (8 characters without look-alikes)
and kept only as a keyed hash (see ``Cipher.lookup_hash``). Wrong codes from one
chat slow that chat down.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from plan_store.crypto import Cipher
from plan_store.enums import CaseStatus, Channel
from plan_store.errors import (
    CaseClosed,
    CodeAlreadyUsed,
    CodeAttemptsBlocked,
    CodeExpired,
    CodeInvalid,
    NotFound,
)
from plan_store.models import Adolescent, ChatLink, ChatSession, LinkingCode
from plan_store.services import audit
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.services.chats import chat_session
from plan_store.unit_of_work import UnitOfWork

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_TTL = timedelta(days=7)
FREE_ATTEMPTS = 3
MAX_BLOCK = timedelta(hours=1)


def normalize_code(raw: str) -> str:
    """Accept the code as people type it: any case, with spaces or dashes.

    The alphabet has no O, 0, I, 1 or L, so look-alikes cannot be confused."""
    return "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum())


def hash_code(cipher: Cipher, code: str) -> str:
    return cipher.lookup_hash(f"link:{normalize_code(code)}")


def _code_hashes(cipher: Cipher, code: str) -> list[str]:
    return cipher.lookup_hashes(f"link:{normalize_code(code)}")


def looks_like_code(text: str) -> bool:
    return len(normalize_code(text)) == CODE_LENGTH and len(text.strip()) <= CODE_LENGTH + 4


async def issue_code(
    uow: UnitOfWork, actor: StaffActor | None, adolescent_id: int, *, ttl: timedelta = CODE_TTL
) -> str:
    """A fresh code for the case; earlier unused codes stop working.

    ``actor`` is None when an administrator issues it from the command line."""
    if actor is None:
        found = await uow.session.get(Adolescent, adolescent_id)
        if found is None:
            raise NotFound(f"no case {adolescent_id}")
        case = found
    else:
        case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    now = uow.now()
    await uow.session.execute(
        update(LinkingCode)
        .where(LinkingCode.adolescent_id == case.id, LinkingCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    uow.session.add(
        LinkingCode(
            adolescent_id=case.id,
            code_hash=hash_code(uow.cipher, code),
            issued_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    audit.record(
        uow,
        "link_code.issue",
        staff_id=actor.id if actor else None,
        actor="staff" if actor else "system",
        adolescent_id=case.id,
    )
    return code


async def redeem_code(
    uow: UnitOfWork, channel: Channel, external_id: str, raw_code: str
) -> ChatLink:
    """Bind the chat to the code's case. Raises a ``CodeInvalid`` (or subclass) or
    ``CodeAttemptsBlocked``; a failed attempt is counted even though the caller
    must still commit for the count to stick."""
    now = uow.now()
    session = await chat_session(uow, channel, external_id)
    if session.code_blocked_until is not None and session.code_blocked_until > now:
        raise CodeAttemptsBlocked(f"wait until {session.code_blocked_until.isoformat()}")
    code = await uow.session.scalar(
        select(LinkingCode).where(LinkingCode.code_hash.in_(_code_hashes(uow.cipher, raw_code)))
    )
    error: CodeInvalid | None = None
    if code is None:
        error = CodeInvalid("no such code")
    elif code.used_at is not None:
        error = CodeAlreadyUsed("the code was used")
    elif code.expires_at <= now:
        error = CodeExpired("the code expired")
    if error is not None:
        _count_failed_attempt(session, now)
        raise error
    assert code is not None
    case = await uow.session.get(Adolescent, code.adolescent_id)
    assert case is not None
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed("the case is closed")
    # Claim the code before linking: of two chats racing with one code, only the one
    # whose conditional update changes the row links; the other sees the code used.
    claimed = await uow.session.execute(
        update(LinkingCode)
        .where(LinkingCode.id == code.id, LinkingCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        _count_failed_attempt(session, now)
        raise CodeAlreadyUsed("the code was used")
    code.used_at = now
    await _deactivate(uow, channel, external_id, case.id)
    link = ChatLink(adolescent_id=case.id, channel=channel, external_id=external_id, linked_at=now)
    uow.session.add(link)
    await uow.flush()
    code.used_by_link_id = link.id
    session.failed_code_attempts = 0
    session.code_blocked_until = None
    audit.record(uow, "chat.link", actor="adolescent", adolescent_id=case.id, target=channel.value)
    return link


def _count_failed_attempt(session: ChatSession, now: datetime) -> None:
    """Past the free attempts, each wrong code blocks the chat for twice as long."""
    session.failed_code_attempts += 1
    extra = session.failed_code_attempts - FREE_ATTEMPTS
    if extra > 0:
        session.code_blocked_until = now + min(timedelta(minutes=2**extra), MAX_BLOCK)


async def _deactivate(uow: UnitOfWork, channel: Channel, external_id: str, case_id: int) -> None:
    """One active link per chat, and one per case and channel (a new phone replaces
    the old one)."""
    links = await uow.session.scalars(
        select(ChatLink).where(
            ChatLink.active,
            ChatLink.channel == channel,
            (ChatLink.external_id == external_id) | (ChatLink.adolescent_id == case_id),
        )
    )
    for link in links:
        link.active = False
        link.unlinked_at = uow.now()
        link.unlink_reason = "relinked"
    await uow.flush()


async def unlink_chat(uow: UnitOfWork, link: ChatLink, reason: str) -> None:
    link.active = False
    link.unlinked_at = uow.now()
    link.unlink_reason = reason
    audit.record(
        uow,
        "chat.unlink",
        actor="system",
        adolescent_id=link.adolescent_id,
        details={"reason": reason, "channel": link.channel.value},
    )
