"""The languages staff speak (each records their own) and the languages a translator
translates (an admin gives them), so that an adolescent who chats in K'iche' reaches
someone of the home who speaks it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from locales import is_supported, language
from plan_store.enums import CaseStatus, RequestStatus, Role
from plan_store.errors import NotFound, OutOfScope, ValidationFailed
from plan_store.models import (
    Adolescent,
    ChatLink,
    ChatSession,
    OperatorRequest,
    Staff,
    StaffLanguage,
)
from plan_store.services import audit
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork


def _codes(codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    if unknown := sorted(c for c in wanted if not is_supported(c)):
        raise ValidationFailed(f"not supported languages: {', '.join(unknown)}")
    return wanted


async def _rows(uow: UnitOfWork, staff_id: int) -> dict[str, StaffLanguage]:
    rows = await uow.session.scalars(
        select(StaffLanguage).where(StaffLanguage.staff_id == staff_id)
    )
    return {row.language: row for row in rows}


async def spoken(uow: UnitOfWork, staff_id: int) -> list[str]:
    return sorted(code for code, row in (await _rows(uow, staff_id)).items() if row.speaks)


async def translated(uow: UnitOfWork, staff_id: int) -> list[str]:
    return sorted(code for code, row in (await _rows(uow, staff_id)).items() if row.translates)


async def _set(
    uow: UnitOfWork, actor: StaffActor, staff_id: int, codes: Iterable[str], *, attr: str
) -> None:
    if await uow.session.get(Staff, staff_id) is None:
        raise NotFound(f"no staff {staff_id}")
    wanted = _codes(codes)
    rows = await _rows(uow, staff_id)
    for code in wanted - rows.keys():
        row = StaffLanguage(staff_id=staff_id, language=code, speaks=False, translates=False)
        uow.session.add(row)
        rows[code] = row
    for code, row in rows.items():
        setattr(row, attr, code in wanted)
        if not row.speaks and not row.translates:
            await uow.session.delete(row)
    await uow.flush()
    audit.record(
        uow,
        f"staff.languages.{attr}",
        staff_id=actor.id,
        target=f"staff:{staff_id}",
        details={"languages": sorted(wanted)},
    )


async def set_spoken(
    uow: UnitOfWork, actor: StaffActor, staff_id: int, codes: Iterable[str]
) -> None:
    """The languages ``staff_id`` speaks: recorded by themselves, or by an admin."""
    if actor.id != staff_id and actor.role is not Role.ADMIN:
        raise OutOfScope("staff record the languages they speak themselves")
    await _set(uow, actor, staff_id, codes, attr="speaks")


async def set_translated(
    uow: UnitOfWork, actor: StaffActor, staff_id: int, codes: Iterable[str]
) -> None:
    """The languages a translator may translate (given by an admin)."""
    if actor.role is not Role.ADMIN:
        raise OutOfScope("admins give translators their languages")
    await _set(uow, actor, staff_id, codes, attr="translates")


async def speakers(
    uow: UnitOfWork, home_ids: Iterable[int], codes: Iterable[str]
) -> dict[tuple[int, str], list[str]]:
    """The display names of the active staff of each home who speak each language."""
    homes, wanted = set(home_ids), set(codes)
    if not homes or not wanted:
        return {}
    rows = await uow.session.execute(
        select(Staff.home_id, StaffLanguage.language, Staff.display_name)
        .join(StaffLanguage, StaffLanguage.staff_id == Staff.id)
        .where(
            Staff.home_id.in_(homes),
            Staff.active,
            StaffLanguage.speaks,
            StaffLanguage.language.in_(wanted),
        )
        .order_by(Staff.display_name)
    )
    found: dict[tuple[int, str], list[str]] = {}
    for home_id, code, name in rows:
        if home_id is not None:
            found.setdefault((home_id, code), []).append(name)
    return found


async def chat_languages(uow: UnitOfWork, adolescent_ids: Iterable[int]) -> dict[int, set[str]]:
    """The languages each case's linked chats speak (chosen in the chat)."""
    wanted = set(adolescent_ids)
    if not wanted:
        return {}
    rows = await uow.session.execute(
        select(ChatLink.adolescent_id, ChatSession.language)
        .join(
            ChatSession,
            (ChatSession.channel == ChatLink.channel)
            & (ChatSession.external_id == ChatLink.external_id),
        )
        .where(ChatLink.adolescent_id.in_(wanted), ChatLink.active)
    )
    found: dict[int, set[str]] = {}
    for adolescent_id, code in rows:
        if code:
            found.setdefault(adolescent_id, set()).add(code)
    return found


@dataclass(frozen=True, slots=True)
class CaseSpeakers:
    """A language a case chats in that needs a speaker, and who of its home speaks it."""

    language: str
    names: tuple[str, ...]


async def case_speakers(uow: UnitOfWork, case_ids: Iterable[int]) -> dict[int, list[CaseSpeakers]]:
    """For each case that chats in a language needing review (the Mayan ones: the
    case's language or a linked chat's), the staff of its home who speak it, so that
    a flag or a request reaches one of them. Three queries, however many cases."""
    wanted = set(case_ids)
    if not wanted:
        return {}
    cases = {
        case_id: (home_id, code)
        for case_id, home_id, code in await uow.session.execute(
            select(Adolescent.id, Adolescent.home_id, Adolescent.language).where(
                Adolescent.id.in_(wanted)
            )
        )
    }
    chats = await chat_languages(uow, cases)
    codes_of = {
        case_id: sorted(c for c in {code, *chats.get(case_id, set())} if c and _needs_speaker(c))
        for case_id, (_, code) in cases.items()
    }
    names = await speakers(
        uow,
        {home_id for case_id, (home_id, _) in cases.items() if codes_of[case_id]},
        {c for codes in codes_of.values() for c in codes},
    )
    return {
        case_id: [CaseSpeakers(c, tuple(names.get((cases[case_id][0], c), []))) for c in codes]
        for case_id, codes in codes_of.items()
        if codes
    }


def _needs_speaker(code: str) -> bool:
    return is_supported(code) and language(code).needs_review


@dataclass(frozen=True, slots=True)
class SpeakerRequest:
    request_id: int
    adolescent_id: int
    case_number: str
    language: str
    created_at: datetime


async def requests_for_speaker(uow: UnitOfWork, actor: StaffActor) -> list[SpeakerRequest]:
    """Open requests for someone who speaks a language ``actor`` speaks, from the
    cases of their home (every home for an admin), oldest first."""
    codes = await spoken(uow, actor.id)
    if not codes:
        return []
    query = (
        select(
            OperatorRequest.id,
            Adolescent.id,
            Adolescent.case_number,
            OperatorRequest.speaker_language,
            OperatorRequest.created_at,
        )
        .join(Adolescent, Adolescent.id == OperatorRequest.adolescent_id)
        .where(
            OperatorRequest.status == RequestStatus.OPEN,
            OperatorRequest.speaker_language.in_(codes),
            Adolescent.status != CaseStatus.CLOSED,
        )
        .order_by(OperatorRequest.created_at)
    )
    if actor.role is not Role.ADMIN:
        query = query.where(Adolescent.home_id == actor.home_id)
    rows = await uow.session.execute(query)
    return [SpeakerRequest(r[0], r[1], r[2], str(r[3]), r[4]) for r in rows]
