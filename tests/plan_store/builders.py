"""Builders for plan_store tests: the shared ones (``tests/builders.py``), and ``Team``,
what most tests here need (a home, its coordinator, two operators and a case).

Like the shared builders, they take an open unit of work and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from plan_store.enums import Role
from plan_store.models import Adolescent, Home, Staff
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork
from tests.builders import (
    PASSWORD,
    a_case,
    a_goal,
    a_home,
    a_linked_chat,
    a_staff_member,
    an_appointment,
    an_operator,
    birth_date_for_age,
    consent_given,
)

__all__ = [
    "PASSWORD",
    "Team",
    "a_case",
    "a_goal",
    "a_home",
    "a_linked_chat",
    "a_staff_member",
    "a_team",
    "an_appointment",
    "an_operator",
    "birth_date_for_age",
    "consent_given",
    "staff_row",
]


@dataclass(frozen=True, slots=True)
class Team:
    home: Home
    coordinator: StaffActor
    operator: StaffActor
    other_operator: StaffActor
    case: Adolescent


async def a_team(uow: UnitOfWork, *, retention_days: int = 0, age: int = 15) -> Team:
    """A home with a coordinator, two operators, and a case referred to the first."""
    home = await a_home(uow, retention_days=retention_days)
    coordinator = await a_staff_member(uow, home, "coral", Role.COORDINATOR)
    operator = await an_operator(uow, home, "ana")
    other = await an_operator(uow, home, "beto")
    case = await a_case(uow, home, operator, age=age)
    return Team(home, coordinator, operator, other, case)


async def staff_row(uow: UnitOfWork, actor: StaffActor) -> Staff:
    row = await uow.session.get(Staff, actor.id)
    assert row is not None
    return row
