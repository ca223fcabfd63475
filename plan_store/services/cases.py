"""Cases: admitting them and moving them along the route of care (homes are
``homes``).

Coordinators admit adolescents to their own home and admins to any home
(``create_case`` with ``by``); the same people change a case's reference operator
and care setting. Operators work their caseload but do not reassign it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from locales import is_supported
from plan_store.enums import CareSetting, CaseStatus, Phase, Role
from plan_store.errors import (
    CaseClosed,
    DuplicateName,
    HandoverNoteMissing,
    InvalidTransition,
    NotFound,
    OutOfScope,
    ValidationFailed,
)
from plan_store.models import Adolescent, ChatLink, Handover, Home, LifePlan, PhaseChange, Staff
from plan_store.services import audit
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.services.outbox import cancel_pending_for
from plan_store.unit_of_work import UnitOfWork

MIN_AGE = 10
MAX_FOLLOW_UP_AGE = 21
MAX_CASE_NUMBER = 32
CASE_NUMBER = re.compile(rf"[A-Z0-9][A-Z0-9./_-]{{0,{MAX_CASE_NUMBER - 1}}}")
"""A case number as stored: upper-case letters, digits and ``. / _ -``, no spaces."""
MAX_ALIAS = 60
COORDINATION = frozenset({Role.COORDINATOR, Role.ADMIN})
"""Who admits adolescents, reassigns them and exports their data."""


def local_today(uow: UnitOfWork, home: Home) -> date:
    return uow.now().astimezone(ZoneInfo(home.timezone)).date()


def normalized_case_number(raw: str) -> str:
    """A case number as typed ("  mx-2026-0001 ") as it is stored ("MX-2026-0001")."""
    return raw.strip().upper()


async def _reference_operator(uow: UnitOfWork, operator_id: int, home_id: int) -> Staff:
    """The staff member, if they can be a reference operator in ``home_id``: an active
    operator of that home. ``ValidationFailed`` otherwise."""
    operator = await uow.session.get(Staff, operator_id)
    if operator is None or operator.role is not Role.OPERATOR or not operator.active:
        raise ValidationFailed("the reference operator must be an active operator")
    if operator.home_id != home_id:
        raise ValidationFailed("the reference operator works in another home")
    return operator


async def _may_admit(uow: UnitOfWork, actor: StaffActor, home_id: int) -> None:
    """Coordinators admit to their own home, admins to any; a refusal is audited."""
    if actor.role is Role.ADMIN or (actor.role is Role.COORDINATOR and actor.home_id == home_id):
        return
    await uow.commit_apart(
        audit.entry(
            uow,
            "case.refused",
            staff_id=actor.id,
            target=f"home:{home_id}",
            details={"purpose": "admit"},
        )
    )
    raise OutOfScope(f"{actor.role} {actor.id} may not admit adolescents to home {home_id}")


def _checked_admission(
    case_number: str, alias: str, language: str, phase: Phase, care_setting: CareSetting
) -> tuple[str, str]:
    """The case number and alias as stored; ``ValidationFailed`` on what a new case
    cannot have."""
    case_number = normalized_case_number(case_number)
    alias = alias.strip()
    if not case_number or not alias:
        raise ValidationFailed("a case needs a case number and an alias")
    if not CASE_NUMBER.fullmatch(case_number):
        raise ValidationFailed(
            f"a case number has 1 to {MAX_CASE_NUMBER} letters, digits and . / _ -"
        )
    if len(alias) > MAX_ALIAS:
        raise ValidationFailed(f"an alias has at most {MAX_ALIAS} characters")
    if not is_supported(language):
        raise ValidationFailed(f"not a supported language: {language!r}")
    if phase is Phase.AFTER_CARE or care_setting is CareSetting.AFTER_CARE:
        raise ValidationFailed("a case starts in care; after care begins with move_to_follow_up")
    return case_number, alias


async def create_case(
    uow: UnitOfWork,
    *,
    case_number: str,
    alias: str,
    birth_date: date,
    home_id: int,
    phase: Phase,
    care_setting: CareSetting,
    reference_operator_id: int | None,
    language: str = "es",
    by: StaffActor | None = None,
) -> Adolescent:
    """A new case, in care, with an empty life plan and its first evaluation date.

    Only what the design keeps: a case number (unique), the alias the adolescent
    chooses, birth date, language, care setting and phase. ``by`` is the staff member
    admitting (a coordinator of that home or an admin; anyone else is ``OutOfScope``);
    without ``by`` it is the system (the seed, the command line). The reference
    operator, when named, is an active operator of that home. A case starts in care:
    an adolescent who has already left care is admitted and then moved to follow-up
    (``move_to_follow_up``), so that leaving care is one step with one set of rules.
    """
    if by is not None:
        await _may_admit(uow, by, home_id)
    case_number, alias = _checked_admission(case_number, alias, language, phase, care_setting)
    home = await uow.session.get(Home, home_id)
    if home is None:
        raise NotFound(f"no home {home_id}")
    today = local_today(uow, home)
    age = age_on(birth_date, today)
    if not MIN_AGE <= age <= MAX_FOLLOW_UP_AGE:
        raise ValidationFailed("Rumbo serves adolescents from 10 to 21 years old")
    if reference_operator_id is not None:
        await _reference_operator(uow, reference_operator_id, home_id)
    if await uow.session.scalar(select(Adolescent.id).where(Adolescent.case_number == case_number)):
        raise DuplicateName(f"case number {case_number} exists")
    case = Adolescent(
        case_number=case_number,
        alias=alias,
        birth_date=birth_date,
        home_id=home_id,
        phase=phase,
        care_setting=care_setting,
        reference_operator_id=reference_operator_id,
        language=language,
        status=CaseStatus.IN_CARE,
        next_evaluation_on=today + timedelta(days=home.evaluation_cadence_days),
        created_at=uow.now(),
    )
    uow.session.add(case)
    try:
        await uow.flush()
    except IntegrityError as error:  # the same number, admitted at the same moment
        raise DuplicateName(f"case number {case_number} exists") from error
    uow.session.add(LifePlan(adolescent_id=case.id, drafted_at=uow.now()))
    uow.session.add(
        PhaseChange(
            adolescent_id=case.id,
            phase=phase,
            started_at=uow.now(),
            by_staff_id=by.id if by else None,
        )
    )
    audit.record(
        uow,
        "case.create",
        staff_id=by.id if by else None,
        actor="system" if by is None else "staff",
        adolescent_id=case.id,
    )
    return case


def age_on(birth_date: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def twenty_first_birthday(birth_date: date) -> date:
    try:
        return birth_date.replace(year=birth_date.year + MAX_FOLLOW_UP_AGE)
    except ValueError:  # born on 29 February
        return date(birth_date.year + MAX_FOLLOW_UP_AGE, 3, 1)


async def move_to_follow_up(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, *, follow_up_until: date
) -> Adolescent:
    """The adolescent leaves care; light follow-up until the date (at most age 21)."""
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    if case.status is not CaseStatus.IN_CARE:
        raise InvalidTransition(f"a case in status {case.status} cannot move to follow-up")
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    today = local_today(uow, home)
    if follow_up_until <= today:
        raise ValidationFailed("the follow-up ends after today")
    case.status = CaseStatus.FOLLOW_UP
    _enter_phase(uow, case, Phase.AFTER_CARE, actor)
    case.care_setting = CareSetting.AFTER_CARE
    case.left_care_on = today
    case.follow_up_until = min(follow_up_until, twenty_first_birthday(case.birth_date))
    audit.record(
        uow,
        "case.follow_up",
        staff_id=actor.id,
        adolescent_id=case.id,
        details={"until": case.follow_up_until.isoformat()},
    )
    return case


async def close_case(uow: UnitOfWork, actor: StaffActor, adolescent_id: int) -> Adolescent:
    """Close a case: its chats are unlinked and nothing more is sent to them."""
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is already closed")
    case.status = CaseStatus.CLOSED
    links = await uow.session.scalars(
        select(ChatLink).where(ChatLink.adolescent_id == case.id, ChatLink.active)
    )
    for link in links:
        link.active = False
        link.unlinked_at = uow.now()
        link.unlink_reason = "case_closed"
    await cancel_pending_for(uow, case.id)
    audit.record(uow, "case.close", staff_id=actor.id, adolescent_id=case.id)
    return case


async def change_phase(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, phase: Phase
) -> Adolescent:
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    old = case.phase
    if old is phase:
        raise InvalidTransition(f"case {adolescent_id} is already in {phase}")
    _enter_phase(uow, case, phase, actor)
    audit.record(
        uow,
        "case.phase",
        staff_id=actor.id,
        adolescent_id=case.id,
        details={"from": old.value, "to": phase.value},
    )
    return case


def _enter_phase(uow: UnitOfWork, case: Adolescent, phase: Phase, by: StaffActor) -> None:
    """Move the case to ``phase`` and keep the change in its phase history."""
    case.phase = phase
    uow.session.add(
        PhaseChange(adolescent_id=case.id, phase=phase, started_at=uow.now(), by_staff_id=by.id)
    )


async def case_for_coordination(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, *, purpose: str
) -> Adolescent:
    """The case, for what only coordination does with it (reassign, export): a case out
    of ``actor``'s scope is refused as ``case_for_staff`` refuses it; an operator, even
    the case's own, gets ``OutOfScope`` too (shown as not found), and the attempt is
    audited (``case.refused``) even though the work rolls back."""
    case = await case_for_staff(uow, actor, adolescent_id, purpose=purpose)
    if actor.role not in COORDINATION:
        await uow.commit_apart(
            audit.entry(
                uow,
                "case.refused",
                staff_id=actor.id,
                adolescent_id=case.id,
                details={"purpose": purpose},
            )
        )
        raise OutOfScope(f"{purpose} of case {adolescent_id} is for coordinators and admins")
    return case


MAX_HANDOVER_NOTE = 4000


async def change_reference_operator(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    operator_id: int,
    *,
    handover_note: str = "",
) -> Handover | None:
    """Refer the case to another operator: an active operator of the case's home. The
    case leaves the old operator's caseload at once (their scope is the cases that
    name them). A closed case stays as it was closed.

    A case that had an operator is handed over with a note (what is open, what
    matters to her), kept encrypted and shown to the new operator until she reads it;
    a case that had none may go without. Returns the handover, if any."""
    case = await case_for_coordination(uow, actor, adolescent_id, purpose="change")
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    await _reference_operator(uow, operator_id, case.home_id)
    if case.reference_operator_id == operator_id:
        raise InvalidTransition(f"staff {operator_id} is already the reference operator")
    note = handover_note.strip()
    if len(note) > MAX_HANDOVER_NOTE:
        raise ValidationFailed(f"a handover note has at most {MAX_HANDOVER_NOTE} characters")
    old = case.reference_operator_id
    if old is not None and not note:
        raise HandoverNoteMissing("a handover needs a note for the new operator")
    case.reference_operator_id = operator_id
    handover = None
    if note:
        handover = Handover(
            adolescent_id=case.id,
            from_staff_id=old,
            to_staff_id=operator_id,
            by_staff_id=actor.id,
            note_ciphertext=uow.cipher.encrypt(note),
            created_at=uow.now(),
        )
        uow.session.add(handover)
    audit.record(
        uow,
        "case.reference_operator",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"staff:{operator_id}",
        details={"from": old, "to": operator_id, "handover_note": bool(note)},
    )
    return handover


async def change_care_setting(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, care_setting: CareSetting
) -> Adolescent:
    """Move a case in care to another care setting (a residential centre, a foster
    family, ...). Leaving care is ``move_to_follow_up``, not a care setting chosen
    here; a case in follow-up or closed keeps its setting."""
    case = await case_for_coordination(uow, actor, adolescent_id, purpose="change")
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    if case.status is not CaseStatus.IN_CARE:
        raise InvalidTransition(f"a case in status {case.status} keeps its care setting")
    if care_setting is CareSetting.AFTER_CARE:
        raise ValidationFailed("leaving care is a move to follow-up, not a care setting")
    if case.care_setting is care_setting:
        raise InvalidTransition(f"case {adolescent_id} is already in {care_setting}")
    old = case.care_setting
    case.care_setting = care_setting
    audit.record(
        uow,
        "case.care_setting",
        staff_id=actor.id,
        adolescent_id=case.id,
        details={"from": old.value, "to": care_setting.value},
    )
    return case
