"""The Telegram webhook, served by Rumbo's own web app.

Telegram resends an update until the webhook answers 2xx. The route answers 200
only after the update is committed (its id, the dialogs' changes and the replies in
the outbox; updates posted side by side share a transaction, ``SharedCommits``); a
failure before that answers 500, and the resent update is then applied once. PTB's
built-in webhook server is not used: it answers 200 as soon as the update sits in an
in-memory queue.

Requests must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to the secret given to
``setWebhook`` (compared in constant time); anything else is refused with 403 before
the body is read.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from urllib.parse import urlsplit

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, Update
from telegram.error import RetryAfter, TelegramError

from bot.inbound import Handler, SharedCommits
from bot.telegram.api import retry_after_seconds
from bot.telegram.commands import publish_commands
from bot.telegram.polling import Backoff, answer_callback
from bot.telegram.updates import ALLOWED_UPDATES, callback_query_id, to_incoming
from plan_store.unit_of_work import UnitOfWorkFactory
from web.bodies import BodyTooLarge, read_body

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
DEFAULT_PATH = "/telegram/webhook"
MAX_BODY_BYTES = 1024 * 1024
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def webhook_path(url: str) -> str:
    """The local route for the public webhook URL: its path, or ``/telegram/webhook``."""
    path = urlsplit(url).path.rstrip("/")
    return path or DEFAULT_PATH


class TelegramWebhook:
    """The webhook route, and the start-up task that registers it with Telegram."""

    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        *,
        url: str,
        secret: str,
        handler: Handler | None = None,
    ) -> None:
        if not SECRET_PATTERN.fullmatch(secret):
            raise ValueError("the webhook secret must be 1-256 characters of A-Z a-z 0-9 _ -")
        self.bot = bot
        self.uow_factory = uow_factory
        self.url = url
        self.path = webhook_path(url)
        self.handler = handler
        self._secret = secret.encode("ascii")
        self._together = SharedCommits(uow_factory)
        """Requests in flight at once share transactions (Telegram posts up to 40)."""

    @property
    def routes(self) -> list[BaseRoute]:
        return [Route(self.path, self.endpoint, methods=["POST"], name="telegram_webhook")]

    async def endpoint(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            return Response(status_code=403)
        try:
            body = await read_body(
                request.stream(), request.headers.get("content-length"), MAX_BODY_BYTES
            )
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("an update is a JSON object")
            update = Update.de_json(data, self.bot)
        except BodyTooLarge:
            return Response(status_code=413)
        except ClientDisconnect:
            return Response(status_code=400)
        except Exception as error:  # the secret was right: Telegram's own odd body
            log.warning("unreadable Telegram webhook body: %r", error)
            return Response(status_code=400)
        try:
            incoming = await to_incoming(update, self.bot)
            if incoming is not None:
                await self._together.receive(incoming.inbound, incoming.handler or self.handler)
        except Exception:
            # Nothing was committed: Telegram will send the update again.
            log.exception("Telegram update %s not stored", update.update_id)
            return Response(status_code=500)
        await answer_callback(self.bot, callback_query_id(update))
        return Response(status_code=200)

    async def run(self) -> None:
        """Register the webhook with Telegram, then hold the bot open until cancelled."""
        waiting = Backoff()
        try:
            while True:
                try:
                    await self.bot.initialize()
                    await self.bot.set_webhook(
                        self.url,
                        secret_token=self._secret.decode("ascii"),
                        allowed_updates=list(ALLOWED_UPDATES),
                        drop_pending_updates=False,
                    )
                    log.info("Telegram webhook set to %s", self.url)
                    break
                except RetryAfter as error:
                    await asyncio.sleep(retry_after_seconds(error))
                except TelegramError as error:
                    wait = waiting.next()
                    log.warning("setWebhook failed (%s); trying again in %.0f s", error, wait)
                    await asyncio.sleep(wait)
            await publish_commands(self.bot)
            await asyncio.Event().wait()
        finally:
            await self.bot.shutdown()
