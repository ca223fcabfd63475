"""What identifies an adolescent or says where she will be is not in clear text at
rest: after seeding, the SQLite file (with its write-ahead log) and a ``pg_dump`` of
the PostgreSQL schema hold none of the aliases, birth dates, goal and step titles,
appointment titles, places and times, flag notes and details, evaluation
summaries, or WhatsApp phone numbers, which the application still reads back (and
finds a chat by)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from plan_store.enums import Channel, FlagCategory
from plan_store.models import (
    Adolescent,
    Appointment,
    ChatLink,
    ChatSession,
    Evaluation,
    Flag,
    Goal,
    Home,
    OutboxMessage,
    Step,
)
from plan_store.services import chats, flags, linking, outbox
from rumbo.container import Container
from rumbo.seed import seed
from rumbo.settings import Settings

PHONE = "5215512345678"
"""A WhatsApp number (its ``wa_id``): the chat's address on the platform."""


EVIDENCE = 6
"""Shorter words are no evidence: base64 ciphertext holds a given four-letter word
("Lobo", "Jade") by chance often enough to fail a run in four, and a five-letter one
about once in a hundred. A column kept in clear shows its longer values too."""


def _formats(value: str | date | datetime) -> Iterator[str]:
    """How a value would look in a file if it were kept in clear."""
    if isinstance(value, datetime):
        utc = value.replace(tzinfo=None)
        yield utc.strftime("%Y-%m-%d %H:%M")
        yield utc.strftime("%Y-%m-%dT%H:%M")
    elif isinstance(value, date):
        yield value.isoformat()
    elif len(value) >= EVIDENCE:
        yield value


async def clear_values(container: Container) -> dict[str, set[str]]:
    """Every point-7 value of the seeded installation, as the application reads it."""
    found: dict[str, set[str]] = {}
    async with container.uow() as uow:
        case = await uow.session.scalar(select(Adolescent).limit(1))
        assert case is not None
        flag = await flags.raise_flag(
            uow, case.id, category=flags.FlagCategory.OTHER, severity=flags.Severity.LOW,
            detail="Dijo que el sábado va a la casa de su tía en Tapachula",
        )  # fmt: skip
        flag.note = "Hablamos con la tía por teléfono"
        code = await linking.issue_code(uow, None, case.id)
        await linking.redeem_code(uow, Channel.WHATSAPP, PHONE, code)
        await chats.note_inbound(uow, Channel.WHATSAPP, PHONE)
        await outbox.enqueue(
            uow, channel=Channel.WHATSAPP, external_chat_id=PHONE, payload={"text": "Hola"}
        )
        await uow.commit()
    async with container.uow() as uow:  # found by its number, though encrypted
        link = await chats.active_link(uow, Channel.WHATSAPP, PHONE)
        assert link is not None and link.adolescent_id == case.id
    async with container.uow() as uow:
        columns = {
            "alias": select(Adolescent.alias),
            "birth date": select(Adolescent.birth_date),
            "goal title": select(Goal.title),
            "step title": select(Step.title),
            "appointment title": select(Appointment.title),
            "appointment place": select(Appointment.place),
            "appointment time": select(Appointment.starts_at),
            "flag detail": select(Flag.detail),
            "flag note": select(Flag.note),
            "evaluation summary": select(Evaluation.summary),
            "phone number (chat link)": select(ChatLink.external_id).where(
                ChatLink.channel == Channel.WHATSAPP
            ),
            "phone number (chat)": select(ChatSession.external_id).where(
                ChatSession.channel == Channel.WHATSAPP
            ),
            "phone number (outbox)": select(OutboxMessage.external_chat_id).where(
                OutboxMessage.channel == Channel.WHATSAPP
            ),
        }
        # Words that are public anyway (a home's name, a category) are not evidence.
        public = [*await uow.session.scalars(select(Home.name)), *(c.value for c in FlagCategory)]
        for name, query in columns.items():
            values = {
                text for value in await uow.session.scalars(query) for text in _formats(value)
            }
            values = {v for v in values if not any(v in word for word in public)}
            assert values, f"the seed has no {name}"
            found[name] = values
    return found


def in_clear(raw: str, values: dict[str, set[str]]) -> dict[str, list[str]]:
    return {
        name: sorted(v for v in vs if v in raw)[:5]
        for name, vs in values.items()
        if any(v in raw for v in vs)
    }


async def test_nothing_of_point_seven_is_in_clear_in_the_database_files(
    container: Container, settings: Settings, db_backend: str, tmp_path: Path
) -> None:
    await seed(container.uow)
    values = await clear_values(container)
    await container.aclose()  # everything written out
    if db_backend == "sqlite":
        assert settings.database.sqlite_path is not None
        files = [
            settings.database.sqlite_path,
            *settings.database.sqlite_path.parent.glob("*.sqlite3-wal"),
        ]
        raw = "".join(f.read_bytes().decode("utf-8", errors="replace") for f in files)
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump is not installed")
        url = make_url(settings.database.url)
        schema = str(url.query["search_path"])
        dump = await asyncio.to_thread(
            subprocess.run,
            [pg_dump, "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
             "-U", url.username or "postgres", "-n", schema, "--data-only", url.database or ""],
            capture_output=True, check=True,
        )  # fmt: skip
        raw = dump.stdout.decode("utf-8", errors="replace")
        assert "COPY" in raw and "adolescents" in raw  # the dump holds the rows
    assert len(raw) > 10_000
    assert in_clear(raw, values) == {}
