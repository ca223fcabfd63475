"""Staff accounts: argon2 password hashes, roles, rate-limited log-in, log out everywhere.

Admins add accounts, deactivate and reactivate them, reset a password and end a
person's sessions; each staff member changes their own password (knowing the current
one) and their console language. Every change is audited; no password, old or new,
ever reaches the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from plan_store.enums import Role
from plan_store.errors import (
    DuplicateName,
    InvalidTransition,
    LoginThrottled,
    NotFound,
    ValidationFailed,
    WrongPassword,
)
from plan_store.models import Home, Staff
from plan_store.services import audit, throttle
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_USERNAME = 64
MAX_DISPLAY_NAME = 120
STAFF_LANGUAGES = ("es", "en")
"""The languages the console speaks (``Staff.language``)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


async def add_staff(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    home_id: int | None,
    by: StaffActor | None = None,
    password_hash: str | None = None,
) -> Staff:
    """A new account. ``password_hash`` (an argon2 hash of ``password``) saves
    hashing again when many accounts share a password, as the demo logins do."""
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        raise ValidationFailed("a username is letters, digits, dots and underscores")
    if len(username) > MAX_USERNAME or not username.isascii():
        raise ValidationFailed(f"a username is at most {MAX_USERNAME} plain letters and digits")
    if not display_name.strip() or len(display_name.strip()) > MAX_DISPLAY_NAME:
        raise ValidationFailed(f"a display name has 1 to {MAX_DISPLAY_NAME} characters")
    _check_password(password)
    if role in (Role.OPERATOR, Role.COORDINATOR) and home_id is None:
        raise ValidationFailed("operators and coordinators belong to a home")
    if home_id is not None and await uow.session.get(Home, home_id) is None:
        raise NotFound(f"no home {home_id}")
    if await uow.session.scalar(select(Staff.id).where(Staff.username == username)):
        raise DuplicateName(f"the username {username!r} is taken")
    staff = Staff(
        username=username,
        display_name=display_name.strip(),
        password_hash=password_hash or hash_password(password),
        role=role,
        home_id=home_id,
        created_at=uow.now(),
    )
    uow.session.add(staff)
    await uow.flush()
    audit.record(
        uow,
        "staff.add",
        staff_id=by.id if by else None,
        actor="system" if by is None else "staff",
        target=f"staff:{staff.id}",
        details={"role": role.value},
    )
    return staff


async def authenticate(uow: UnitOfWork, username: str, password: str) -> Staff | None:
    """The active staff member with these credentials, or None.

    A missing user still costs one hash verification, so timing tells nothing.
    """
    staff = await uow.session.scalar(
        select(Staff).where(Staff.username == username.strip().lower(), Staff.active)
    )
    stored = staff.password_hash if staff else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if staff is None:
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How failed log-ins are slowed down, so that guessing is slow and a stranger
    cannot lock a staff member out.

    Per account *and* address, the first ``free`` failures cost nothing, then each
    one makes that pair wait longer (``first_delay``, doubling, at most
    ``longest_delay``): the person at her own computer is never held back by what
    someone else does elsewhere. Only an address is ever locked outright, after
    ``max_per_client`` failures in ``window``, for ``client_lock``. An account that
    sees ``alert_after`` failures in ``window`` from anywhere is reported to the
    admins (audit ``staff.login_alert``), once per window.
    """

    window: timedelta = timedelta(minutes=15)
    free: int = 3
    first_delay: timedelta = timedelta(seconds=2)
    longest_delay: timedelta = timedelta(minutes=15)
    max_per_client: int = 20
    client_lock: timedelta = timedelta(minutes=15)
    alert_after: int = 10


async def log_in(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    client: str,
    limits: LoginLimits = LoginLimits(),
) -> Staff | None:
    """``authenticate``, slowed down per account and address, locked per address.

    The counters are locked for the whole attempt (``throttle.locked``), so parallel
    guesses are checked one at a time against the latest count. Past a limit,
    ``LoginThrottled`` (with the moment it lifts) is raised before any password is
    checked. The caller must commit after a failed attempt too: that counts it.
    """
    now = uow.now()
    username = username.strip().lower()
    pair = await throttle.locked(
        uow, throttle.throttle_key("login", username, client), window=limits.window
    )
    address = await throttle.locked(
        uow, throttle.throttle_key("login-client", client), window=limits.window
    )
    for row, scope in ((address, "client"), (pair, "account_client")):
        if throttle.blocked(row, now):
            assert row.blocked_until is not None
            await uow.commit_apart(
                audit.entry(uow, "staff.login_throttled", actor="system", details={"scope": scope})
            )
            raise LoginThrottled(f"too many failed log-ins ({scope})", row.blocked_until)
    staff = await authenticate(uow, username, password)
    if staff is not None:
        await throttle.clear(uow, pair.key)
        audit.record(uow, "staff.login", staff_id=staff.id)
        return staff
    pair.failures += 1
    delay = throttle.growing_delay(
        pair.failures,
        free=limits.free,
        first=limits.first_delay,
        longest=limits.longest_delay,
    )
    if delay is not None:
        pair.blocked_until = now + delay
    address.failures += 1
    if address.failures >= limits.max_per_client:
        address.blocked_until = now + limits.client_lock
    known = await uow.session.scalar(select(Staff.id).where(Staff.username == username))
    if known is not None:
        audit.record(uow, "staff.login_failed", staff_id=known)
        account = await throttle.locked(
            uow, throttle.throttle_key("login-account", username), window=limits.window
        )
        account.failures += 1
        if account.failures >= limits.alert_after and not account.alerted:
            account.alerted = True
            audit.record(
                uow,
                "staff.login_alert",
                actor="system",
                target=f"staff:{known}",
                details={"failures": account.failures},
            )
    return None


async def log_out_everywhere(
    uow: UnitOfWork, staff_id: int, *, by: StaffActor | None = None
) -> None:
    """End every session of ``staff_id``: their own choice, or an admin's (``by``)."""
    staff = await _staff(uow, staff_id)
    staff.session_epoch += 1
    if by is None or by.id == staff_id:
        audit.record(uow, "staff.logout_everywhere", staff_id=staff_id)
    else:
        audit.record(uow, "staff.logout_everywhere", staff_id=by.id, target=f"staff:{staff_id}")


