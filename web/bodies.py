"""A request body read whole, but never past a limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.types import Receive


class BodyTooLarge(Exception):
    """The body is (or says it is) over the limit; answer 413."""


async def read_body(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    """The body from ``chunks``; ``declared`` is its Content-Length header, if any.

    A declared length over ``limit`` is refused before anything is read, and a body
    that grows past it while it streams in is refused at once."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        parts.append(chunk)
    return b"".join(parts)


async def asgi_chunks(receive: Receive) -> AsyncIterator[bytes]:
    """The body's chunks from a raw ASGI ``receive`` (a disconnect ends them)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
