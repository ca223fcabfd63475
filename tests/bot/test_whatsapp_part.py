"""``rumbo serve`` with the WhatsApp part: mounted when configured, named when not;
and the fake Cloud API refusing what the real one refuses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.whatsapp import WEBHOOK_PATH, build_client, build_graph
from bot.whatsapp.graph import GraphError
from plan_store.enums import OutboxKind
from rumbo import parts
from rumbo.container import Container
from rumbo.parts import whatsapp_config
from rumbo.server import build_app, build_parts
from rumbo.settings import Settings
from tests.e2e.whatsapp_support import VERIFY_TOKEN, WA_ID, whatsapp_bridge, whatsapp_settings
from tests.fakes.whatsapp_api import FakeWhatsApp


async def test_an_unconfigured_whatsapp_part_says_what_is_missing(container: Container) -> None:
    (part,) = build_parts(container, ["whatsapp"])
    assert part.routes == []
    assert "RUMBO_WHATSAPP_APP_SECRET" in part.note
    assert parts.whatsapp_client(container) is None


async def test_serve_only_whatsapp_mounts_the_webhook(container: Container) -> None:
    async with FakeWhatsApp() as wa:
        container.settings = whatsapp_settings(container.settings, wa)
        built = build_parts(container, ["whatsapp"])
        assert [p.name for p in built] == ["whatsapp", "outbox"]
        assert built[0].note == f"webhook at {WEBHOOK_PATH}"
        app = build_app(container, built)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rumbo") as http:
            params = {
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "987",
            }
            answer = await http.get(WEBHOOK_PATH, params=params)
            assert (answer.status_code, answer.text) == (200, "987")
            assert (await http.post(WEBHOOK_PATH, content=b"{}")).status_code == 403
        client = parts.whatsapp_client(container)
        assert client is not None
        await client.aclose()


def interactive(kind: str, action: dict[str, Any], body: str = "¿Qué quieres hacer?") -> Any:
    content = {"type": kind, "body": {"text": body}, "action": action}
    return {"type": "interactive", "interactive": content}


def buttons(*titles: str) -> dict[str, Any]:
    return {
        "buttons": [
            {"type": "reply", "reply": {"id": f"b{n}", "title": title}}
            for n, title in enumerate(titles)
        ]
    }


def rows(count: int) -> dict[str, Any]:
    return {
        "button": "📋 Opciones",
        "sections": [{"rows": [{"id": f"r{n}", "title": f"Fila {n}"} for n in range(count)]}],
    }


@pytest.mark.parametrize(
    ("message", "details"),
    [
        (interactive("button", buttons("🙋 Hablar con mi operadora")), "button title"),
        (interactive("button", buttons("a", "b", "c", "d")), "between 1 and 3"),
        (interactive("button", buttons("Sí", "Sí")), "titles must be unique"),
        (interactive("list", rows(11)), "at most 10 rows"),
        (interactive("button", buttons("Sí"), body="ñ" * 1025), "longer than 1024"),
        ({"type": "text", "text": {"body": "🎯" * 2049}}, "longer than 4096"),
        (
            {
                "type": "template",
                "template": {"name": "recordatorio_cita", "language": {"code": "es_MX"}},
            },
            "expected 3",
        ),
    ],
)
async def test_the_fake_refuses_what_whatsapp_refuses(
    settings: Settings, message: dict[str, Any], details: str
) -> None:
    wa = FakeWhatsApp(enforce_window=False)
    async with wa, build_graph(whatsapp_config(whatsapp_settings(settings, wa))) as graph:
        with pytest.raises(GraphError) as refused:
            await graph.send("5215512345678", message)
    assert refused.value.status == 400
    assert refused.value.code in (131009, 132000)
    assert details in refused.value.details
    assert wa.sent == []


async def test_a_client_built_from_settings_alone_reads_the_window_itself(
    container: Container,
) -> None:
    async with whatsapp_bridge(container) as bridge:
        await bridge.phone().send("hola")
        async with build_client(whatsapp_config(bridge.settings)) as client:  # its own engine
            wamid = await client.deliver(OutboxKind.SCREEN, WA_ID, {"text": "¿Seguimos? 🙂"})
        assert wamid == bridge.wa.last_to(WA_ID).wamid
