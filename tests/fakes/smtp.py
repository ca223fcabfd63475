"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

Email alerts go out through ``aiosmtplib`` exactly as in production; this server
speaks real SMTP and records each message, parsed, for the test to read."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP


@dataclass
class Mailbox:
    """What the server received, in order, and where it listens."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    """Recipients the server refuses (550)."""

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@contextlib.asynccontextmanager
async def smtp_server() -> AsyncIterator[Mailbox]:
    """The server, in this event loop, on a free loopback port."""
    mailbox = Mailbox()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(mailbox, hostname="rumbo.test"), mailbox.host, 0
    )
    try:
        mailbox.port = server.sockets[0].getsockname()[1]
        yield mailbox
    finally:
        server.close()
        await server.wait_closed()