async def _staff(uow: UnitOfWork, staff_id: int) -> Staff:
    staff = await uow.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"no staff {staff_id}")
    return staff


async def set_active(uow: UnitOfWork, by: StaffActor, staff_id: int, active: bool) -> Staff:
    """Deactivate an account (its sessions end at once; it can no longer log in) or
    reactivate it. Nobody deactivates their own account, so an admin always remains."""
    staff = await _staff(uow, staff_id)
    if staff.id == by.id and not active:
        raise InvalidTransition("nobody deactivates their own account")
    if staff.active == active:
        raise InvalidTransition(f"staff {staff_id} is already {'active' if active else 'inactive'}")
    staff.active = active
    if not active:
        staff.session_epoch += 1
    audit.record(
        uow,
        "staff.reactivate" if active else "staff.deactivate",
        staff_id=by.id,
        target=f"staff:{staff.id}",
    )
    return staff


async def reset_password(
    uow: UnitOfWork, by: StaffActor, staff_id: int, new_password: str
) -> Staff:
    """An admin sets a new password (to hand over in person); the person's sessions end."""
    _check_password(new_password)
    staff = await _staff(uow, staff_id)
    staff.password_hash = hash_password(new_password)
    staff.session_epoch += 1
    audit.record(uow, "staff.password_reset", staff_id=by.id, target=f"staff:{staff.id}")
    return staff


async def change_password(
    uow: UnitOfWork,
    staff_id: int,
    current_password: str,
    new_password: str,
    *,
    limits: LoginLimits = LoginLimits(),
) -> Staff:
    """Change one's own password, knowing the current one. Every other session of the
    person ends (``session_epoch``): the caller renews its own with the new epoch.

    Wrong current passwords are slowed down like failed log-ins (the count is kept
    even though this raises ``WrongPassword``), so a session left open cannot be
    used to guess it; while held back, ``LoginThrottled`` is raised before checking."""
    staff = await _staff(uow, staff_id)
    now = uow.now()
    row = await throttle.locked(
        uow, throttle.throttle_key("password", staff.username), window=limits.window
    )
    if throttle.blocked(row, now):
        assert row.blocked_until is not None
        await uow.commit_apart(
            audit.entry(
                uow, "staff.login_throttled", staff_id=staff.id, details={"scope": "password"}
            )
        )
        raise LoginThrottled("too many wrong passwords lately", row.blocked_until)
    try:
        _hasher.verify(staff.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        row.failures += 1
        delay = throttle.growing_delay(
            row.failures, free=limits.free, first=limits.first_delay, longest=limits.longest_delay
        )
        if delay is not None:
            row.blocked_until = now + delay
        audit.record(uow, "staff.password_change_failed", staff_id=staff.id)
        await uow.commit()
        raise WrongPassword("the current password is not right") from None
    _check_password(new_password)
    await throttle.clear(uow, row.key)
    staff.password_hash = hash_password(new_password)
    staff.session_epoch += 1
    audit.record(uow, "staff.password_change", staff_id=staff.id)
    return staff


async def set_language(uow: UnitOfWork, staff_id: int, language: str) -> Staff:
    """The language the console speaks to this person from their next log-in on."""
    if language not in STAFF_LANGUAGES:
        raise ValidationFailed(f"the console speaks {', '.join(STAFF_LANGUAGES)}")
    staff = await _staff(uow, staff_id)
    if staff.language != language:
        staff.language = language
        audit.record(uow, "staff.language", staff_id=staff.id, details={"language": language})
    return staff


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password, only to spend the same time")


async def usernames_with_password(uow: UnitOfWork, password: str) -> list[str]:
    """The active accounts whose password is ``password`` (``rumbo check`` asks about
    the demo one). One hash verification per active account."""
    found: list[str] = []
    accounts = await uow.session.execute(
        select(Staff.username, Staff.password_hash).where(Staff.active).order_by(Staff.username)
    )
    for username, stored in accounts.all():
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            continue
        found.append(username)
    return found
