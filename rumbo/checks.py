"""``rumbo check``: is this installation ready for real adolescents?

Reads the settings and asks the live services (the database, Telegram's
``getWebhookInfo``, the public address), and returns one plain line per problem.
No line means ready. Nothing secret is ever put in a line.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import aiosmtplib
import httpx
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from plan_store import migrate
from plan_store.crypto import InvalidToken
from plan_store.database import create_engine
from plan_store.services import duty, keys, staff
from rumbo.container import build_container
from rumbo.parts import telegram_config
from rumbo.settings import Settings

TIMEOUT = httpx.Timeout(10.0)
RECENT = timedelta(hours=1)
"""A webhook delivery error Telegram reports is news when it is younger than this."""


async def problems(settings: Settings) -> list[str]:
    found: list[str] = []
    found += _configuration(settings)
    found += await _database(settings)
    async with httpx.AsyncClient(timeout=TIMEOUT, trust_env=True) as http:
        found += await _telegram(settings, http)
        found += await _public_address(settings, http)
    found += _whatsapp(settings)
    found += await _smtp(settings)
    return found


def _configuration(settings: Settings) -> list[str]:
    found: list[str] = []
    if settings.secret_key is None:
        found.append("RUMBO_SECRET_KEY is not set: the console cannot sign sessions")
    if settings.data_key is None:
        found.append("RUMBO_DATA_KEY is not set: nothing can be stored encrypted")
    if settings.webchat:
        found.append(
            "the web chat is on (/chat/): anyone who opens it can type a linking code; "
            "set RUMBO_WEBCHAT=false unless staff train with it"
        )
    if settings.debug:
        found.append("RUMBO_DEBUG is on: turn it off in production")
    return found


async def _database(settings: Settings) -> list[str]:
    engine = create_engine(settings.database.url)
    try:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as error:
            return [f"the database does not answer: {type(error).__name__}"]
        current = await migrate.current_revisions(engine)
        head = migrate.head_revisions()
        if current != head:
            at = ", ".join(sorted(current)) or "no schema"
            return [
                f"the database schema is at {at}, this version needs "
                f"{', '.join(sorted(head))}: run `rumbo db upgrade`"
            ]
    finally:
        await engine.dispose()
    if settings.data_key is None:
        return []
    return await _stored_data(settings)


async def _stored_data(settings: Settings) -> list[str]:
    from rumbo.seed import DEMO_PASSWORD

    assert settings.data_key is not None
    key_count = len([k for k in settings.data_key.get_secret_value().split(",") if k.strip()])
    container = build_container(settings)
    found: list[str] = []
    try:
        usage = await keys.key_usage(container.uow, key_count)
        try:
            async with container.uow() as uow:
                demo_accounts = await staff.usernames_with_password(uow, DEMO_PASSWORD)
                homes = await duty.duty_now(uow)
        except InvalidToken:  # staff rows hold encrypted columns: the lost key is named below
            demo_accounts, homes = [], []
    finally:
        await container.aclose()
    if usage.unreadable:
        found.append(
            f"{usage.unreadable} encrypted values open with no key of RUMBO_DATA_KEY: "
            "a key they were written under is missing"
        )
    older = sum(usage.by_key[1:])
    if key_count > 1 and usage.by_key[0] == 0 and older:
        # Before `rumbo keys rotate`, or after it with the keys listed in the wrong
        # order: the database alone cannot tell which, so the line says both.
        found.append(
            "RUMBO_DATA_KEY: no stored value is under the first key: if the new key was "
            "just put first, run `rumbo keys rotate`; if you rotated already, put the key "
            "you rotated to first"
        )
    elif older:
        found.append(
            f"RUMBO_DATA_KEY: {older} encrypted values are still under an older key: "
            "run `rumbo keys rotate`"
        )
    elif key_count > 1:
        found.append(
            "RUMBO_DATA_KEY still lists old keys after the rotation: keep only the first "
            "(and keep the old ones with the backups made under them)"
        )
    for home in homes:
        if home.nobody:
            found.append(f"nobody is on duty now in {home.home_name}: fill in its duty roster")
        elif home.unreachable:
            found.append(
                f"on duty now in {home.home_name} but reachable by no alert channel (no "
                f"Telegram chat linked, no email): {', '.join(home.unreachable)}"
            )
    if demo_accounts:
        found.append(
            f"{len(demo_accounts)} staff account(s) still have the demo password: "
            + ", ".join(demo_accounts)
        )
    return found


async def _telegram(settings: Settings, http: httpx.AsyncClient) -> list[str]:
    if settings.telegram.token is None:
        return []
    token = settings.telegram.token.get_secret_value()
    url = f"{telegram_config(settings).api_url}/bot{token}/getWebhookInfo"
    try:
        answer = await http.get(url)
    except httpx.HTTPError as error:
        return [f"Telegram's Bot API does not answer: {type(error).__name__}"]
    if answer.status_code in (401, 404):
        return ["Telegram refuses RUMBO_TELEGRAM_TOKEN (revoked or mistyped?)"]
    try:
        info = answer.json()["result"]
    except (ValueError, KeyError, TypeError):
        return [f"Telegram's getWebhookInfo answered {answer.status_code} without a result"]
    registered = str(info.get("url") or "")
    wanted = settings.telegram.webhook_url
    found: list[str] = []
    if wanted is None:
        if registered:
            found.append(
                f"a Telegram webhook is registered ({registered}) but "
                "RUMBO_TELEGRAM_WEBHOOK_URL is not set: polling gets no updates"
            )
        return found
    if not wanted.startswith("https://"):
        found.append("RUMBO_TELEGRAM_WEBHOOK_URL is not https:// (Telegram requires HTTPS)")
    if not registered:
        found.append(
            "the Telegram webhook is not registered: start the part that serves it "
            "(`rumbo serve --only telegram`), which registers it"
        )
    elif registered != wanted:
        found.append(f"the Telegram webhook points elsewhere: {registered} instead of {wanted}")
    error_at = info.get("last_error_date")
    if registered and isinstance(error_at, int):
        when = datetime.fromtimestamp(error_at, UTC)
        if datetime.now(UTC) - when < RECENT:
            message = str(info.get("last_error_message") or "unknown error")
            found.append(f"Telegram could not deliver to the webhook recently: {message}")
    return found


def _whatsapp(settings: Settings) -> list[str]:
    parts = {
        "RUMBO_WHATSAPP_TOKEN": settings.whatsapp.token,
        "RUMBO_WHATSAPP_APP_SECRET": settings.whatsapp.app_secret,
        "RUMBO_WHATSAPP_PHONE_NUMBER_ID": settings.whatsapp.phone_number_id,
    }
    missing = [name for name, value in parts.items() if value is None]
    if len(missing) == len(parts):
        return []
    if missing:
        return [f"WhatsApp is half configured: set {', '.join(missing)}"]
    if settings.whatsapp.verify_token is None:
        return ["RUMBO_WHATSAPP_VERIFY_TOKEN is not set: Meta cannot verify the webhook"]
    return []


async def _public_address(settings: Settings, http: httpx.AsyncClient) -> list[str]:
    url = settings.console.url
    if url is None:
        return ["RUMBO_CONSOLE_URL is not set (the https:// address staff open)"]
    if not url.startswith("https://"):
        return [f"HTTPS is missing: RUMBO_CONSOLE_URL is {url}"]
    try:
        answer = await http.get(f"{url}/healthz")
    except httpx.ConnectError as error:
        if isinstance(error.__cause__, ssl.SSLError) or "SSL" in str(error):
            return [f"HTTPS is broken at {url}: the certificate is not valid"]
        return [f"{url} does not answer: {error}"]
    except httpx.HTTPError as error:
        return [f"{url} does not answer: {type(error).__name__}"]
    if answer.status_code != 200:
        return [f"{url}/healthz answered {answer.status_code}, not 200"]
    return []


async def _smtp(settings: Settings) -> list[str]:
    """Connect, say hello, start TLS and log in as the alerts will (nothing is sent)."""
    smtp = settings.smtp
    if smtp.host is None:
        return ["RUMBO_SMTP_HOST is not set: alerts and digests go out by no email"]
    where = f"{smtp.host}:{smtp.port}"
    client = aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        use_tls=smtp.security == "tls",
        start_tls=smtp.security == "starttls",
        timeout=TIMEOUT.connect or 10.0,
    )
    try:
        await client.connect()
        if smtp.username:
            password = smtp.password.get_secret_value() if smtp.password else ""
            await client.login(smtp.username, password)
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError:
        return [f"the SMTP server {where} refuses RUMBO_SMTP_USERNAME and its password"]
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        return [f"the SMTP server {where} is not reachable: {type(error).__name__}"]
    finally:
        client.close()
    return []
