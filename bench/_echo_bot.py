"""The baseline of ``bench.replies``: a bare python-telegram-bot echo bot.

Nothing of Rumbo: no database, no dialogs, no outbox. It answers every text with
the same text, as fast as python-telegram-bot can, in its own process:

    python -m bench._echo_bot polling API_URL TOKEN
    python -m bench._echo_bot webhook API_URL TOKEN PORT SECRET

In webhook mode it serves ``POST /telegram/webhook`` with Starlette under uvicorn
(the stack Rumbo's own webhook uses) and answers 200 once the echo is sent.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def application(api_url: str, token: str) -> Application:  # type: ignore[type-arg]
    app = (
        Application.builder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def polling(api_url: str, token: str) -> None:
    application(api_url, token).run_polling(poll_interval=0.0)


def webhook(api_url: str, token: str, port: int, secret: str) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bot_app = application(api_url, token)

    async def endpoint(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        update = Update.de_json(json.loads(await request.body()), bot_app.bot)
        await bot_app.process_update(update)
        return Response(status_code=200)

    async def healthz(request: Request) -> Response:
        return Response("ok")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await bot_app.initialize()
        yield
        await bot_app.shutdown()

    app = Starlette(
        routes=[
            Route("/telegram/webhook", endpoint, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def main(argv: list[str]) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING)
    mode, api_url, token, *rest = argv
    if mode == "polling":
        polling(api_url, token)
    else:
        webhook(api_url, token, int(rest[0]), rest[1])


if __name__ == "__main__":
    main(sys.argv[1:])
