"""A form sent after the login timed out is not lost: the login page carries what
was typed (in the page, nowhere else), and after logging in it is one click away."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from sqlalchemy import select

from plan_store.models import CaseNote
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.console.conftest import PASSWORD, Browser
from tests.console.world import World

NOTE = 'Habló de su hermana en Tapachula; quiere "llamarla" el domingo.'


async def test_a_note_typed_while_the_login_timed_out_is_sent_after_logging_in_again(
    as_ana: Browser, world: World, container: Container, clock: FakeClock
) -> None:
    case = world.ana_case
    token = await as_ana.token()
    clock.advance(hours=9)  # past the idle timeout, while the note was being typed
    response = await as_ana.client.post(
        f"/cases/{case.id}/notes", data={"csrf_token": token, "note": NOTE}
    )
    assert response.status_code == 401
    assert "lo que escribiste no se perdió" in response.text
    assert "password" not in re.findall(r'name="carry\.([^"]+)"', response.text)

    login = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert login is not None
    carried = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.text)
    )
    form = {k: unescape(v) for k, v in carried.items()} | {
        "username": "ana",
        "password": PASSWORD,
    }
    second = await as_ana.client.post("/login", data=form)
    # The second factor's page carries the form on.
    assert second.status_code == 200 and "Código de acceso" in second.text
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', second.text))
    code = {"code": as_ana.authenticator.code("ana")}
    again = await as_ana.client.post(
        "/login/code", data={k: unescape(v) for k, v in carried.items()} | code
    )
    assert again.status_code == 200 and "Falta enviar lo que escribiste" in again.text
    typed = re.search(r"<textarea[^>]*>([^<]*)</textarea>", again.text)
    assert typed is not None and unescape(typed.group(1)) == NOTE

    resend = re.search(r'<form method="post" action="([^"]+)"', again.text)
    assert resend is not None and resend.group(1) == f"/cases/{case.id}/notes"
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', again.text)
    assert fresh is not None
    sent = await as_ana.client.post(
        resend.group(1), data={"csrf_token": fresh.group(1), "note": NOTE}
    )
    assert sent.status_code == 303
    async with container.uow() as uow:
        notes = list(await uow.session.scalars(select(CaseNote)))
        assert [uow.cipher.decrypt(n.body_ciphertext) for n in notes] == [NOTE]


async def test_a_stale_form_without_a_timed_out_login_is_still_refused(
    as_ana: Browser, world: World, browsers: Any
) -> None:
    stranger: Browser = browsers()
    response = await stranger.client.post(
        f"/cases/{world.ana_case.id}/notes", data={"csrf_token": "forged", "note": "x"}
    )
    assert response.status_code == 403
