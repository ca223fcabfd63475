"""How each part is built from the container. Parts not built yet say so."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from starlette.routing import BaseRoute

from plan_store.enums import Channel
from rumbo.container import Container
from rumbo.settings import Settings, SettingsError

REMOTE_WAKE_SETTLE = 0.005
"""Seconds a sender lets another process's outbox notifications gather before it
claims once for all of them: in a burst, one claim for the commits of a few
milliseconds."""

Task = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class Part:
    """What one part adds to the process: web routes and background tasks."""

    name: str
    routes: list[BaseRoute] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    note: str = ""

    @property
    def active(self) -> bool:
        """Whether the part serves anything here (a part that is off only has a note)."""
        return bool(self.routes or self.tasks)


if TYPE_CHECKING:
    from bot.alerts import AlertDispatcher
    from bot.outbox.channel import ChannelClient
    from bot.outbox.limits import OutboxConfig
    from bot.telegram import TelegramClient
    from bot.telegram.config import TelegramConfig
    from bot.whatsapp import WhatsAppClient
    from bot.whatsapp.config import WhatsAppConfig


# What each package of bot/ is given: a small config object of its own, made from a
# section of the settings. A value the section leaves unset keeps the package's default.


def telegram_config(settings: Settings) -> TelegramConfig:
    from bot.telegram.config import TelegramConfig

    section = settings.telegram
    return TelegramConfig(
        token=_secret(section.token),
        webhook_url=section.webhook_url,
        webhook_secret=_secret(section.webhook_secret),
        **_given(api_url=section.api_url),
    )


def whatsapp_config(settings: Settings) -> WhatsAppConfig:
    from bot.whatsapp.config import WhatsAppConfig

    section = settings.whatsapp
    return WhatsAppConfig(
        token=_secret(section.token),
        app_secret=_secret(section.app_secret),
        phone_number_id=section.phone_number_id,
        verify_token=_secret(section.verify_token),
        database_url=settings.database.url,
        data_key=_secret(settings.data_key),
        **_given(api_url=section.api_url),
    )


def outbox_config(settings: Settings) -> OutboxConfig:
    from bot.outbox.limits import OutboxConfig

    return OutboxConfig(**settings.outbox.model_dump(exclude_none=True))


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _given(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}


def console(container: Container, *, demo: bool = False) -> Part:
    """The staff console at /. It claims only its own paths, so the parts served
    beside it (the web chat at /chat/, webhooks) are reached as before."""
    settings = container.settings
    if settings.secret_key is None:
        return Part("console", note="off: RUMBO_SECRET_KEY is not set (it signs the sessions)")
    from staff_console.app import ConsoleRoute, create_app
    from staff_console.options import ConsoleOptions

    app = create_app(
        container.uow,
        secret_key=settings.secret_key.get_secret_value(),
        telegram_bot_username=settings.telegram.bot_username,
        demo=demo,
        options=ConsoleOptions(
            timezone=settings.timezone, totp_for_operators=settings.totp_operators
        ),
    )
    where = f"http://{settings.host}:{settings.port}/"
    return Part("console", routes=[ConsoleRoute(app)], note=f"staff console at {where}")


def telegram(container: Container, *, demo: bool = False) -> Part:
    """Inbound Telegram: a polling task, or the webhook route when a webhook URL is set."""
    if not container.settings.telegram.enabled:
        return Part("telegram", note="off: RUMBO_TELEGRAM_TOKEN is not set")
    from bot.telegram import TelegramConfigError, build_transport

    try:
        transport = build_transport(telegram_config(container.settings), container.uow)
    except TelegramConfigError as error:
        raise SettingsError(str(error)) from None
    return Part("telegram", routes=transport.routes, tasks=transport.tasks, note=transport.note)


def telegram_client(container: Container) -> TelegramClient | None:
    """The outbox sender's client for Telegram, or None when Telegram is off.

    It opens its connections on first use; close it with ``await client.aclose()``.
    """
    if not container.settings.telegram.enabled:
        return None
    from bot.telegram import build_client
    from plan_store.services import voice_prompts

    # The voice notes sent beside screens: staff's uploads, then the locale folders.
    return build_client(
        telegram_config(container.settings), voice_prompts=voice_prompts.lookup(container.uow)
    )


def webchat(container: Container, *, demo: bool = False) -> Part:
    """The demo web chat at /chat/, served with the console in ``rumbo demo`` and
    where ``RUMBO_WEBCHAT`` turns it on: anyone can open it and type a code."""
    if not (demo or container.settings.webchat):
        return Part("webchat", note="off: set RUMBO_WEBCHAT=true to try the chat on the web")
    secret = container.settings.secret_key
    if secret is None:
        return Part("webchat", note="off: RUMBO_SECRET_KEY is not set (it signs the chat cookie)")
    from bot.webchat import webchat_routes

    return Part(
        "webchat",
        routes=webchat_routes(
            container.uow, secret.get_secret_value(), timezone=container.settings.timezone
        ),
        note="/chat/ (demo channel, not a real one)",
    )


def whatsapp(container: Container, *, demo: bool = False) -> Part:
    """The WhatsApp Cloud API webhook (GET handshake, POST deliveries)."""
    settings = container.settings
    if not settings.whatsapp.enabled:
        return Part(
            "whatsapp",
            note="off: set RUMBO_WHATSAPP_TOKEN, RUMBO_WHATSAPP_APP_SECRET and "
            "RUMBO_WHATSAPP_PHONE_NUMBER_ID",
        )
    from bot.whatsapp import build_webhook

    webhook = build_webhook(whatsapp_config(settings), container.uow)
    note = f"webhook at {webhook.path}"
    if settings.whatsapp.verify_token is None:
        note += " (RUMBO_WHATSAPP_VERIFY_TOKEN not set: Meta's handshake is refused)"
    return Part("whatsapp", routes=webhook.routes, note=note)


def whatsapp_client(container: Container) -> WhatsAppClient | None:
    """The outbox sender's client for WhatsApp, or None when WhatsApp is off.

    Close it with ``await client.aclose()``."""
    if not container.settings.whatsapp.enabled:
        return None
    from bot.whatsapp import build_client

    return build_client(whatsapp_config(container.settings), container.uow)


def clients_for(
    container: Container, channels: Collection[Channel] | None = None
) -> dict[Channel, ChannelClient]:
    """The platform clients the outbox sender delivers through, by configured channel
    (only those of ``channels`` when given).

    The web chat needs none: its page takes its messages from the outbox itself. A new
    transport plugs in here with its ``ChannelClient``."""
    clients: dict[Channel, ChannelClient] = {}
    wanted = set(Channel) if channels is None else set(channels)
    telegram = telegram_client(container) if Channel.TELEGRAM in wanted else None
    if telegram is not None:
        clients[Channel.TELEGRAM] = telegram
    whatsapp = whatsapp_client(container) if Channel.WHATSAPP in wanted else None
    if whatsapp is not None:
        clients[Channel.WHATSAPP] = whatsapp
    return clients


def delivered_channels(container: Container, names: Collection[str]) -> set[Channel]:
    """The channels whose outbox the parts ``names`` deliver in this process: a part
    that takes a channel's updates sends its replies (so ``--only telegram`` alone
    answers), and the scheduler sends everything configured."""
    settings = container.settings
    channels: set[Channel] = set()
    if ("telegram" in names or "scheduler" in names) and settings.telegram.enabled:
        channels.add(Channel.TELEGRAM)
    if ("whatsapp" in names or "scheduler" in names) and settings.whatsapp.enabled:
        channels.add(Channel.WHATSAPP)
    return channels


def outbox(
    container: Container, channels: Collection[Channel], *, takes_updates: bool = True
) -> Part:
    """The outbox sender for ``channels``: woken in this process as soon as a
    transaction that queued messages commits, by PostgreSQL notifications when another
    process queued them, and by its poll otherwise. On PostgreSQL, a process that
    ``takes_updates`` leaves the sending to a process that only sends, while one runs
    (``bot.outbox.duty``)."""
    from bot.outbox import OutboxSender
    from bot.outbox.duty import SendingDuty
    from bot.scheduler.lease import holder_name
    from plan_store.wakeup import listen

    config = outbox_config(container.settings)
    clients = clients_for(container, channels)
    sender = OutboxSender(
        container.uow,
        clients,
        config.rate_limits(),
        lease=timedelta(seconds=config.lease_seconds),
        max_attempts=config.max_attempts,
        poll_interval=config.poll_seconds,
    )
    duty = SendingDuty(
        container.uow, sender, clients, takes_updates=takes_updates, holder=holder_name()
    )

    async def run_sender() -> None:
        unsubscribe = container.uow.wakeups.subscribe(
            sender.wake, clients, claim_at_commit=sender.claim_at_commit
        )
        helpers = [
            asyncio.create_task(
                listen(
                    container.engine,
                    sender.wake,
                    own_origin=container.uow.wakeups.origin,
                    settle=REMOTE_WAKE_SETTLE,
                )
            ),
            asyncio.create_task(duty.run()),
        ]
        try:
            await sender.run_forever(asyncio.Event())
        finally:
            unsubscribe()
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await _close(clients)

    if not clients:
        return Part("outbox", note="off: no platform configured (the web chat needs none)")
    names = ", ".join(sorted(channel.value for channel in clients))
    note = f"delivers to {names} as soon as queued"
    note += ", unless a process that only sends runs" if takes_updates else ", for all"
    return Part("outbox", tasks=[run_sender], note=note)


async def _close(clients: dict[Channel, ChannelClient]) -> None:
    for client in clients.values():
        close = getattr(client, "aclose", None)
        if close is not None:
            await close()


def alert_dispatcher(
    container: Container, clients: dict[Channel, ChannelClient], *, on_outbox: Callable[[], None]
) -> AlertDispatcher:
    """The alert dispatcher, on the channels configured: the staff's Telegram chats
    (through the outbox's Telegram client: the same bot) and email (``RUMBO_SMTP_*``).
    It wakes whenever this process raises or acknowledges an alert."""
    from bot.alerts import AlertDispatcher, AlertSender, EmailAlerts, TelegramAlerts
    from bot.telegram import TelegramClient
    from plan_store.events import AlertAcknowledged, AlertRaised

    settings = container.settings
    senders: list[AlertSender] = []
    telegram_client = clients.get(Channel.TELEGRAM)
    if isinstance(telegram_client, TelegramClient):
        senders.append(TelegramAlerts(telegram_client, settings.public_console_url))
    smtp = settings.smtp
    if smtp.host is not None:
        senders.append(
            EmailAlerts(
                settings.public_console_url,
                hostname=smtp.host,
                port=smtp.port,
                sender=smtp.sender,
                username=smtp.username,
                password=_secret(smtp.password),
                security=smtp.security,
            )
        )
    dispatcher = AlertDispatcher(container.uow, senders, on_outbox=on_outbox)
    container.uow.bus.subscribe(AlertRaised, dispatcher.wake)
    container.uow.bus.subscribe(AlertAcknowledged, dispatcher.wake)
    return dispatcher


def scheduler(container: Container, *, demo: bool = False) -> Part:
    """Reminders, flags and follow-ups (one process of the installation at a time,
    by a lease in the database) and the alert dispatcher (any number of processes).
    Their messages go out through the outbox part that ``rumbo serve`` runs beside
    it, woken as soon as they are queued."""
    from bot.scheduler import Scheduler

    ticker = Scheduler(container.uow, on_work=container.uow.wakeups.ring)
    # The staff's Telegram alerts go through a client of the same bot.
    clients = clients_for(container, {Channel.TELEGRAM})
    alerts = alert_dispatcher(container, clients, on_outbox=container.uow.wakeups.ring)

    async def run_scheduler() -> None:
        await ticker.run_forever(asyncio.Event())

    async def run_alerts() -> None:
        try:
            await alerts.run_forever(asyncio.Event())
        finally:
            await _close(clients)

    alert_channels = ", ".join(sorted(c.value for c in alerts.channels)) or "the console only"
    every = int(ticker.tick_every.total_seconds())
    notes = [f"jobs every {every} s while this process holds the lease"]
    if not delivered_channels(container, ["scheduler"]):
        # No outbox part runs beside it: say why its reminders reach no chat.
        notes.append("outbox: no platform configured (the web chat needs none)")
    notes.append(f"alerts by {alert_channels}")
    return Part("scheduler", tasks=[run_scheduler, run_alerts], note="; ".join(notes))


BUILDERS: dict[str, Callable[..., Part]] = {
    "console": console,
    "webchat": webchat,
    "telegram": telegram,
    "whatsapp": whatsapp,
    "scheduler": scheduler,
}
