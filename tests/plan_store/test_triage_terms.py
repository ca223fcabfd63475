"""Risk terms staff add per language: checked, audited, deactivated but never deleted."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from plan_store.enums import RiskCategory, Role, Severity
from plan_store.errors import (
    DuplicateName,
    InvalidTransition,
    NotFound,
    OutOfScope,
    ValidationFailed,
)
from plan_store.models import AuditEntry, TriageTerm
from plan_store.services import triage_terms
from plan_store.services.access import StaffActor
from plan_store.services.triage_terms import ActiveTerm
from plan_store.unit_of_work import UnitOfWork
from rumbo.container import Container
from tests.plan_store.builders import Team, a_staff_member


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  me   quiero IR ", "me quiero IR"),
        ("=ayuda", "= ayuda"),
        ("= ayúdenme ya", "= ayúdenme ya"),
        ("suicid*", "suicid*"),
        ("K'iche' tzij", "K'iche' tzij"),
        ("m4tarme", "m4tarme"),
    ],
)
def test_a_term_is_stored_the_plain_way(typed: str, stored: str) -> None:
    assert triage_terms.normalized(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "=",
        "su*",
        "me # voy",
        "[ignore]",
        "me-voy",
        "a*b",
        "*ayuda",
        "uno " * 9,
        "x" * 121,
    ],
)
def test_a_term_outside_the_format_is_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed):
        triage_terms.normalized(typed)


async def add(uow: UnitOfWork, actor: StaffActor, term: ActiveTerm) -> TriageTerm:
    """``term`` added through the service, field by field."""
    return await triage_terms.add(
        uow,
        actor,
        language=term.language,
        category=term.category,
        severity=term.severity,
        term=term.term,
    )


async def test_a_term_added_or_deactivated_counts_at_once_within_the_same_transaction(
    container: Container, team: Team
) -> None:
    """The active terms are read once per transaction (a burst of texts shares one),
    yet a change made in that transaction, or committed by another before the next
    one begins, is what the next read sees."""
    tio = ActiveTerm("mam", RiskCategory.RUNNING_AWAY, Severity.HIGH, "tío chucho")
    me_voy = ActiveTerm("mam", RiskCategory.RUNNING_AWAY, Severity.HIGH, "ya me voy")
    async with container.uow() as uow:
        assert await triage_terms.active_terms(uow, ["mam"]) == []
        added = await add(uow, team.coordinator, tio)
        assert await triage_terms.active_terms(uow, ["mam"]) == [tio]
        assert await triage_terms.active_terms(uow, ["es", "mam"]) == [tio]
        await triage_terms.deactivate(uow, team.coordinator, added.id)
        assert await triage_terms.active_terms(uow, ["mam"]) == []
        await uow.commit()
    async with container.uow() as reading:
        assert await triage_terms.active_terms(reading, ["mam"]) == []
        async with container.uow() as other:
            await add(other, team.coordinator, me_voy)
            await other.commit()
    async with container.uow() as uow:
        assert await triage_terms.active_terms(uow, ["mam"]) == [me_voy]


async def test_coordinators_add_and_deactivate_terms_per_language(
    container: Container, team: Team
) -> None:
    tio = ActiveTerm("mam", RiskCategory.RUNNING_AWAY, Severity.HIGH, "tío chucho")
    ayudenme = ActiveTerm("es", RiskCategory.DISTRESS, Severity.URGENT, "= ayúdenme")
    me_duele = ActiveTerm("mam", RiskCategory.HEALTH, Severity.LOW, "me duele")
    async with container.uow() as uow:
        kept = await add(uow, team.coordinator, tio)
        await add(uow, team.coordinator, ayudenme)
        gone = await add(uow, team.coordinator, me_duele)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(DuplicateName):  # "tío chucho" again, however typed
            await add(uow, team.coordinator, replace(me_duele, term="TÍO  chucho"))
        with pytest.raises(ValidationFailed):  # no such language
            await add(uow, team.coordinator, replace(me_duele, language="xx", term="algo"))
        with pytest.raises(OutOfScope):  # operators do not edit terms
            await add(uow, team.operator, replace(me_duele, language="es", term="algo"))
        with pytest.raises(OutOfScope):
            await triage_terms.deactivate(uow, team.operator, kept.id)
        await triage_terms.deactivate(uow, team.coordinator, gone.id)
        await uow.commit()
    async with container.uow() as uow:
        with pytest.raises(InvalidTransition):
            await triage_terms.deactivate(uow, team.coordinator, gone.id)
        with pytest.raises(NotFound):
            await triage_terms.deactivate(uow, team.coordinator, gone.id + 100)
        assert await triage_terms.active_terms(uow, ["es", "mam"]) == [tio, ayudenme]
        assert [t.term for t in await triage_terms.active_terms(uow, ["quc"])] == []
        listed = await triage_terms.of_language(uow, "mam")
        assert [(t.term, t.active) for t in listed] == [("tío chucho", True), ("me duele", False)]
        assert listed[1].deactivated_by_id == team.coordinator.id
        assert len(list(await uow.session.scalars(select(TriageTerm)))) == 3
        entries = list(
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("triage_term.%"))
            )
        )
        assert [e.action for e in entries] == ["triage_term.add"] * 3 + ["triage_term.deactivate"]
        assert all("chucho" not in f"{e.target} {e.details}" for e in entries)

    async with container.uow() as uow:  # an admin may too; the same term again once off
        admin = await a_staff_member(uow, None, "root", Role.ADMIN)
        again = await add(uow, admin, replace(me_duele, severity=Severity.MEDIUM))
        assert again.active
