"""The navigation bar. A new area adds one ``NavItem`` here and its routes in ``routes``."""

from __future__ import annotations

from dataclasses import dataclass

from locales import N_
from plan_store.enums import Role

ALL_ROLES = frozenset(Role)
CARE_ROLES = ALL_ROLES - {Role.TRANSLATOR}
"""Translators see no case: only the languages they translate."""


@dataclass(frozen=True, slots=True)
class NavItem:
    path: str
    label: str
    """A Spanish msgid, translated when shown."""
    roles: frozenset[Role] = ALL_ROLES

    def active_for(self, path: str) -> bool:
        return path == self.path if self.path == "/" else path.startswith(self.path)


NAV: list[NavItem] = [
    NavItem("/", N_("Panel"), CARE_ROLES),
    NavItem("/cases", N_("Casos"), CARE_ROLES),
    NavItem("/flags", N_("Alertas"), CARE_ROLES),
    NavItem("/evaluations", N_("Evaluaciones"), CARE_ROLES),
    NavItem("/reports", N_("Reportes"), frozenset({Role.COORDINATOR, Role.ADMIN})),
    NavItem("/duty", N_("Turnos"), CARE_ROLES),
    NavItem("/concerns", N_("Quejas"), frozenset({Role.COORDINATOR, Role.ADMIN})),
    NavItem("/rules", N_("Reglas"), frozenset({Role.COORDINATOR, Role.ADMIN})),
    NavItem(
        "/languages", N_("Idiomas"), frozenset({Role.COORDINATOR, Role.ADMIN, Role.TRANSLATOR})
    ),
    NavItem("/admin", N_("Administración"), frozenset({Role.ADMIN})),
]


def nav_for(role: Role) -> list[NavItem]:
    return [item for item in NAV if role in item.roles]
