"""The attacks of the security review, replayed against the console: each one
must fail now. (The web chat's are in ``tests/bot/test_webchat_attacks.py``, the
log's in ``tests/e2e/test_log_secrets.py``, the files' in
``tests/plan_store/test_at_rest.py``; parallel guesses on both databases in
``tests/plan_store/test_staff.py``.)

1. A cookie captured before logout is worth nothing after it.
2. A stolen password alone does not open an account that reads self-harm flags;
   a code is accepted once; enrolment cannot be skipped.
4. Forty parallel wrong passwords: only the free ones are checked.
5. A stranger's failures, from anywhere, do not lock the staff member out.
8. On withdrawal the words behind a safeguarding flag stay with the flag, for the
   coordinators only, until the home's safeguarding period ends.

And the right to erasure: two admins, no content left behind.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pyotp
from sqlalchemy import func, select

from plan_store.enums import Role
from plan_store.models import Adolescent, AuditEntry, Flag, Message
from plan_store.services import consent
from plan_store.services.staff import LoginLimits
from rumbo.container import Container
from tests.builders import a_staff_member, totp_secret_for
from tests.conftest import FakeClock
from tests.console.conftest import Browser, audit_count
from tests.console.world import World

LIMITS = LoginLimits()


async def test_1_a_cookie_captured_before_logout_opens_nothing_after(
    as_ana: Browser, browsers: Any, world: World
) -> None:
    captured = dict(as_ana.client.cookies)
    await as_ana.post("/logout")
    thief: Browser = browsers(client_ip="198.51.100.66")
    thief.client.cookies.update(captured)
    for path in ("/", f"/cases/{world.ana_case.id}", "/flags", "/account"):
        assert (await thief.get(path)).status_code == 303


async def test_2_a_stolen_password_alone_opens_nothing(
    browsers: Any, world: World, container: Container
) -> None:
    thief: Browser = browsers(client_ip="198.51.100.66")
    for name in ("marta", "admin", "ana"):  # coordinator, admin, operator
        response = await thief.login(name, second_factor=False)
        assert response.headers["location"] == "/login/code"
        for path in ("/", "/flags", f"/cases/{world.ana_case.id}"):
            assert (await thief.get(path)).status_code == 303
        wrong = await thief.post("/login/code", {"code": "000000"})
        assert wrong.status_code in (401, 429)
    assert await audit_count(container, "staff.code_failed") == 3


async def test_2_a_code_seen_over_a_shoulder_is_not_accepted_twice(
    browsers: Any, world: World, clock: FakeClock
) -> None:
    ana: Browser = browsers()
    await ana.login("ana", second_factor=False)
    code = pyotp.TOTP(totp_secret_for("ana")).at(clock())
    assert (await ana.post("/login/code", {"code": code})).status_code == 303
    thief: Browser = browsers(client_ip="198.51.100.66")
    await thief.login("ana", second_factor=False)
    replay = await thief.post("/login/code", {"code": code})
    assert replay.status_code == 401 and "Ese código no sirve" in replay.text
    assert (await thief.get("/")).status_code == 303


async def test_2_guessing_codes_is_slowed_down(browsers: Any, world: World) -> None:
    thief: Browser = browsers(client_ip="198.51.100.66")
    await thief.login("ana", second_factor=False)
    statuses = [
        (await thief.post("/login/code", {"code": f"{n:06d}"})).status_code for n in range(6)
    ]
    assert statuses[:4] == [401, 401, 401, 401] and statuses[4:] == [429, 429]


async def test_2_a_recovery_code_works_once(browsers: Any, world: World, clock: FakeClock) -> None:
    admin: Browser = browsers()
    await admin.login("admin")
    await admin.post(f"/admin/staff/{world.coordinator.id}/second-factor")
    marta: Browser = browsers()
    assert (await marta.login("marta", second_factor=False)).headers["location"] == "/login/enrol"
    shown = await marta.enrol("marta")
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.text)
    assert len(codes) == 10
    await marta.post("/logout")
    again: Browser = browsers()
    await again.login("marta", second_factor=False)
    assert (await again.post("/login/code", {"code": codes[0]})).status_code == 303
    thief: Browser = browsers(client_ip="198.51.100.66")
    await thief.login("marta", second_factor=False)
    assert (await thief.post("/login/code", {"code": codes[0]})).status_code == 401


async def test_2_enrolment_cannot_be_skipped(browsers: Any, world: World) -> None:
    admin: Browser = browsers()
    await admin.login("admin")
    await admin.post(f"/admin/staff/{world.coordinator.id}/second-factor")
    marta: Browser = browsers()
    first = await marta.login("marta", second_factor=False)
    assert first.headers["location"] == "/login/enrol"
    for path in ("/", "/flags", "/account", f"/cases/{world.ana_case.id}"):
        assert (await marta.get(path)).status_code == 303
    enrol = await marta.get("/login/enrol")
    assert "otpauth" not in enrol.text  # the QR holds it; the key is shown for typing
    assert (await marta.post("/login/enrol", {"code": "123456"})).status_code == 400


async def test_4_forty_parallel_wrong_passwords_check_only_the_free_ones(
    browsers: Any, world: World, container: Container
) -> None:
    guesser: Browser = browsers(client_ip="198.51.100.77")
    token = await guesser.token()

    async def guess(n: int) -> int:
        response = await guesser.client.post(
            "/login",
            data={"csrf_token": token, "username": "ana", "password": f"guess {n}"},
        )
        return response.status_code

    statuses = await asyncio.gather(*(guess(n) for n in range(40)))
    assert statuses.count(401) == LIMITS.free + 1
    assert statuses.count(429) == 40 - LIMITS.free - 1
    async with container.uow() as uow:
        checked = await uow.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "staff.login_failed")
        )
    assert checked == LIMITS.free + 1


async def test_5_a_stranger_cannot_lock_a_staff_member_out(
    browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    for n in range(60):  # from many addresses, again and again
        stranger: Browser = browsers(client_ip=f"198.51.100.{n % 30}")
        await stranger.login("ana", "guessed wrong")
        clock.advance(seconds=3)
    ana: Browser = browsers(client_ip="203.0.113.7")
    assert (await ana.login("ana")).status_code == 303
    # ...and the admins hear of it.
    assert await audit_count(container, "staff.login_alert") >= 1
    admin: Browser = browsers()
    await admin.login("admin")
    page = (await admin.get("/admin/staff")).text
    assert "Muchos intentos fallidos de entrar a esta cuenta" in page


async def test_5_the_lockout_says_until_when_and_keeps_the_username(
    browsers: Any, world: World
) -> None:
    guesser: Browser = browsers(client_ip="198.51.100.9")
    for n in range(LIMITS.max_per_client):
        await guesser.login(f"someone{n}", "guessed wrong")
    held = await guesser.login("beto")
    assert held.status_code == 429
    assert "Podrás probar otra vez a partir de las 10:15" in held.text  # 16:15 UTC
    assert 'value="beto"' in held.text


async def test_8_withdrawal_keeps_the_words_behind_a_safeguarding_flag_for_coordinators(
    browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    words = "Me quiero ir de la casa"
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, world.ana_case.id)
        assert case is not None
        await consent.withdraw(uow, case, channel=None)
        await uow.commit()
    async with container.uow() as uow:
        left = await uow.session.scalar(
            select(func.count(Message.id)).where(Message.adolescent_id == world.ana_case.id)
        )
        flag = await uow.session.get(Flag, world.ana_case.flag)
        assert flag is not None
        kept, until = flag.kept_words, flag.kept_until
    assert left == 0  # everything else went at once
    assert kept == words and until == clock.now + timedelta(days=90)
    marta: Browser = browsers()
    await marta.login("marta")
    assert words in (await marta.get(f"/cases/{world.ana_case.id}")).text
    for name in ("ana", "admin"):
        other: Browser = browsers()
        await other.login(name)
        assert words not in (await other.get(f"/cases/{world.ana_case.id}")).text
    clock.advance(days=91)
    async with container.uow() as uow:
        await consent.erase_expired_content(uow)
        await uow.commit()
    async with container.uow() as uow:
        flag = await uow.session.get(Flag, world.ana_case.flag)
        assert flag is not None and flag.kept_words is None


async def test_8_the_privacy_screen_and_consent_text_say_so() -> None:
    from dialogs.consent import DETAILS

    assert "se guardan con llave" in DETAILS and "coordinación" in DETAILS


async def test_a_case_is_erased_only_when_a_second_admin_confirms_leaving_no_content(
    browsers: Any, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        second = await a_staff_member(uow, None, "admin2", Role.ADMIN)
        await uow.commit()
    first: Browser = browsers()
    await first.login("admin")
    case_id = world.ana_case.id
    asked = await first.post(f"/cases/{case_id}/erasure", {"confirm": "1"})
    assert asked.status_code == 303
    # The one who asked cannot confirm; a coordinator cannot either.
    await first.post(f"/cases/{case_id}/erasure/confirm", {"confirm": "1"})
    marta: Browser = browsers()
    await marta.login("marta")
    assert (
        await marta.post(f"/cases/{case_id}/erasure/confirm", {"confirm": "1"})
    ).status_code in (
        303,
        404,
    )
    async with container.uow() as uow:
        assert await uow.session.get(Adolescent, case_id) is not None
    other: Browser = browsers()
    await other.login("admin2")
    page = (await other.get(f"/cases/{case_id}")).text
    assert "Administración pidió borrar todo este caso." in page
    done = await other.post(f"/cases/{case_id}/erasure/confirm", {"confirm": "1"})
    assert done.headers["location"] == "/cases"
    async with container.uow() as uow:
        assert await uow.session.get(Adolescent, case_id) is None
        for model in (Message, Flag):
            left = await uow.session.scalar(
                select(func.count()).select_from(model).where(model.adolescent_id == case_id)
            )
            assert left == 0
        entries = [
            (e.action, e.staff_id, e.adolescent_id, e.target, e.details)
            for e in await uow.session.scalars(select(AuditEntry))
        ]
    assert all(adolescent != case_id for _, _, adolescent, _, _ in entries)
    erased = [e for e in entries if e[0] == "case.erased"]
    assert len(erased) == 1 and erased[0][1] == second.id
    text = repr(entries)
    for trace in (world.ana_case.alias, world.ana_case.case_number, "Me quiero ir"):
        assert trace not in text
    assert (await other.get(f"/cases/{case_id}")).status_code == 404
