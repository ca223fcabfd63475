"""The composition root: everything Rumbo runs on, built from one ``Settings``.

Tests build the same container with other settings (a fresh database, a fake
Telegram API, a controlled clock), so no module creates an engine or reads the
environment on import.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from plan_store.crypto import Cipher
from plan_store.database import create_engine, create_session_factory
from plan_store.enums import AlertChannel
from plan_store.types import utcnow
from plan_store.unit_of_work import Clock, UnitOfWorkFactory
from rumbo.settings import Settings, SettingsError


@dataclass(slots=True)
class Container:
    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory

    @property
    def clock(self) -> Clock:
        return self.uow.clock

    async def aclose(self) -> None:
        await self.engine.dispose()


def build_container(settings: Settings, *, clock: Clock = utcnow) -> Container:
    if settings.data_key is None:
        raise SettingsError(
            "RUMBO_DATA_KEY: needed to encrypt messages at rest (make one with `rumbo keys new`)"
        )
    if settings.database.sqlite_path is not None:
        settings.database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database.url)
    cipher = Cipher(settings.data_key.get_secret_value())
    channels = {AlertChannel.CONSOLE}
    if settings.telegram.enabled:
        channels.add(AlertChannel.TELEGRAM)
    if settings.smtp.enabled:
        channels.add(AlertChannel.EMAIL)
    return Container(
        settings=settings,
        engine=engine,
        uow=UnitOfWorkFactory(
            create_session_factory(engine), cipher, clock, alert_channels=frozenset(channels)
        ),
    )
