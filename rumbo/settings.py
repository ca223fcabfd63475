"""Settings from ``RUMBO_*`` environment variables and a ``.env`` file.

Read once, by the composition root, never on import. A bad value stops the start
with one clear line per problem (see ``load_settings``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.outbox.limits import OutboxConfig
from bot.telegram.config import PUBLIC_API as PUBLIC_TELEGRAM_API
from bot.telegram.config import TelegramConfig
from bot.whatsapp.config import PUBLIC_GRAPH_API, WhatsAppConfig

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/rumbo.sqlite3"


class SettingsError(Exception):
    """Raised with every problem in the configuration, one per line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RUMBO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = DEFAULT_DATABASE_URL
    telegram_token: SecretStr | None = None
    telegram_api_url: str = PUBLIC_TELEGRAM_API
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_bot_username: str | None = None
    """The bot's @name, for the deep links (t.me/<name>?start=CODE) the console shows."""
    whatsapp_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_url: str = PUBLIC_GRAPH_API
    secret_key: SecretStr | None = None
    data_key: SecretStr | None = None
    timezone: str = "America/Mexico_City"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    debug: bool = False
    totp_operators: bool = True
    """Operators sign in with a second factor too (coordinators and admins always do)."""
    webchat: bool = False
    """Serve the demo web chat at /chat/ beside the console (always on in ``rumbo demo``).
    Off by default: it is for trying Rumbo and training staff, not a channel for
    adolescents, and anyone who can reach it can type linking codes into it."""
    smtp_host: str | None = None
    """The mail server alerts go out through; no host, no email alerts."""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Rumbo <rumbo@localhost>"
    smtp_security: str = "starttls"
    """``starttls`` (port 587), ``tls`` (port 465) or ``none`` (a relay on the same host)."""
    console_url: str | None = None
    """The console's address as staff reach it (``https://...``), for the links in
    alerts; ``rumbo check`` asks it over HTTPS (default: ``http://RUMBO_HOST:RUMBO_PORT``)."""
    backup_dir: Path = Path("var/backups")
    backup_keep: int = Field(default=14, ge=1)
    """How many backups ``rumbo backup`` keeps in ``backup_dir`` (the newest)."""
    metrics_token: SecretStr | None = None
    """Serve ``/metrics`` on the web app to requests bearing this token."""
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Serve ``/metrics`` (no token) on this port of ``metrics_host``, apart from the
    public one; any process can, including the workers without a web part."""
    metrics_host: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"
    # The outbox sender (``RUMBO_OUTBOX_*``): its defaults are the sender's own.
    outbox_telegram_per_second: float = OutboxConfig.telegram_per_second
    outbox_telegram_chat_interval: float = OutboxConfig.telegram_chat_interval
    outbox_whatsapp_per_second: float = OutboxConfig.whatsapp_per_second
    outbox_whatsapp_chat_interval: float = OutboxConfig.whatsapp_chat_interval
    outbox_lease_seconds: float = OutboxConfig.lease_seconds
    outbox_max_attempts: int = OutboxConfig.max_attempts
    outbox_poll_seconds: float = OutboxConfig.poll_seconds

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as error:
            raise ValueError(f"not a database URL: {error}") from error
        backend, driver = url.get_backend_name(), url.get_driver_name()
        if backend == "sqlite":
            if driver != "aiosqlite":
                raise ValueError("use sqlite+aiosqlite:///path/to/file.sqlite3")
        elif backend == "postgresql":
            if driver != "asyncpg":
                raise ValueError("use postgresql+asyncpg://user@host/dbname")
        else:
            raise ValueError("Rumbo runs on SQLite (sqlite+aiosqlite) or PostgreSQL (+asyncpg)")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (e.g. America/Mexico_City)") from error
        return value

    @field_validator("smtp_security")
    @classmethod
    def _smtp_security(cls, value: str) -> str:
        if value not in ("starttls", "tls", "none"):
            raise ValueError("one of starttls, tls, none")
        return value

    @field_validator("telegram_api_url", "whatsapp_api_url", "telegram_webhook_url", "console_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str | None) -> str | None:
        if value is None:
            return value
        name = value.strip().removeprefix("@")
        if not (5 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.isascii()):
            raise ValueError(
                "a Telegram bot username is 5-32 letters, digits or _ (e.g. rumbo_bot)"
            )
        return name

    @field_validator("data_key")
    @classmethod
    def _data_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        for key in value.get_secret_value().split(","):
            try:
                Fernet(key.strip().encode("ascii"))
            except (ValueError, UnicodeEncodeError) as error:
                raise ValueError(
                    "each data key is 32 url-safe base64-encoded bytes "
                    "(make one with `rumbo keys new`)"
                ) from error
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 24:
            raise ValueError("use at least 24 random characters")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("use at least 32 random characters (`rumbo keys new`)")
        return value

    @property
    def sqlite_path(self) -> Path | None:
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database)
        return None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None

    @property
    def email_enabled(self) -> bool:
        return self.smtp_host is not None

    @property
    def public_console_url(self) -> str:
        return self.console_url or f"http://{self.host}:{self.port}"

    @property
    def whatsapp_enabled(self) -> bool:
        return all((self.whatsapp_token, self.whatsapp_app_secret, self.whatsapp_phone_number_id))

    # What each part is given: a small config object of the package that uses it.

    @property
    def telegram(self) -> TelegramConfig:
        return TelegramConfig(
            token=_secret(self.telegram_token),
            api_url=self.telegram_api_url,
            webhook_url=self.telegram_webhook_url,
            webhook_secret=_secret(self.telegram_webhook_secret),
        )

    @property
    def whatsapp(self) -> WhatsAppConfig:
        return WhatsAppConfig(
            token=_secret(self.whatsapp_token),
            app_secret=_secret(self.whatsapp_app_secret),
            phone_number_id=self.whatsapp_phone_number_id,
            verify_token=_secret(self.whatsapp_verify_token),
            api_url=self.whatsapp_api_url,
            database_url=self.database_url,
            data_key=_secret(self.data_key),
        )

    @property
    def outbox(self) -> OutboxConfig:
        return OutboxConfig(
            telegram_per_second=self.outbox_telegram_per_second,
            telegram_chat_interval=self.outbox_telegram_chat_interval,
            whatsapp_per_second=self.outbox_whatsapp_per_second,
            whatsapp_chat_interval=self.outbox_whatsapp_chat_interval,
            lease_seconds=self.outbox_lease_seconds,
            max_attempts=self.outbox_max_attempts,
            poll_seconds=self.outbox_poll_seconds,
        )

    def missing_for_production(self) -> list[str]:
        """Secrets without which nothing sensitive may be stored."""
        return [
            f"RUMBO_{name.upper()}"
            for name in ("secret_key", "data_key")
            if getattr(self, name) is None
        ]


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (and ``.env``), with ``overrides`` on top."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            lines.append(f"RUMBO_{field.upper()}: {problem['msg']}")
        raise SettingsError("\n".join(lines)) from None
