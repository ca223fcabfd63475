"""``rumbo init``: the ``.env`` of a new installation, with fresh secrets.

The keys are written once, to a file only its owner can read, and never printed:
whoever needs them reads the file. An existing file is never overwritten (new keys
over an existing database would make every message unreadable).
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from plan_store.crypto import generate_key

COMPOSE_DATABASE = "postgresql+asyncpg://rumbo:{password}@db:5432/rumbo"


class AlreadyThere(Exception):
    pass


def env_text(domain: str | None, database_url: str | None) -> tuple[str, list[str]]:
    """The file's text and the names of the secrets in it."""
    password = secrets.token_urlsafe(24)
    values: dict[str, str] = {
        "RUMBO_SECRET_KEY": secrets.token_urlsafe(48),
        "RUMBO_DATA_KEY": generate_key(),
        "POSTGRES_PASSWORD": password,
        "RUMBO_DATABASE_URL": database_url or COMPOSE_DATABASE.format(password=password),
        "RUMBO_TELEGRAM_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "RUMBO_WHATSAPP_VERIFY_TOKEN": secrets.token_urlsafe(24),
        "RUMBO_METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    secret_names = [name for name in values if name != "RUMBO_DATABASE_URL"]
    settings: dict[str, str] = {"RUMBO_WEBCHAT": "false", "RUMBO_LOG_FORMAT": "json"}
    if domain:
        settings["RUMBO_DOMAIN"] = domain
        settings["RUMBO_PUBLIC_URL"] = f"https://{domain}"
        settings["RUMBO_TELEGRAM_WEBHOOK_URL"] = f"https://{domain}/telegram/webhook"
    today = datetime.now(UTC).date().isoformat()
    lines = [
        f"# Written by `rumbo init` on {today}. Readable by its owner only: keep it so.",
        "# Keep a copy of RUMBO_DATA_KEY off this server (a password manager): the",
        "# messages and every backup are encrypted with it, and nothing opens them without it.",
        "",
        *(f"{name}={value}" for name, value in values.items()),
        "",
        *(f"{name}={value}" for name, value in settings.items()),
        "",
        "# Fill in the channels you use (see docs/deploy.md):",
        "# RUMBO_TELEGRAM_TOKEN=",
        "# RUMBO_TELEGRAM_BOT_USERNAME=",
        "# RUMBO_WHATSAPP_TOKEN=",
        "# RUMBO_WHATSAPP_APP_SECRET=",
        "# RUMBO_WHATSAPP_PHONE_NUMBER_ID=",
        "# RUMBO_TIMEZONE=America/Mexico_City",
        "",
    ]
    return "\n".join(lines), secret_names


def write_env(path: Path, domain: str | None, database_url: str | None) -> list[str]:
    """Create ``path`` (mode 0600; refused when it exists). Returns the secrets' names."""
    content, names = env_text(domain, database_url)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AlreadyThere(str(path)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(content)
    return names
