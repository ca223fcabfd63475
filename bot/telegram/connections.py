"""The HTTP connections under the ``Bot``: httpx's, with a cheaper look at idle ones.

Before and after every request, httpcore's pool asks each idle connection whether
the server has closed it: whether its socket has something to read. Through anyio,
each such question first builds the stream's whole table of attributes to find the
socket in it. With the outbox's calls side by side (eight connections to one host),
those questions took about 7 % of the CPU of a process taking a burst of updates,
and 12 % of a process that only sends (py-spy, ``bench.replies``).

``transport`` gives httpx streams that find their socket once, when connected, and
then ask the socket directly: the same question, the same answer, without the table.
Everything else (connecting, TLS, proxies, reading, writing) is httpcore's and
anyio's own.
"""

# The methods below implement httpcore's interface, ``timeout`` parameters included.
# ruff: noqa: ASYNC109

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
"""httpcore's ``SOCKET_OPTION``."""


def transport(
    limits: httpx.Limits, *, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncHTTPTransport:
    """httpx's transport with ``limits`` (and ``verify``, as httpx takes it), on streams
    that keep their socket at hand."""
    made = httpx.AsyncHTTPTransport(limits=limits, verify=verify)
    # httpx takes no network backend of its own; its pool does (a public argument of
    # ``httpcore.AsyncConnectionPool``), and is only ever reached through the transport.
    pool = made._pool
    pool._network_backend = Backend(httpcore.AnyIOBackend())
    return made


class Backend(httpcore.AsyncNetworkBackend):
    """Connects with ``inner`` (anyio's backend), and wraps each stream in ``Stream``."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return Stream(
            await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class Stream(httpcore.AsyncNetworkStream):
    """``inner``, answering ``is_readable`` from the socket it found once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return readable(self._socket)
        return self._inner.get_extra_info(info)


def readable(sock: socket.socket) -> bool:
    """Whether reading ``sock`` would return at once: data, or the end of a connection
    the server closed. A closed socket counts as readable (it is done with)."""
    if sock.fileno() < 0:
        return True
    poller = select.poll()  # not select.select: it cannot take descriptors past 1023
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))
