"""The Bot's HTTP connections (``bot.telegram.connections``): requests go through
them over plain HTTP and TLS, and an idle connection the server closed is seen as
closed, as httpcore's own streams see it."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import httpcore
import httpx

from bot.telegram import connections
from tests.ops.tls import https_site


async def test_requests_over_tls_share_one_connection(tmp_path: Path) -> None:
    async with https_site(tmp_path) as (url, certificate):
        trusted = ssl.create_default_context(cafile=str(certificate))
        transport = connections.transport(httpx.Limits(max_connections=4), verify=trusted)
        async with httpx.AsyncClient(transport=transport) as client:
            answers = [await client.get(f"{url}/healthz") for _ in range(3)]
            assert [(a.status_code, a.text) for a in answers] == [(200, "ok")] * 3
            pool = transport._pool
            assert len(pool.connections) == 1  # kept alive, reused, never taken for closed


async def test_an_idle_connection_the_server_closed_is_seen_as_closed() -> None:
    closing = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await closing.wait()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    backend = connections.Backend(httpcore.AnyIOBackend())
    stream = await backend.connect_tcp("127.0.0.1", port)
    try:
        assert isinstance(stream, connections.Stream)
        assert stream.get_extra_info("is_readable") is False
        closing.set()
        for _ in range(100):
            if stream.get_extra_info("is_readable"):
                break
            await asyncio.sleep(0.01)
        assert stream.get_extra_info("is_readable") is True
        assert stream._inner.get_extra_info("is_readable") is True  # httpcore's own answer
    finally:
        await stream.aclose()
        server.close()
        await server.wait_closed()
    assert stream.get_extra_info("is_readable") is True  # a closed socket is done with
