"""No secret in any log line: every part runs against fake platforms with the
service's own log configuration (``observe.configure_logging``, as ``rumbo serve``
sets it up),
and the whole log is searched for each secret it must not hold.

Telegram (polling and the outbox, through python-telegram-bot and httpx), the
WhatsApp webhook and sender (a phone number and a bearer token), the console (a
password, a second-factor code, the session cookie), the web chat (a linking code)
and the scheduler all run; then the log must hold none of: the Bot API token, the
WhatsApp token, app secret and verify token, the secret key, the data key, the
password, the TOTP secret and code, the linking codes, the phone number, cookies.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import httpx
import pyotp
import pytest
from starlette.applications import Starlette

from bot.scheduler.ticker import run_jobs
from bot.telegram import TelegramClient
from bot.webchat import WebChat
from plan_store.services import linking
from rumbo import logs, observe
from rumbo.container import Container
from rumbo.settings import Settings
from staff_console.app import create_app
from tests.builders import PASSWORD, totp_secret_for
from tests.e2e.support import Phone, a_case_with_code, running_poller
from tests.e2e.whatsapp_support import WA_ID, whatsapp_bridge
from tests.fakes import FakeTelegram

CONSOLE_SECRET = "console-log-test-secret-" + "y" * 20
CHAT = 880_077


@pytest.fixture
def service_log(tg_settings: Settings) -> Iterator[io.StringIO]:
    """The root logger as ``rumbo serve`` configures it, writing here; restored after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET}
    stream = io.StringIO()
    observe.configure_logging(tg_settings, stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


async def test_no_secret_reaches_the_log_from_any_part(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    telegram_client: TelegramClient,
    service_log: io.StringIO,
) -> None:
    logging.getLogger("rumbo.test").info("the log works")
    # Telegram: an adolescent links with her code and gets replies.
    case = await a_case_with_code(container.uow, alias="Lu")
    async with running_poller(tg_settings, container) as poller:
        phone = Phone(tg, CHAT, container.uow, telegram_client, poller)
        await phone.send(f"/start {case.code}")
        await phone.tap("🌐 Idioma")

    # WhatsApp: a phone number writes, the sender answers with a bearer token.
    async with whatsapp_bridge(container) as bridge:
        await bridge.phone().send("Hola")
        whatsapp_secrets = [bridge.wa.token, bridge.wa.app_secret, "verify-me-ñ"]

    # The console: password, then the second factor; a page; log out.
    app = create_app(container.uow, secret_key=CONSOLE_SECRET)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://c.test") as console:
        form = (await console.get("/login")).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        await console.post(
            "/login",
            data={"csrf_token": token.group(1), "username": "laura", "password": PASSWORD},
        )
        form = (await console.get("/login/code")).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        code = pyotp.TOTP(totp_secret_for("laura")).at(container.clock())
        done = await console.post("/login/code", data={"csrf_token": token.group(1), "code": code})
        assert done.status_code == 303
        cookie = console.cookies.get("rumbo_console")
        assert cookie and (await console.get("/")).status_code == 200

    # The web chat: someone types a code.
    async with container.uow() as uow:
        web_code = await linking.issue_code(uow, case.operator, case.case_id)
        await uow.commit()
    chat = WebChat(container.uow, CONSOLE_SECRET)
    web = httpx.ASGITransport(app=Starlette(routes=chat.routes()), client=("198.51.100.3", 1))
    async with httpx.AsyncClient(transport=web, base_url="http://w.test") as browser:
        page = (await browser.get("/chat/")).text
        u = re.findall(r'name="u" value="([^"]+)"', page)[-1]
        await browser.post("/chat/send", data={"u": u, "text": f"/start {web_code}"})
        webchat_cookie = browser.cookies.get("rumbo_webchat")

    # The scheduler's jobs.
    await run_jobs(container.uow, container.clock())

    log = service_log.getvalue()
    assert "the log works" in log and "httpx" not in log.split("the log works")[0]
    secrets = {
        "Bot API token": tg.token,
        "Bot API token's secret half": tg.token.split(":")[1],
        "secret key": CONSOLE_SECRET,
        "data key": tg_settings.data_key.get_secret_value() if tg_settings.data_key else "",
        "password": PASSWORD,
        "TOTP secret": totp_secret_for("laura"),
        "TOTP code": code,
        "linking code (Telegram)": case.code,
        "linking code (web chat)": web_code,
        "phone number": WA_ID,
        "console cookie": cookie or "",
        "web chat cookie": webchat_cookie or "",
        **{f"WhatsApp secret {n}": value for n, value in enumerate(whatsapp_secrets)},
    }
    found = [name for name, value in secrets.items() if value and value in log]
    assert found == [], f"in the log: {found}\n{log}"
