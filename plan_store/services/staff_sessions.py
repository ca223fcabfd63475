"""Console sessions held on the server.

The browser keeps only a random token; its hash finds the ``StaffSession`` row.
A session ends at logout (``end``), when unused for ``idle`` or older than
``absolute`` (ended when next seen), when the person or an admin ends all of them
(the account's ``session_epoch`` is raised: see ``staff``), or when the account is
deactivated. A copied cookie is worth nothing after any of these.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from plan_store.models import Staff, StaffSession
from plan_store.unit_of_work import UnitOfWork

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often, not on every request."""
MAX_DEVICE = 80


@dataclass(frozen=True, slots=True)
class Lifetimes:
    idle: timedelta = IDLE
    absolute: timedelta = ABSOLUTE


@dataclass(frozen=True, slots=True)
class OpenSession:
    id: int
    device: str
    created_at: datetime
    last_seen_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(f"rumbo-session:{token}".encode()).hexdigest()


def _alive(row: StaffSession, now: datetime, lifetimes: Lifetimes) -> bool:
    return (
        row.ended_at is None
        and row.last_seen_at > now - lifetimes.idle
        and row.created_at > now - lifetimes.absolute
    )


async def start(uow: UnitOfWork, staff: Staff, *, device: str) -> str:
    """A new session for ``staff``; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    now = uow.now()
    uow.session.add(
        StaffSession(
            token_hash=_hash(token),
            staff_id=staff.id,
            epoch=staff.session_epoch,
            device=device[:MAX_DEVICE],
            created_at=now,
            last_seen_at=now,
        )
    )
    await uow.flush()
    return token


async def resolve(
    uow: UnitOfWork, token: str, *, lifetimes: Lifetimes = Lifetimes(), touch: bool = True
) -> Staff | None:
    """The staff member whose live session this token opens, or None (and the
    session, if it timed out, is ended). ``touch`` counts this as activity."""
    now = uow.now()
    found = (
        await uow.session.execute(
            select(StaffSession, Staff)
            .join(Staff, Staff.id == StaffSession.staff_id)
            .where(StaffSession.token_hash == _hash(token))
        )
    ).first()
    if found is None:
        return None
    row, staff = found
    if row.ended_at is not None:
        return None
    if not _alive(row, now, lifetimes) or not staff.active or row.epoch != staff.session_epoch:
        row.ended_at = now
        return None
    if touch and now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return staff


async def end(uow: UnitOfWork, token: str) -> None:
    """Logout: this session is over, whoever holds a copy of its cookie."""
    await uow.session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == _hash(token), StaffSession.ended_at.is_(None))
        .values(ended_at=uow.now())
    )


async def end_all(uow: UnitOfWork, staff_id: int, *, keep: str | None = None) -> None:
    """Every session of ``staff_id`` ends (but the one of token ``keep``)."""
    query = update(StaffSession).where(
        StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(StaffSession.token_hash != _hash(keep))
    await uow.session.execute(query.values(ended_at=uow.now()))


async def end_one(uow: UnitOfWork, staff_id: int, session_id: int) -> None:
    """End one session of ``staff_id`` (another's id does nothing)."""
    await uow.session.execute(
        update(StaffSession)
        .where(
            StaffSession.id == session_id,
            StaffSession.staff_id == staff_id,
            StaffSession.ended_at.is_(None),
        )
        .values(ended_at=uow.now())
    )


async def session_id(uow: UnitOfWork, token: str) -> int | None:
    """The id of the session this token opens (to mark "this device" in the list)."""
    found = await uow.session.scalar(
        select(StaffSession.id).where(StaffSession.token_hash == _hash(token))
    )
    return int(found) if found is not None else None


async def renew(uow: UnitOfWork, token: str, epoch: int) -> None:
    """Carry this session over to the account's new epoch (after a password change)."""
    await uow.session.execute(
        update(StaffSession).where(StaffSession.token_hash == _hash(token)).values(epoch=epoch)
    )


async def open_sessions(
    uow: UnitOfWork, staff_id: int, *, lifetimes: Lifetimes = Lifetimes()
) -> list[OpenSession]:
    """The live sessions of one person, the latest seen first."""
    now = uow.now()
    staff = await uow.session.get(Staff, staff_id)
    if staff is None:
        return []
    rows = await uow.session.scalars(
        select(StaffSession)
        .where(
            StaffSession.staff_id == staff_id,
            StaffSession.ended_at.is_(None),
            StaffSession.epoch == staff.session_epoch,
            StaffSession.last_seen_at > now - lifetimes.idle,
            StaffSession.created_at > now - lifetimes.absolute,
        )
        .order_by(StaffSession.last_seen_at.desc(), StaffSession.id.desc())
    )
    return [OpenSession(r.id, r.device, r.created_at, r.last_seen_at) for r in rows]


async def prune(uow: UnitOfWork, *, lifetimes: Lifetimes = Lifetimes()) -> int:
    """Forget sessions that can no longer be used (none is older than ``absolute``)."""
    result = await uow.session.execute(
        delete(StaffSession).where(StaffSession.created_at <= uow.now() - lifetimes.absolute)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def device_label(user_agent: str) -> str:
    """A short name of the browser and system ("Firefox · Windows"), for the list of
    sessions; the full user agent is not kept."""
    ua = user_agent.lower()
    browser = next(
        (
            name
            for key, name in (
                ("edg/", "Edge"),
                ("opr/", "Opera"),
                ("firefox/", "Firefox"),
                ("chrome/", "Chrome"),
                ("chromium/", "Chromium"),
                ("safari/", "Safari"),
            )
            if key in ua
        ),
        "",
    )
    system = next(
        (
            name
            for key, name in (
                ("android", "Android"),
                ("iphone", "iPhone"),
                ("ipad", "iPad"),
                ("windows", "Windows"),
                ("mac os", "macOS"),
                ("cros", "ChromeOS"),
                ("linux", "Linux"),
            )
            if key in ua
        ),
        "",
    )
    label = " · ".join(part for part in (browser, system) if part)
    return label or (user_agent[:40] if user_agent else "?")
