"""Rumbo's WhatsApp side running against the fake Cloud API, for the tests.

``whatsapp_bridge`` serves Rumbo's webhook routes on loopback (the fake posts signed
calls to them), builds the real ``WhatsAppClient`` on the fake's base URL and the
real ``OutboxSender`` with it. ``WhatsAppPhone`` plays one adolescent: each action
posts a webhook call, expects the 200 (given only after the commit), lets the sender
deliver the replies, and returns what the phone received.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.outbox import OutboxSender, RateLimits
from bot.whatsapp import WEBHOOK_PATH, WhatsAppClient, WhatsAppWebhook, build_client, build_webhook
from bot.whatsapp.webhook import DialogsHandler
from plan_store.enums import Channel
from plan_store.models import Message, OutboxMessage, ProcessedUpdate
from rumbo.container import Container
from rumbo.parts import whatsapp_config
from rumbo.settings import Settings
from tests.configured import configured
from tests.fakes import serve_loopback
from tests.fakes.whatsapp_api import FakeWhatsApp, SentMessage

WA_ID = "5215512345678"
VERIFY_TOKEN = "verify-me-ñ"


def whatsapp_settings(settings: Settings, wa: FakeWhatsApp, **whatsapp: Any) -> Settings:
    """``settings`` pointed at the fake Cloud API (and ``whatsapp``'s other values)."""
    return configured(
        settings,
        whatsapp={
            "token": SecretStr(wa.token),
            "app_secret": SecretStr(wa.app_secret),
            "verify_token": SecretStr(VERIFY_TOKEN),
            "phone_number_id": wa.phone_number_id,
            "api_url": wa.base_url,
            **whatsapp,
        },
    )


@dataclass
class Bridge:
    wa: FakeWhatsApp
    settings: Settings
    container: Container
    webhook: WhatsAppWebhook
    client: WhatsAppClient
    sender: OutboxSender
    url: str

    async def deliver(self) -> list[SentMessage]:
        """Run the sender until nothing is due; what reached the fake meanwhile."""
        before = len(self.wa.sent)
        for _ in range(50):
            if not await self.sender.run_once(self.container.clock()):
                break
        return self.wa.sent[before:]

    def phone(self, wa_id: str = WA_ID) -> WhatsAppPhone:
        return WhatsAppPhone(self, wa_id)


@contextlib.asynccontextmanager
async def whatsapp_bridge(
    container: Container, *, dialogs: DialogsHandler | None = None, enforce_window: bool = True
) -> AsyncIterator[Bridge]:
    async with FakeWhatsApp(clock=container.clock, enforce_window=enforce_window) as wa:
        settings = whatsapp_settings(container.settings, wa)
        webhook = build_webhook(whatsapp_config(settings), container.uow, dialogs=dialogs)
        async with serve_loopback(Starlette(routes=webhook.routes)) as url:
            wa.webhook_url = f"{url}{WEBHOOK_PATH}"
            async with build_client(whatsapp_config(settings), container.uow) as client:
                sender = OutboxSender(
                    container.uow, {Channel.WHATSAPP: client}, RateLimits.unlimited()
                )
                yield Bridge(wa, settings, container, webhook, client, sender, url)


class WhatsAppPhone:
    """One adolescent's WhatsApp, played against the fake."""

    def __init__(self, bridge: Bridge, wa_id: str) -> None:
        self.bridge = bridge
        self.wa = bridge.wa
        self.wa_id = wa_id

    async def send(self, text: str) -> list[SentMessage]:
        status, _ = await self.wa.user_sends_text(self.wa_id, text)
        assert status == 200
        return await self.bridge.deliver()

    async def tap(self, label: str) -> list[SentMessage]:
        status, _ = await self.wa.user_taps(self.wa_id, label)
        assert status == 200
        return await self.bridge.deliver()

    async def voice(self, audio: bytes) -> list[SentMessage]:
        status, _ = await self.wa.user_sends_voice(self.wa_id, audio)
        assert status == 200
        return await self.bridge.deliver()

    def screen(self) -> SentMessage:
        """The newest message the phone got."""
        return self.wa.last_to(self.wa_id)

    def options(self) -> list[str]:
        return [title for _, title in self.screen().options]


async def table_counts(container: Container) -> dict[str, int]:
    """Rows in the tables a webhook call may write to."""
    counts: dict[str, int] = {}
    async with container.uow() as uow:
        for name, model in (
            ("processed_updates", ProcessedUpdate),
            ("messages", Message),
            ("outbox", OutboxMessage),
        ):
            counts[name] = int(
                await uow.session.scalar(select(func.count()).select_from(model)) or 0
            )
    return counts
