"""Risk terms added by staff, per language, beside the files in ``locales/triage/``.

The files are the reviewed base that ships with Rumbo; these are what a home learns
on the way (a new slang word for running away, an interpreter's phrase in Mam). A
term means what a line under ``[category severity]`` means in a file (format:
``locales/triage/README.md``): words in order, ``*`` at the end of a word for any word
starting so, ``=`` first for a term that must be the whole message.

Coordinators and admins add and deactivate terms, translators add terms in their
languages; a second speaker reviews a term (nobody their own). A term counts from
the next message whether reviewed or not: a missed risk costs more than an extra
flag. Nothing is deleted, so the log says which terms were read when.
``active_terms`` is what triage reads beside the files: a chat is read with the
terms of its language and the Spanish ones, always.
Adding and deactivating are audited (who, which language, category and severity;
the term itself stays in its row).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Table, bindparam, func, select

from locales import is_supported
from plan_store.enums import RiskCategory, Role, Severity
from plan_store.errors import (
    DuplicateName,
    InvalidTransition,
    NotFound,
    OutOfScope,
    OwnReview,
    ValidationFailed,
)
from plan_store.models import TriageTerm
from plan_store.services import audit
from plan_store.services.access import StaffActor
from plan_store.services.translations import translatable_languages
from plan_store.triage import terms
from plan_store.unit_of_work import UnitOfWork

MAX_TERM = 120
MAX_WORDS = 8
MIN_PREFIX = 3
EDITORS = frozenset({Role.COORDINATOR, Role.ADMIN})
TRANSLATORS = frozenset({Role.TRANSLATOR})

_WORD = re.compile(r"[^\W_]+(?:['’ʼ][^\W_]*)*(?:['’ʼ])?")


@dataclass(frozen=True, slots=True)
class ActiveTerm:
    """A term as triage reads it."""

    language: str
    category: RiskCategory
    severity: Severity
    term: str


def normalized(term: str) -> str:
    """``term`` as stored: single spaces, ``= `` first for a whole-message term.

    ``ValidationFailed`` unless every word is letters or digits (apostrophes inside,
    as in K'iche'), with at most a final ``*`` on words of 3 letters or more, and
    ``+`` only between two phrases that must both be in the message; the line is
    then read by the same reader as the files (``plan_store.triage.terms``)."""
    text = " ".join(term.split())
    whole = text.startswith("=")
    if whole:
        text = text[1:].strip()
    words = text.split()
    if not words:
        raise ValidationFailed("a term has at least one word")
    if len([w for w in words if w != "+"]) > MAX_WORDS:
        raise ValidationFailed(f"a term has at most {MAX_WORDS} words")
    if words[0] == "+" or words[-1] == "+" or "+ +" in text:
        raise ValidationFailed("'+' stands between two phrases")
    for word in words:
        if word == "+":
            continue
        stem = word[:-1] if word.endswith("*") else word
        if not _WORD.fullmatch(stem):
            raise ValidationFailed(f"{word!r} is not a word (letters, digits, a final *)")
        if word.endswith("*") and sum(ch.isalnum() for ch in stem) < MIN_PREFIX:
            raise ValidationFailed(f"the prefix {word!r} is too short ({MIN_PREFIX} letters)")
    stored = ("= " if whole else "") + " ".join(words)
    if len(stored) > MAX_TERM:
        raise ValidationFailed(f"a term has at most {MAX_TERM} characters")
    try:
        terms.staff_term(RiskCategory.DISTRESS.value, Severity.LOW.value, stored)
    except terms.TriageFileError as error:
        raise ValidationFailed(str(error).removeprefix("staff term: ")) from error
    return stored


def _editor(actor: StaffActor) -> None:
    if actor.role not in EDITORS:
        raise OutOfScope("risk terms are kept by coordinators and admins")


async def _speaker(uow: UnitOfWork, actor: StaffActor, language: str) -> None:
    """Coordinators and admins, or a translator of ``language``."""
    if actor.role in EDITORS:
        return
    if actor.role in TRANSLATORS and language in await translatable_languages(uow, actor):
        return
    raise OutOfScope(f"staff {actor.id} does not keep the risk terms of {language!r}")


async def add(
    uow: UnitOfWork,
    actor: StaffActor,
    *,
    language: str,
    category: RiskCategory,
    severity: Severity,
    term: str,
) -> TriageTerm:
    """A new active term in ``language``; the same active term twice is refused."""
    await _speaker(uow, actor, language)
    if not is_supported(language):
        raise ValidationFailed(f"not a supported language: {language!r}")
    stored = normalized(term)
    taken = await uow.session.scalar(
        select(TriageTerm.id).where(
            TriageTerm.language == language,
            TriageTerm.active,
            func.lower(TriageTerm.term) == stored.lower(),
        )
    )
    if taken is not None:
        raise DuplicateName(f"the term is already active in {language!r}")
    row = TriageTerm(
        language=language,
        category=category,
        severity=severity,
        term=stored,
        added_by_id=actor.id,
        added_at=uow.now(),
        active=True,
    )
    uow.session.add(row)
    await uow.flush()
    _forget(uow)
    audit.record(
        uow,
        "triage_term.add",
        staff_id=actor.id,
        target=f"triage_term:{row.id}",
        details={"language": language, "category": category.value, "severity": severity.value},
    )
    return row


async def deactivate(uow: UnitOfWork, actor: StaffActor, term_id: int) -> TriageTerm:
    """Stop reading a term (it stays listed as inactive)."""
    _editor(actor)
    row = await uow.session.get(TriageTerm, term_id)
    if row is None:
        raise NotFound(f"no triage term {term_id}")
    if not row.active:
        raise InvalidTransition(f"triage term {term_id} is already inactive")
    row.active = False
    row.deactivated_at = uow.now()
    row.deactivated_by_id = actor.id
    _forget(uow)
    audit.record(
        uow,
        "triage_term.deactivate",
        staff_id=actor.id,
        target=f"triage_term:{row.id}",
        details={"language": row.language},
    )
    return row


async def review(uow: UnitOfWork, actor: StaffActor, term_id: int) -> TriageTerm:
    """A second speaker's review of a term (never the person who added it)."""
    row = await uow.session.get(TriageTerm, term_id)
    if row is None:
        raise NotFound(f"no triage term {term_id}")
    await _speaker(uow, actor, row.language)
    if row.added_by_id == actor.id:
        raise OwnReview("nobody reviews a term they added")
    if row.reviewed_at is not None:
        raise InvalidTransition(f"triage term {term_id} is already reviewed")
    row.reviewed_by_id, row.reviewed_at = actor.id, uow.now()
    audit.record(
        uow,
        "triage_term.review",
        staff_id=actor.id,
        target=f"triage_term:{row.id}",
        details={"language": row.language},
    )
    return row


