"""Every unsafe request needs the session's CSRF token: the check runs before any
route, so the test walks every POST route the app has, including future ones."""

from __future__ import annotations

from typing import Any

import pytest

from rumbo.container import Container
from tests.console.conftest import Browser
from tests.console.helpers import fill, plausible_form, routes_with_method, snapshot
from tests.console.world import World
from tests.voice_samples import ogg_opus


def all_post_paths(app: Any, world: World) -> list[str]:
    paths = [fill(p, world.ana_case) for p in routes_with_method(app, "POST")]
    assert len(paths) >= 36, paths
    assert "/login" in paths and "/logout/everywhere" in paths
    # The admin, account and languages forms are walked too.
    for path in ("/admin/staff", "/admin/homes/1", "/admin/consent", "/account/password"):
        assert path in paths, path
    assert "/languages/es/terms" in paths and "/languages/es/voice" in paths
    return paths


async def test_every_form_without_a_valid_token_is_refused(
    as_ana: Browser, browsers: Any, app: Any, world: World, container: Container
) -> None:
    other = browsers()
    await other.login("beto")
    someone_elses_token = await other.token()
    own_token = await as_ana.token()
    before = await snapshot(container)
    for path in all_post_paths(app, world):
        form = plausible_form(path) | {"username": "ana", "password": "correct horse battery"}
        for token in (None, "", "not-the-token", someone_elses_token, own_token[:-1]):
            data = form if token is None else form | {"csrf_token": token}
            response = await as_ana.client.post(path, data=data)
            assert response.status_code == 403, (path, token, response.status_code)
        as_header = await as_ana.client.post(path, data=form, headers={"X-CSRF-Token": "nope"})
        assert as_header.status_code == 403, path
    assert await snapshot(container) == before
    # Still logged in: a refused logout did not log out.
    assert (await as_ana.get("/")).status_code == 200


async def test_an_upload_without_a_valid_token_is_refused_before_it_is_read(
    browsers: Any, world: World, container: Container
) -> None:
    admin: Browser = browsers()
    await admin.login("admin")
    token = await admin.token()
    before = await snapshot(container)
    recording = {"audio": ("menu.ogg", ogg_opus(), "audio/ogg")}
    for data in ({"key": "menu"}, {"key": "menu", "csrf_token": token[:-1]}):
        response = await admin.client.post("/languages/es/voice", data=data, files=recording)
        assert response.status_code == 403
    garbled = await admin.client.post(
        "/languages/es/voice",
        content=b"--x\r\nnot a part",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert garbled.status_code == 403
    assert await snapshot(container) == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_unsafe_methods_need_the_token_too(as_ana: Browser, method: str) -> None:
    response = await as_ana.client.request(method, "/cases/1/reply", data={"body": "x"})
    assert response.status_code == 403


async def test_a_form_from_another_site_is_refused_even_with_the_token(
    as_ana: Browser, world: World, container: Container
) -> None:
    token = await as_ana.token()
    before = await snapshot(container)
    path = f"/cases/{world.ana_case.id}/goals"
    form = plausible_form(path) | {"csrf_token": token}
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
    ):
        response = await as_ana.client.post(path, data=form, headers=headers)
        assert response.status_code == 403, headers
    assert await snapshot(container) == before
    accepted = await as_ana.client.post(
        path, data=form, headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"}
    )
    assert accepted.status_code == 303


async def test_the_token_in_a_header_works_for_scripts(as_ana: Browser, world: World) -> None:
    token = await as_ana.token()
    path = f"/cases/{world.ana_case.id}/flags/{world.ana_case.flag}/acknowledge"
    response = await as_ana.client.post(path, headers={"X-CSRF-Token": token})
    assert response.status_code == 303


async def test_a_too_large_body_is_refused_before_it_is_read(as_ana: Browser, world: World) -> None:
    token = await as_ana.token()
    response = await as_ana.client.post(
        f"/cases/{world.ana_case.id}/reply",
        data={"csrf_token": token, "body": "x" * 300_000},
    )
    assert response.status_code == 413


async def test_the_token_changes_at_login_and_logout(browsers: Any, world: World) -> None:
    browser: Browser = browsers()
    anonymous = await browser.fresh_token()
    await browser.login("ana")
    logged_in = await browser.fresh_token()
    assert logged_in != anonymous
    stale = await browser.client.post("/logout", data={"csrf_token": anonymous})
    assert stale.status_code == 403
    await browser.post("/logout")
    assert await browser.fresh_token() not in (anonymous, logged_in)
