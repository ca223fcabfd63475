"""The channels an alert goes out on: the staff member's Telegram chat, her email.

Each ``send`` raises ``RetryLater`` (try again soon) or ``PermanentFailure`` (give
up on this delivery), as the outbox's channel clients do."""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

import aiosmtplib

from bot.alerts.texts import ACK, alert_lines
from bot.outbox.channel import ChatGone, PermanentFailure, RetryLater
from dialogs.screens import Button, Screen
from plan_store.enums import AlertChannel, OutboxKind
from plan_store.services.alert_deliveries import DeliveryJob

if TYPE_CHECKING:
    from bot.telegram.client import TelegramClient

log = logging.getLogger(__name__)


class AlertSender(Protocol):
    channel: AlertChannel

    async def send(self, job: DeliveryJob, now: datetime) -> None: ...


class TelegramAlerts:
    """Alerts in the staff member's own chat with the bot, with a "Lo veo" button."""

    channel = AlertChannel.TELEGRAM

    def __init__(self, client: TelegramClient, console_url: str) -> None:
        self._client = client
        self._console_url = console_url.rstrip("/")

    async def send(self, job: DeliveryJob, now: datetime) -> None:
        if not job.address:
            raise PermanentFailure("no staff chat linked")
        _, body, label = alert_lines(job, now, self._console_url)
        screen = Screen(body, ((Button(label, f"{ACK}{job.alert_id}"),),))
        try:
            await self._client.deliver(OutboxKind.SCREEN, job.address, screen.to_payload())
        except ChatGone as error:
            raise PermanentFailure(f"staff chat gone: {error}") from error


class EmailAlerts:
    """Alerts by email, through the installation's SMTP server (``RUMBO_SMTP_*``)."""

    channel = AlertChannel.EMAIL

    def __init__(
        self,
        console_url: str,
        *,
        hostname: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        security: str = "starttls",
        timeout: float = 20.0,
    ) -> None:
        self.console_url = console_url.rstrip("/")
        self._hostname = hostname
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._security = security
        self._timeout = timeout

    async def send(self, job: DeliveryJob, now: datetime) -> None:
        if not job.address:
            raise PermanentFailure("no email address")
        subject, body, _ = alert_lines(job, now, self.console_url)
        await self.send_mail(job.address, subject, body)

    async def send_mail(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self._hostname,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"recipient refused: {error}") from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise RetryLater(f"smtp: {type(error).__name__}: {error}") from error
