"""The web chat: Rumbo's conversation in a browser, a DEMO channel.

For ``rumbo demo``, staff training and tests. The same dialogs as Telegram and
WhatsApp, through the same ``bot.inbound.receive``; replies are pulled from the
outbox by the page (see ``delivery``). ``webchat_routes`` is what ``rumbo.parts``
mounts (under ``/chat/``).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.inbound import Handler
from bot.webchat.app import WebChat
from bot.webchat.echoes import Echoes
from plan_store.unit_of_work import UnitOfWorkFactory


def webchat_routes(
    uow_factory: UnitOfWorkFactory,
    secret_key: str,
    *,
    handler: Handler | None = None,
    timezone: str = "America/Mexico_City",
) -> list[BaseRoute]:
    """The web chat, mounted at ``/chat``; ``secret_key`` signs its cookies and forms."""
    return WebChat(uow_factory, secret_key, handler=handler, timezone=timezone).routes()


__all__ = ["Echoes", "WebChat", "webchat_routes"]
