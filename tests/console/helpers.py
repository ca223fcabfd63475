"""Walking the app's routes, filling their paths, and photographing the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from plan_store.crypto import bound_cipher
from plan_store.models import Base
from rumbo.container import Container
from tests.console.world import CaseIds

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# Tables that record who did what: they are expected to grow on a refusal.
# So are the log-in counters and the sessions (last seen).
LOG_TABLES = {"audit_log", "throttles", "staff_sessions"}


def routes_with_method(app: Any, method: str, prefix: str = "") -> Iterator[str]:
    """Every path template of ``app`` (mounts included) that answers ``method``, but
    the catch-alls that only show the console's "not found" page."""
    for route in app.routes:
        methods = getattr(route, "methods", None)
        if route.path.endswith("{rest:path}"):
            continue
        if methods is not None and method in methods:
            yield prefix + route.path
        elif methods is None and hasattr(route, "routes"):
            yield from routes_with_method(route, method, prefix + route.path)


def fill(path: str, case: CaseIds) -> str:
    ids = {
        "case_id": case.id,
        "goal_id": case.goal,
        "step_id": case.step_done,
        "appointment_id": case.appointment,
        "flag_id": case.flag,
        "message_id": case.message,
        "request_id": case.request,
        # The world makes no proposal, agreement or concern: the first of each.
        "proposal_id": 1,
        "agreement_id": 1,
        "concern_id": 1,
        "handover_id": 1,
        "contact_id": 1,
        "procedure_id": 1,
        # Outside any case: the first staff member, home and risk term, and Spanish.
        "staff_id": 1,
        "home_id": 1,
        "term_id": 1,
        "alert_id": 1,
        "shift_id": 1,
        "change_id": 1,
        "lang": "es",
        "session_id": 1,
    }
    return _PARAM.sub(lambda m: str(ids[m.group(1)]), path)


def plausible_form(path: str) -> dict[str, str]:
    """Values that would make the route's change succeed, were it allowed."""
    form = {
        "title": "Algo nuevo",
        "programme": "education",
        "horizon": "short",
        "target_date": "2026-06-01",
        "responsible": "Tú",
        "due_on": "2026-04-01",
        "kind": "school",
        "place": "Escuela",
        "starts_at": "2026-03-20T10:00",
        "answer": "attended",
        "note": "Hablamos con ella.",
        "marked": "1",
        "body": "Hola, ¿cómo estás?",
        "follow_up_until": "2027-01-01",
        "confirm": "1",
        "phase": "independence",
        "summary": "Avanza bien.",
        "case_number": "MX-2026-0002",
        "decision": "accept",
        "rules": "Llegar antes de las 20:00.",
    }
    form["status"] = "answered" if "/requests/" in path else "in_progress"
    form |= {  # accounts, homes, consent texts, risk terms, voice prompts
        "username": "nuevo.operador",
        "display_name": "Nuevo",
        "role": "operator",
        "home_id": "1",
        "password": "una contraseña larga",
        "password_repeat": "una contraseña larga",
        "current_password": "correct horse battery",
        "active": "0",
        "name": "Casa Nueva",
        "timezone": "America/Mexico_City",
        "evaluation_cadence_days": "14",
        "retention_days": "0",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "emergency_numbers": "Emergencias: 911",
        "purpose": "messaging",
        "language": "en",
        "details": "Más detalles.",
        "term": "me quiero ir lejos",
        "category": "running_away",
        "severity": "high",
        "key": "menu",
    }
    form |= {  # family contacts and the legal procedure
        "relation": "tía",
        "way": "call",
        "allowed_by": "Procuraduría de Protección",
        "allowed_since": "2026-02-01",
        "held_on": "2026-03-01",
        "ended_on": "2026-03-01",
        "stage": "filed",
        "next_on": "2026-03-20",
        "next_what": "Entrevista",
    }
    if "/legal" in path:
        form["kind"] = "refugee"
    if path.startswith("/admin/homes"):
        form["kind"] = "group_home"
    elif path.startswith("/admin/consent"):
        form["kind"] = "new"
    return form


async def snapshot(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that holds case data (the logs left out)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with bound_cipher(container.uow.cipher):
        async with container.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                if table.name in LOG_TABLES:
                    continue
                # A log-in records the step of its code: not case data.
                columns = [c for c in table.columns if c.name != "totp_last_step"]
                rows = await connection.execute(select(*columns))
                tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return tables
