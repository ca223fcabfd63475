"""The house rules each home writes for its adolescents ("Tus derechos y reglas")."""

from __future__ import annotations

from sqlalchemy import select

from plan_store.enums import Role
from plan_store.errors import NotFound, OutOfScope
from plan_store.models import Home
from plan_store.services import audit
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

MAX_RULES = 3000


def may_edit(actor: StaffActor, home_id: int) -> bool:
    return actor.role is Role.ADMIN or (actor.role is Role.COORDINATOR and actor.home_id == home_id)


async def editable_homes(uow: UnitOfWork, actor: StaffActor) -> list[Home]:
    """The homes whose rules ``actor`` edits: a coordinator's own, every one for an admin."""
    query = select(Home).order_by(Home.name)
    if actor.role is Role.COORDINATOR:
        query = query.where(Home.id == actor.home_id)
    elif actor.role is not Role.ADMIN:
        return []
    return list(await uow.session.scalars(query))


async def set_rules(uow: UnitOfWork, actor: StaffActor, home_id: int, text: str) -> Home:
    home = await uow.session.get(Home, home_id)
    if home is None:
        raise NotFound(f"no home {home_id}")
    if not may_edit(actor, home_id):
        raise OutOfScope(f"home {home_id} is not staff {actor.id}'s to edit")
    lines = [line.rstrip() for line in text.strip().splitlines()]
    home.house_rules = "\n".join(lines)[:MAX_RULES]
    audit.record(uow, "home.rules", staff_id=actor.id, target=f"home:{home.id}")
    return home
