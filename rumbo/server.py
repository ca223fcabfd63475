"""``rumbo serve``: every configured part in one process, or only some of them.

The web app (console, web chat, webhooks) is one Starlette app under uvicorn; the
Telegram poller, the outbox sender and the scheduler run as tasks beside it. A part
whose code is not built yet, or that is not configured, is named as such at start.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route

from rumbo.container import Container, build_container
from rumbo.settings import Settings

Task = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class Part:
    """What one part adds to the process: web routes and background tasks."""

    name: str
    routes: list[BaseRoute] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    note: str = ""


async def _health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def build_parts(container: Container, only: Sequence[str], *, demo: bool = False) -> list[Part]:
    from rumbo import parts

    wanted = set(only) or {"console", "telegram", "whatsapp", "scheduler"}
    if "console" in wanted:
        wanted.add("webchat")  # the web chat is served with the console
    built: list[Part] = []
    for name in ("console", "webchat", "telegram", "whatsapp", "scheduler"):
        if name in wanted:
            built.append(parts.BUILDERS[name](container, demo=demo))
    return built


def build_app(container: Container, built: Sequence[Part]) -> Starlette:
    routes: list[BaseRoute] = [Route("/healthz", _health)]
    for part in built:
        routes.extend(part.routes)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            tasks = [asyncio.create_task(task()) for part in built for task in part.tasks]
            stack.push_async_callback(_cancel, tasks)
            stack.push_async_callback(container.aclose)
            yield

    return Starlette(routes=routes, lifespan=lifespan)


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def serve(settings: Settings, *, only: Sequence[str] = (), demo: bool = False) -> int:
    container = build_container(settings)
    built = build_parts(container, only, demo=demo)
    for part in built:
        print(f"  {part.name:<10} {part.note}")
    app = build_app(container, built)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False)
    return 0
