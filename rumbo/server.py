"""``rumbo serve``: every configured part in one process, or only some of them.

The web app (console, web chat, webhooks) is one Starlette app under uvicorn; the
Telegram poller, the outbox sender and the scheduler run as tasks beside it. A part
whose code is not built yet, or that is not configured, is named as such at start.

Parts without web routes (``--only scheduler``, or ``--only telegram`` when it
polls) run without a web server: several such workers share one host without
fighting over ``RUMBO_PORT``. SIGTERM or SIGINT stops them cleanly (exit 0).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from rumbo import heap, parts
from rumbo.container import Container, build_container
from rumbo.parts import Part
from rumbo.settings import Settings

CHATS = frozenset({"telegram", "whatsapp", "webchat"})
"""The parts through which adolescents write."""


def build_parts(container: Container, only: Sequence[str], *, demo: bool = False) -> list[Part]:
    wanted = set(only) or {"console", "telegram", "whatsapp", "scheduler"}
    if "console" in wanted:
        wanted.add("webchat")  # the web chat is served with the console
    built: list[Part] = []
    for name in ("console", "webchat", "telegram", "whatsapp", "scheduler"):
        if name in wanted:
            built.append(parts.BUILDERS[name](container, demo=demo))
    channels = parts.delivered_channels(container, wanted)
    if channels:
        takes_updates = bool(wanted & {"telegram", "whatsapp"})
        built.append(parts.outbox(container, channels, takes_updates=takes_updates))
    return built


def build_app(container: Container, built: Sequence[Part]) -> Starlette:
    from rumbo import observe

    routes: list[BaseRoute] = [
        *observe.health_routes(container),
        *observe.metrics_routes(container),
    ]
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


log = logging.getLogger("rumbo")


def serve(settings: Settings, *, only: Sequence[str] = (), demo: bool = False) -> int:
    from rumbo import observe

    observe.configure_logging(settings)  # no secret in any line (``rumbo.logs``)
    container = build_container(settings)
    built = build_parts(container, only, demo=demo)
    listener = observe.metrics_listener(container)
    if listener is not None:
        where = f"http://{settings.metrics.host}:{settings.metrics.port}/metrics"

        async def run_listener() -> None:
            await observe.serve_until_cancelled(listener)

        built.append(Part("metrics", tasks=[run_listener], note=f"Prometheus at {where}"))
    for part in built:
        if settings.log_format == "json":  # every line of the output is JSON
            log.info("%s: %s", part.name, part.note)
        else:
            print(f"  {part.name:<10} {part.note}")
    heap.settle(triages=any(part.name in CHATS and part.active for part in built))
    if not any(part.routes for part in built):
        return asyncio.run(run_without_web(container, built))
    app = build_app(container, built)
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again with the
    # handler found at start: this one turns it into a clean exit (status 0).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
        log_config=None,  # the root logger's format (text or JSON) and redaction apply
        proxy_headers=True,
    )
    return 0


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


async def run_without_web(container: Container, built: Sequence[Part]) -> int:
    """Run the parts' tasks until SIGTERM or SIGINT (0), or until one of them fails (1)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    tasks = [asyncio.create_task(task(), name=part.name) for part in built for task in part.tasks]
    stopping = asyncio.create_task(stop.wait())
    try:
        if not tasks:
            log.warning("nothing to run: no part has work in this process")
            return 1
        done, _pending = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
        failed = [task for task in done if task is not stopping]
        for task in failed:
            error = None if task.cancelled() else task.exception()
            log.error("%s stopped unexpectedly", task.get_name(), exc_info=error)
        log.info("stopping")
        return 1 if failed else 0
    finally:
        stopping.cancel()
        await _cancel(tasks)
        await container.aclose()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        log.info("stopped")