_TERMS = TriageTerm.__table__
assert isinstance(_TERMS, Table)
# Built once, on the table (rows, not the ORM's): triage asks it for every text an
# adolescent types.
_ACTIVE = (
    select(_TERMS.c.language, _TERMS.c.category, _TERMS.c.severity, _TERMS.c.term)
    .where(_TERMS.c.language.in_(bindparam("languages", expanding=True)), _TERMS.c.active)
    .order_by(_TERMS.c.id)
)


async def active_terms(uow: UnitOfWork, languages: Iterable[str]) -> list[ActiveTerm]:
    """The active terms of these languages, oldest first (a stable order).

    Read once per transaction and language set: a burst of texts applied together
    asks once, not once a text. Adding or deactivating a term forgets
    what was read (``_forget``), so a term changed in this transaction counts."""
    wanted = tuple(sorted(set(languages)))
    key = (_MEMO, wanted)
    terms: list[ActiveTerm] | None = uow.memo.get(key)
    if terms is None:
        await uow.flush()  # as the ORM's query would: a term added in this transaction counts
        rows = await uow.session.execute(_ACTIVE, {"languages": list(wanted)})
        terms = uow.memo[key] = [ActiveTerm(*row) for row in rows]
    return list(terms)


_MEMO = "triage_terms.active"


def _forget(uow: UnitOfWork) -> None:
    for key in [key for key in uow.memo if isinstance(key, tuple) and key[0] == _MEMO]:
        del uow.memo[key]


async def of_language(uow: UnitOfWork, language: str) -> list[TriageTerm]:
    """Every term of ``language``, active first, newest first (for the console)."""
    rows = await uow.session.scalars(
        select(TriageTerm)
        .where(TriageTerm.language == language)
        .order_by(TriageTerm.active.desc(), TriageTerm.id.desc())
    )
    return list(rows)
