"""``/healthz`` and ``/readyz`` of the web app, as a proxy or orchestrator asks them.
The database goes down for real: PostgreSQL is reached through a TCP relay the
test cuts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from plan_store import migrate
from rumbo.container import build_container
from rumbo.server import build_app
from rumbo.settings import Settings
from tests.configured import configured
from tests.databases import postgres_schema_url, postgres_unreachable_reason
from tests.fakes import serve_loopback


class Relay:
    """A TCP relay from a loopback port to PostgreSQL that can be cut (listener and
    every open connection closed: "the database is down") and mended."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@pytest.fixture
async def relayed_postgres() -> AsyncIterator[tuple[str, Relay]]:
    reason = await postgres_unreachable_reason()
    if reason is not None:
        pytest.skip(reason)
    async with postgres_schema_url() as url:
        parsed = make_url(url)
        relay = Relay(parsed.host or "127.0.0.1", parsed.port or 5432)
        await relay.start()
        try:
            yield parsed.set(port=relay.port).render_as_string(hide_password=False), relay
        finally:
            if relay._server is not None:
                await relay.cut()


@contextlib.asynccontextmanager
async def web_app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    container = build_container(settings)
    try:
        async with (
            serve_loopback(build_app(container, [])) as base,
            httpx.AsyncClient(base_url=base, timeout=10) as client,
        ):
            yield client
    finally:
        await container.aclose()


async def test_readyz_waits_for_the_schema_then_fails_while_the_database_is_down(
    settings: Settings, relayed_postgres: tuple[str, Relay]
) -> None:
    url, relay = relayed_postgres
    relayed = configured(settings, database={"url": url})
    async with web_app(relayed) as client:
        not_yet = await client.get("/readyz")
        assert (not_yet.status_code, not_yet.text) == (
            503,
            "database schema not at head: run `rumbo db upgrade`",
        )

        container = build_container(relayed)
        await migrate.upgrade(container.engine)
        await container.aclose()
        assert (await client.get("/readyz")).status_code == 200

        await relay.cut()
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.text.startswith("database unreachable")
        # Alive all the same: a restart would not bring the database back.
        assert (await client.get("/healthz")).status_code == 200

        await relay.start()  # the database is back: ready again, no restart needed
        assert (await client.get("/readyz")).status_code == 200


async def test_readyz_fails_when_the_database_never_answers(settings: Settings) -> None:
    nowhere = "postgresql+asyncpg://rumbo@127.0.0.1:9/rumbo"  # nothing listens on port 9
    async with web_app(configured(settings, database={"url": nowhere})) as client:
        answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.text.startswith("database unreachable")
