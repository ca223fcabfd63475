"""`rumbo serve` and `rumbo demo` serve the console at / beside the other parts."""

from __future__ import annotations

import httpx
import pytest

from rumbo.container import Container
from rumbo.server import build_app, build_parts
from rumbo.settings import Settings
from tests.console.world import World


async def test_the_console_part_serves_the_console_and_leaves_other_paths_to_other_parts(
    container: Container, world: World
) -> None:
    built = build_parts(container, ["console"], demo=True)
    assert [part.name for part in built][:1] == ["console"]
    app = build_app(container, built)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://console.test"
    ) as client:
        login = await client.get("/login")
        assert login.status_code == 200
        assert "Demostración" in login.text
        assert login.headers["content-security-policy"].startswith("default-src 'self'")
        assert (await client.get("/healthz")).text == "ok"
        assert (await client.get("/")).status_code == 303
        chat = await client.get("/chat/")
        assert "Entrar a la consola" not in chat.text  # not swallowed by the console
        unknown = await client.get("/no-such-page")
        assert unknown.status_code == 404


async def test_without_a_secret_key_the_console_stays_off(container: Container) -> None:
    container.settings.secret_key = None
    (part,) = [p for p in build_parts(container, ["console"]) if p.name == "console"]
    assert part.routes == [] and "RUMBO_SECRET_KEY" in part.note


async def test_the_demo_web_chat_is_served_only_in_the_demo_or_when_turned_on(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    def webchat_routes(demo: bool) -> int:
        (part,) = [p for p in build_parts(container, ["console"], demo=demo) if p.name == "webchat"]
        return len(part.routes)

    monkeypatch.delenv("RUMBO_WEBCHAT", raising=False)
    assert Settings(data_key=container.settings.data_key).webchat is False  # the default
    container.settings.webchat = False
    assert webchat_routes(demo=True) > 0
    assert webchat_routes(demo=False) == 0
    container.settings.webchat = True
    assert webchat_routes(demo=False) > 0
