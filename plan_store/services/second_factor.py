"""The second factor of a staff log-in: TOTP (an authenticator app), with recovery
codes for a lost phone.

The shared secret is kept encrypted (``Staff.totp_secret``); while
``totp_enabled_at`` is empty it is only offered, and becomes the account's when the
person types a code made from it. A code is accepted once (``totp_last_step``).
Recovery codes are shown once and kept only as hashes; each works once. Wrong codes
are slowed down like wrong passwords (``throttle``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pyotp

from plan_store.enums import Role
from plan_store.errors import InvalidTransition, LoginThrottled, NotFound, WrongCode
from plan_store.models import Staff, Throttle
from plan_store.services import audit, throttle
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

ISSUER = "Rumbo"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_WINDOW = timedelta(minutes=15)
FREE_WRONG_CODES = 3
FIRST_DELAY = timedelta(seconds=5)
LONGEST_DELAY = timedelta(minutes=15)


def required(role: Role, *, for_operators: bool) -> bool:
    """Coordinators and admins always sign in with a second factor; operators when
    the installation says so (``RUMBO_TOTP_OPERATORS``)."""
    return role is not Role.OPERATOR or for_operators


def provisioning_uri(secret: str, username: str) -> str:
    """What the QR code holds: ``otpauth://totp/Rumbo:username?secret=...``."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _recovery_hash(code: str) -> str:
    normal = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(f"rumbo-recovery:{normal}".encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


async def _staff(uow: UnitOfWork, staff_id: int) -> Staff:
    staff = await uow.session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound(f"no active staff {staff_id}")
    return staff


async def offered_secret(uow: UnitOfWork, staff_id: int) -> str:
    """The secret to show for enrolment: the one offered already (a reload shows the
    same QR code), or a new one. Refused once a second factor is set up."""
    staff = await _staff(uow, staff_id)
    if staff.totp_enabled_at is not None:
        raise InvalidTransition("the second factor is already set up")
    if staff.totp_secret is None:
        staff.totp_secret = pyotp.random_base32()
    return staff.totp_secret


def _step_of(totp: pyotp.TOTP, code: str, uow: UnitOfWork) -> int | None:
    """The time step whose code ``code`` is, allowing one step of clock drift."""
    now = uow.now()
    here = totp.timecode(now)
    for step in (here, here - 1, here + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def _held_back(uow: UnitOfWork, staff: Staff) -> Throttle:
    row = await throttle.locked(
        uow, throttle.throttle_key("totp", str(staff.id)), window=CODE_WINDOW
    )
    if throttle.blocked(row, uow.now()):
        assert row.blocked_until is not None
        await uow.commit_apart(
            audit.entry(uow, "staff.login_throttled", staff_id=staff.id, details={"scope": "code"})
        )
        raise LoginThrottled("too many wrong codes lately", row.blocked_until)
    return row


async def _wrong(uow: UnitOfWork, row: Throttle, staff: Staff) -> WrongCode:
    row.failures += 1
    delay = throttle.growing_delay(
        row.failures, free=FREE_WRONG_CODES, first=FIRST_DELAY, longest=LONGEST_DELAY
    )
    if delay is not None:
        row.blocked_until = uow.now() + delay
    audit.record(uow, "staff.code_failed", staff_id=staff.id)
    await uow.commit()  # the failure counts even though the caller sees an error
    return WrongCode("not a valid code")


async def enrol(uow: UnitOfWork, staff_id: int, code: str) -> list[str]:
    """Confirm the offered secret with a code made from it. Returns the recovery
    codes, to show once."""
    staff = await _staff(uow, staff_id)
    if staff.totp_enabled_at is not None or staff.totp_secret is None:
        raise InvalidTransition("no second factor is being set up")
    row = await _held_back(uow, staff)
    step = _step_of(pyotp.TOTP(staff.totp_secret), _digits(code), uow)
    if step is None:
        raise await _wrong(uow, row, staff)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    staff.totp_enabled_at = uow.now()
    staff.totp_last_step = step
    staff.recovery_code_hashes = [_recovery_hash(c) for c in codes]
    await throttle.clear(uow, row.key)
    audit.record(uow, "staff.second_factor_on", staff_id=staff.id)
    return codes


def _digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())


async def verify(uow: UnitOfWork, staff_id: int, code: str) -> Staff:
    """The second step of a log-in: a current code (each accepted once) or an unused
    recovery code (then spent). Raises ``WrongCode`` or ``LoginThrottled``."""
    staff = await _staff(uow, staff_id)
    if staff.totp_enabled_at is None or staff.totp_secret is None:
        raise InvalidTransition("this account has no second factor yet")
    row = await _held_back(uow, staff)
    typed = _digits(code)
    if typed.isdigit():
        step = _step_of(pyotp.TOTP(staff.totp_secret), typed, uow)
        if step is None or (staff.totp_last_step is not None and step <= staff.totp_last_step):
            raise await _wrong(uow, row, staff)
        staff.totp_last_step = step
    else:
        wanted = _recovery_hash(typed)
        left = [h for h in staff.recovery_code_hashes if not secrets.compare_digest(h, wanted)]
        if len(left) == len(staff.recovery_code_hashes):
            raise await _wrong(uow, row, staff)
        staff.recovery_code_hashes = left
        audit.record(
            uow, "staff.recovery_code_used", staff_id=staff.id, details={"left": len(left)}
        )
    await throttle.clear(uow, row.key)
    return staff


async def reset(uow: UnitOfWork, by: StaffActor, staff_id: int) -> Staff:
    """An admin removes a lost second factor: the person sets up a new one at the
    next log-in, and her sessions end."""
    staff = await uow.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"no staff {staff_id}")
    staff.totp_secret = None
    staff.totp_enabled_at = None
    staff.totp_last_step = None
    staff.recovery_code_hashes = []
    staff.session_epoch += 1
    audit.record(uow, "staff.second_factor_reset", staff_id=by.id, target=f"staff:{staff.id}")
    return staff
