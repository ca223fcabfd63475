"""The WhatsApp channel, on the Cloud API, with a small typed httpx client.

Inbound: the webhook served by Rumbo's own web app (``webhook``): signatures checked
over the raw body, each message stored and applied once before the 200. Outbound:
``WhatsAppClient`` delivers outbox rows for the outbox sender (``client``), rendering
screens as WhatsApp messages (``render``) and keeping to the 24-hour window
(``window``, ``templates``).

``build_webhook`` and ``build_client`` are what ``rumbo.parts`` uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.whatsapp.client import PAIR_INTERVAL, THROUGHPUT_PER_SECOND, WhatsAppClient
from bot.whatsapp.config import WhatsAppConfig
from bot.whatsapp.graph import GraphApi
from bot.whatsapp.templates import TEMPLATE_KEY, TemplateHint
from bot.whatsapp.webhook import WEBHOOK_PATH, DialogsHandler, WhatsAppWebhook
from plan_store.crypto import Cipher
from plan_store.database import create_engine, create_session_factory
from plan_store.unit_of_work import UnitOfWorkFactory

if TYPE_CHECKING:
    import httpx


class WhatsAppConfigError(ValueError):
    """The WhatsApp settings cannot work (told at start, one line)."""


def _required(config: WhatsAppConfig) -> tuple[str, str, str]:
    token, secret, number = config.token, config.app_secret, config.phone_number_id
    if token is None or secret is None or not number:
        raise WhatsAppConfigError(
            "set RUMBO_WHATSAPP_TOKEN, RUMBO_WHATSAPP_APP_SECRET and "
            "RUMBO_WHATSAPP_PHONE_NUMBER_ID to use WhatsApp"
        )
    return token, secret, number


def build_graph(config: WhatsAppConfig, *, http: httpx.AsyncClient | None = None) -> GraphApi:
    token, _, number = _required(config)
    return GraphApi(config.api_url, token, number, http=http)


def build_client(
    config: WhatsAppConfig,
    uow_factory: UnitOfWorkFactory | None = None,
    *,
    http: httpx.AsyncClient | None = None,
) -> WhatsAppClient:
    """The outbox sender's client for WhatsApp (its own connections).

    It reads each chat's 24-hour window from the database: pass the process's
    ``container.uow``; without it the client opens its own engine on
    ``config.database_url`` (closed by ``aclose``).
    """
    graph = build_graph(config, http=http)
    if uow_factory is not None:
        return WhatsAppClient(graph, uow_factory)
    if config.data_key is None or config.database_url is None:
        raise WhatsAppConfigError("RUMBO_DATA_KEY: needed to read the outbox")
    engine = create_engine(config.database_url)
    factory = UnitOfWorkFactory(create_session_factory(engine), Cipher(config.data_key))
    return WhatsAppClient(graph, factory, on_close=engine.dispose)


def build_webhook(
    config: WhatsAppConfig, uow_factory: UnitOfWorkFactory, *, dialogs: DialogsHandler | None = None
) -> WhatsAppWebhook:
    """The webhook routes (GET handshake, POST deliveries) at ``/whatsapp/webhook``."""
    _, secret, number = _required(config)

    def graph() -> GraphApi:
        return build_graph(config)

    return WhatsAppWebhook(
        uow_factory,
        app_secret=secret,
        verify_token=config.verify_token,
        phone_number_id=number,
        graph=graph,
        dialogs=dialogs,
    )


__all__ = [
    "PAIR_INTERVAL",
    "TEMPLATE_KEY",
    "THROUGHPUT_PER_SECOND",
    "WEBHOOK_PATH",
    "GraphApi",
    "TemplateHint",
    "WhatsAppClient",
    "WhatsAppConfig",
    "WhatsAppConfigError",
    "WhatsAppWebhook",
    "build_client",
    "build_graph",
    "build_webhook",
]
