"""``/metrics``: Prometheus text that moves with the traffic, served only behind the
token on the web app (or on its own port: see ``test_entrypoint``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from bot.telegram import build_client
from plan_store.enums import FlagCategory, Severity
from plan_store.services import alert_reads, alerts, flags
from rumbo.container import Container
from rumbo.parts import telegram_config
from rumbo.server import build_app, build_parts
from tests.configured import configured
from tests.conftest import FakeClock
from tests.e2e.alerts_support import a_team_on_duty
from tests.e2e.support import drain, telegram_settings
from tests.fakes import FakeTelegram, serve_loopback

TOKEN = "metrics-token-0123456789abcdef"
SECRET = "hook-secret"
WEBHOOK_URL = "https://rumbo.example.org/telegram/webhook"
CHAT = 5151

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@contextlib.asynccontextmanager
async def served(container: Container, **settings: Any) -> AsyncIterator[str]:
    container.settings = configured(container.settings, **settings)
    app = build_app(container, build_parts(container, ["telegram"]))
    async with serve_loopback(app) as base:
        yield base


async def test_metrics_move_with_inbound_updates_replies_429s_and_the_outbox(
    container: Container, tg: FakeTelegram, clock: FakeClock
) -> None:
    settings = configured(
        telegram_settings(
            container.settings, tg, webhook_url=WEBHOOK_URL, webhook_secret=SecretStr(SECRET)
        ),
        metrics={"token": SecretStr(TOKEN)},
    )
    async with (
        served(container, **dict(settings)) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as http,
    ):

        async def scrape() -> Samples:
            answer = await http.get("/metrics")
            assert answer.status_code == 200
            return samples(answer.text)

        before = await scrape()
        update = tg.user_sends_text(CHAT, "hola")
        assert (await tg.post_update_to(f"{base}/telegram/webhook", update, SECRET)).is_success
        assert (await tg.post_update_to(f"{base}/telegram/webhook", update, SECRET)).is_success
        clock.advance(seconds=90)  # the reply waits for a sender

        waiting = await scrape()
        inbound = "rumbo_inbound_updates_total"
        assert value(waiting, inbound, channel="telegram", outcome="applied") == (
            value(before, inbound, channel="telegram", outcome="applied") + 1
        )
        assert value(waiting, inbound, channel="telegram", outcome="duplicate") == (
            value(before, inbound, channel="telegram", outcome="duplicate") + 1
        )
        assert value(waiting, "rumbo_outbox_depth") == 1
        assert value(waiting, "rumbo_outbox_oldest_pending_age_seconds") == 90

        client = build_client(telegram_config(settings))
        tg.fail_next("sendMessage", kind="retry_after", retry_after=0.01)
        try:
            await drain(container.uow, client)  # told to wait: the row stays pending
            clock.advance(seconds=1)
            await drain(container.uow, client)
        finally:
            await client.aclose()

        after = await scrape()
        delivered = "rumbo_outbox_deliveries_total"
        for outcome in ("sent", "retry"):
            assert value(after, delivered, channel="telegram", outcome=outcome) == (
                value(before, delivered, channel="telegram", outcome=outcome) + 1
            )
        limited = "rumbo_platform_rate_limited_total"
        assert value(after, limited, channel="telegram") == (
            value(before, limited, channel="telegram") + 1
        )
        assert value(after, "rumbo_outbox_depth") == 0
        assert value(after, "rumbo_outbox_oldest_pending_age_seconds") == 0
        assert len(tg.sent_to(CHAT)) == 1


async def test_metrics_need_the_token_and_are_not_served_without_one(
    container: Container,
) -> None:
    async with served(container, metrics={"token": None}) as base, httpx.AsyncClient() as http:
        assert (await http.get(f"{base}/metrics")).status_code == 404

    async with (
        served(container, metrics={"token": SecretStr(TOKEN)}) as base,
        httpx.AsyncClient() as http,
    ):
        assert (await http.get(f"{base}/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer not-the-token-at-all-000000"}
        assert (await http.get(f"{base}/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": f"Bearer {TOKEN}"}
        answer = await http.get(f"{base}/metrics", headers=right)
        assert answer.status_code == 200
        assert "rumbo_outbox_depth" in answer.text


async def test_alert_metrics_move_when_an_alert_waits_and_is_acknowledged(
    container: Container, clock: FakeClock
) -> None:
    team = await a_team_on_duty(container.uow)
    async with container.uow() as uow:
        await flags.raise_flag(
            uow, team.case_id, category=FlagCategory.SELF_HARM, severity=Severity.URGENT
        )
        await uow.commit()
        [alert] = await alert_reads.open_alerts(uow)
    home = str(team.home_id)
    settings = {"metrics": {"token": SecretStr(TOKEN)}}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with served(container, **settings) as base, httpx.AsyncClient(headers=headers) as http:

        async def scrape() -> Samples:
            return samples((await http.get(f"{base}/metrics")).text)

        clock.advance(seconds=150)
        waiting = await scrape()
        assert value(waiting, "rumbo_alerts_unacknowledged", home=home) == 1
        assert value(waiting, "rumbo_alerts_oldest_unacknowledged_age_seconds", home=home) == 150
        ack = "rumbo_alert_time_to_acknowledge_seconds"
        assert (ack, (("home", home), ("quantile", "0.5"))) not in waiting

        async with container.uow() as uow:
            await alerts.acknowledge(uow, team.laura, alert.id, via="console")
            await uow.commit()
        clock.advance(seconds=30)

        seen = await scrape()
        assert value(seen, "rumbo_alerts_unacknowledged", home=home) == 0
        assert value(seen, "rumbo_alerts_oldest_unacknowledged_age_seconds", home=home) == 0
        assert value(seen, ack, home=home, quantile="0.5") == 150
        assert value(seen, ack, home=home, quantile="0.9") == 150
