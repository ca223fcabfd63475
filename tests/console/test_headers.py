"""Strict security headers on every response; no personal data in any URL."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from rumbo.container import Container
from staff_console.app import create_app
from tests.console.conftest import SECRET, Browser
from tests.console.world import World

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def assert_strict(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "camera=()" in headers["permissions-policy"]
    assert "geolocation=()" in headers["permissions-policy"]
    assert headers["x-frame-options"] == "DENY"


async def test_every_page_carries_the_headers_and_is_not_cached(
    as_ana: Browser, browsers: Any, world: World
) -> None:
    anonymous = browsers()
    responses = [
        await anonymous.get("/login"),
        await anonymous.get("/nowhere"),
        await as_ana.get("/"),
        await as_ana.get("/dashboard/urgent"),
        await as_ana.get("/cases"),
        await as_ana.get(f"/cases/{world.ana_case.id}"),
        await as_ana.get(f"/cases/{world.beto_case.id}"),
        await as_ana.post(f"/cases/{world.ana_case.id}/code"),
        await as_ana.client.post("/logout"),  # refused: no token
    ]
    for response in responses:
        assert_strict(response)
        assert response.headers["cache-control"] == "no-store"


async def test_static_files_are_cacheable_and_still_strict(browsers: Any) -> None:
    browser = browsers()
    page = await browser.get("/login")
    css = re.search(r'href="(/static/console\.css\?v=\w+)"', page.text)
    assert css
    response = await browser.get(css.group(1))
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert_strict(response)


async def test_mounted_parts_get_the_headers_too(container: Container) -> None:
    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hola")

    app = create_app(container.uow, secret_key=SECRET, mounts=[Route("/chat/ping", hello)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://console.test"
    ) as client:
        response = await client.get("/chat/ping")
    assert response.text == "hola"
    assert_strict(response)


_URL = re.compile(r'(?:href|action|src)="([^"]*)"')


async def test_no_url_carries_an_alias_or_a_case_number(
    as_ana: Browser, world: World, clock: Any
) -> None:
    case = world.ana_case
    pages = [
        await as_ana.get("/"),
        await as_ana.get("/cases"),
        await as_ana.get("/flags"),
        await as_ana.get(f"/cases/{case.id}"),
        await as_ana.get(f"/cases/{case.id}/evaluation"),
        await as_ana.post(f"/cases/{case.id}/code"),
    ]
    allowed = re.compile(
        r"^(#[\w-]+|\?lang=(es|en)|data:,|data:image/svg\+xml[^\s]*|"
        r"/[\w/.-]*(\?(status=\w+(&amp;page=\d+)?|v=\w+|before=\d+))?(#[\w-]+)?)$"
    )
    for page in pages:
        assert page.status_code == 200
        urls = _URL.findall(page.text)
        assert urls
        for url in urls:
            assert case.alias not in url and case.case_number not in url
            assert allowed.match(url), url
