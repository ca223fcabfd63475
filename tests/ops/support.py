"""Helpers for the operations tests: an installation reached through the ``rumbo``
command's environment, and every row of it for comparisons."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from plan_store import transfer
from plan_store.database import create_engine
from plan_store.enums import Channel, MessageKind, RiskCategory, Role, Severity
from plan_store.models import Adolescent, Staff
from plan_store.services import messages, triage_terms, voice_prompts
from plan_store.services.access import StaffActor
from rumbo.container import build_container
from rumbo.settings import load_settings
from tests.voice_samples import ogg_opus

Rows = dict[str, list[dict[str, Any]]]


def use_installation(monkeypatch: pytest.MonkeyPatch, directory: Path, url: str, key: str) -> None:
    """The environment ``rumbo`` reads, in ``directory`` (no stray ``.env``)."""
    monkeypatch.chdir(directory)
    monkeypatch.setenv("RUMBO_DATABASE_URL", url)
    monkeypatch.setenv("RUMBO_DATA_KEY", key)


async def every_row(url: str) -> Rows:
    engine = create_engine(url)
    found: Rows = {}
    try:
        async with transfer.snapshot(engine) as connection:
            async for table, rows in transfer.read_rows(connection):
                found.setdefault(table.name, []).extend(rows)
    finally:
        await engine.dispose()
    return found


def add_recordings_and_terms() -> None:
    """What the seed leaves out: a staff upload of a voice prompt, a risk term added
    in the console, and an adolescent's voice note."""

    async def run() -> None:
        container = build_container(load_settings())
        try:
            async with container.uow() as uow:
                admin = await uow.session.scalar(select(Staff).where(Staff.role == Role.ADMIN))
                case = await uow.session.scalar(select(Adolescent).order_by(Adolescent.id))
                assert admin is not None and case is not None
                actor = StaffActor.of(admin)
                await voice_prompts.attach(uow, actor, "welcome", "mam", ogg_opus("welcome-mam"))
                await triage_terms.add(
                    uow,
                    actor,
                    language="mam",
                    category=RiskCategory.RUNNING_AWAY,
                    severity=Severity.HIGH,
                    term="ma chi'n",
                )
                await messages.record_inbound(
                    uow,
                    case.id,
                    channel=Channel.TELEGRAM,
                    body="(nota de voz)",
                    kind=MessageKind.VOICE,
                    voice=ogg_opus("voice-note"),
                )
                await uow.commit()
        finally:
            await container.aclose()

    asyncio.run(run())
