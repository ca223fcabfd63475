"""Knowing an installation is healthy: ``/healthz``, ``/readyz``, ``/metrics`` and
the log format.

- ``/healthz``: the process answers (for a restart policy).
- ``/readyz``: the database answers and its schema is at this version's head (for a
  proxy or orchestrator: send no traffic before). 503 with one line otherwise.
- ``/metrics``: Prometheus text from ``prometheus-client``'s default registry: the
  bot's counters (``bot.metrics``), errors logged, and what the database holds,
  read at each scrape: the outbox backlog, the alerts waiting for a person and the
  time to acknowledge per home. Never on the public port without a token: served on
  the web app only to ``Authorization: Bearer <RUMBO_METRICS_TOKEN>``, or without a
  token on its own listener (``RUMBO_METRICS_PORT``), which any process can open.
- Logs: plain lines, or one JSON object per line with ``RUMBO_LOG_FORMAT=json``.
  Either way a line holds what the code logged, and the code logs ids and counts,
  never an adolescent's words, alias or phone number.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TextIO

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from plan_store import migrate
from plan_store.models import Home
from plan_store.services import alert_reads, outbox
from rumbo import logs
from rumbo.container import Container
from rumbo.settings import Settings

READY_TIMEOUT = 3.0
"""Seconds ``/readyz`` waits for the database before it says it is not ready."""

ERRORS = Counter(
    "rumbo_errors", "Lines logged at ERROR or above, by the logger's top-level name.", ["area"]
)
OUTBOX_DEPTH = Gauge(
    "rumbo_outbox_depth", "Outgoing messages not delivered yet (pending or being sent)."
)
OUTBOX_OLDEST_AGE = Gauge(
    "rumbo_outbox_oldest_pending_age_seconds",
    "How long the oldest due outgoing message has waited since it became due "
    "(0 when none waits; a message held for quiet hours is not due yet).",
)

ALERTS_OPEN = Gauge(
    "rumbo_alerts_unacknowledged", "Alerts no person has acknowledged yet, by home id.", ["home"]
)
ALERTS_OLDEST_AGE = Gauge(
    "rumbo_alerts_oldest_unacknowledged_age_seconds",
    "How long the oldest unacknowledged alert of each home has waited.",
    ["home"],
)
ACK_TIME = Gauge(
    "rumbo_alert_time_to_acknowledge_seconds",
    "Time from an alert to its acknowledgement, alerts of the last 7 days, per home id "
    "(quantile 0.5 and 0.9; a home with none acknowledged is absent).",
    ["home", "quantile"],
)
ACK_WINDOW = timedelta(days=7)


async def _health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def health_routes(container: Container) -> list[BaseRoute]:
    async def ready(request: Request) -> PlainTextResponse:
        problem = await not_ready(container)
        if problem is not None:
            return PlainTextResponse(problem, status_code=503)
        return PlainTextResponse("ready")

    return [Route("/healthz", _health), Route("/readyz", ready)]


async def not_ready(container: Container) -> str | None:
    """None when ready; otherwise why not, in one line with nothing secret in it."""
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            current = await migrate.current_revisions(container.engine)
    except Exception as error:  # any failure to reach the database means "not ready"
        return f"database unreachable ({type(error).__name__})"
    if current != migrate.head_revisions():
        return "database schema not at head: run `rumbo db upgrade`"
    return None


async def refresh_gauges(container: Container) -> None:
    async with container.uow() as uow:
        found = await outbox.backlog(uow)
        now = uow.now()
        waiting = await alert_reads.open_alerts(uow)
        homes = list(await uow.session.scalars(select(Home.id)))
        acknowledged = await alert_reads.ack_times(uow, homes, now - ACK_WINDOW)
    OUTBOX_DEPTH.set(found.depth)
    age = (now - found.oldest_due_since).total_seconds() if found.oldest_due_since else 0.0
    OUTBOX_OLDEST_AGE.set(max(0.0, age))
    ALERTS_OPEN.clear()
    ALERTS_OLDEST_AGE.clear()
    ACK_TIME.clear()
    for home in homes:
        mine = [alert for alert in waiting if alert.home_id == home]
        ALERTS_OPEN.labels(str(home)).set(len(mine))
        oldest = max((alert.waiting(now) for alert in mine), default=timedelta(0))
        ALERTS_OLDEST_AGE.labels(str(home)).set(oldest.total_seconds())
        times = acknowledged.get(home)
        if times is not None and times.median is not None and times.p90 is not None:
            ACK_TIME.labels(str(home), "0.5").set(times.median.total_seconds())
            ACK_TIME.labels(str(home), "0.9").set(times.p90.total_seconds())


async def _exposition(container: Container) -> Response:
    try:
        await refresh_gauges(container)
    except Exception:  # the counters are still worth reading without the database
        logging.getLogger(__name__).warning("metrics: the outbox backlog could not be read")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def metrics_routes(container: Container) -> list[BaseRoute]:
    """``/metrics`` on the web app, behind ``RUMBO_METRICS_TOKEN``; none without one."""
    token = container.settings.metrics.token
    if token is None:
        return []
    expected = f"Bearer {token.get_secret_value()}".encode()

    async def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse(
                "unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        return await _exposition(container)

    return [Route("/metrics", metrics)]


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to the process's main loop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def metrics_listener(container: Container) -> _QuietServer | None:
    """``/metrics`` without a token on ``RUMBO_METRICS_HOST:RUMBO_METRICS_PORT``, apart
    from the public port; None when no port is set. Run it with ``await .serve()``."""
    settings = container.settings
    if settings.metrics.port is None:
        return None

    async def metrics(request: Request) -> Response:
        return await _exposition(container)

    app = Starlette(routes=[Route("/metrics", metrics), Route("/healthz", _health)])
    config = uvicorn.Config(
        app,
        host=settings.metrics.host,
        port=settings.metrics.port,
        log_level="warning",
        log_config=None,
        access_log=False,
        lifespan="off",
    )
    return _QuietServer(config)


async def serve_until_cancelled(server: uvicorn.Server) -> None:
    """Run ``server``; when cancelled, close its port before going on."""
    running = asyncio.create_task(server.serve())
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError:
        server.should_exit = True
        await running
        raise


# ---------------------------------------------------------------- logs


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the
    exception's type and traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class _CountErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.labels(record.name.split(".", 1)[0]).inc()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """The root logger: plain or JSON lines on stderr (or ``stream``), with no secret
    in them (``rumbo.logs``), errors counted for /metrics. uvicorn's loggers go
    through the same handler."""
    handler = logging.StreamHandler(stream)
    inner = JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(logs.RedactingFormatter(inner, logs.configured_secrets(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.addHandler(_CountErrors())
    root.setLevel(logging.DEBUG if settings.debug else logging.INFO)
    # The ticker rings every few seconds; APScheduler would log each ring. httpx logs
    # every platform call with its URL, and Telegram's URLs carry the bot's token.
    for name in logs.QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    # /readyz reads the schema revision; Alembic would say "Context impl ..." each time.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
