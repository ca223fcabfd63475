"""Settings from ``RUMBO_*`` environment variables and a ``.env`` file.

Read once, by the composition root, never on import. A bad value stops the start
with one clear line per problem (see ``load_settings``).

The settings come in sections, one per concern (``settings.telegram.token``,
``settings.smtp.host``), each read from the variables that start with its name
(``RUMBO_TELEGRAM_TOKEN``, ``RUMBO_SMTP_HOST``); what concerns the whole installation
stays at the top (``RUMBO_DATA_KEY``, ``RUMBO_PORT``). The composition root
(``rumbo.parts``) turns a section into the small config object of the package that
uses it, so nothing here loads ``bot``: where a section leaves a value unset (None),
that package's own default applies (the public APIs, the platforms' rate limits).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/rumbo.sqlite3"


class SettingsError(Exception):
    """Raised with every problem in the configuration, one per line."""


def _http_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/") if value else value


HttpAddress = Annotated[str | None, AfterValidator(_http_url)]
Port = Annotated[int, Field(ge=1, le=65535)]


class Section(BaseModel):
    """A group of settings read from ``RUMBO_<SECTION>_<NAME>``."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)


class DatabaseSettings(Section):
    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
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

    @property
    def sqlite_path(self) -> Path | None:
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database)
        return None


class TelegramSettings(Section):
    token: SecretStr | None = None
    api_url: HttpAddress = None
    """The Bot API's root; None: the public one (tests point it at a local fake)."""
    webhook_url: HttpAddress = None
    webhook_secret: SecretStr | None = None
    bot_username: str | None = None
    """The bot's @name, for the deep links (t.me/<name>?start=CODE) the console shows."""

    @field_validator("bot_username")
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

    @property
    def enabled(self) -> bool:
        return self.token is not None


class WhatsAppSettings(Section):
    token: SecretStr | None = None
    app_secret: SecretStr | None = None
    verify_token: SecretStr | None = None
    phone_number_id: str | None = None
    api_url: HttpAddress = None
    """The Graph API's root; None: the public one."""

    @property
    def enabled(self) -> bool:
        return all((self.token, self.app_secret, self.phone_number_id))


class OutboxSettings(Section):
    """The outbox sender's pace and timings; None leaves the sender's own default."""

    telegram_per_second: float | None = Field(default=None, ge=0)
    telegram_chat_interval: float | None = Field(default=None, ge=0)
    whatsapp_per_second: float | None = Field(default=None, ge=0)
    whatsapp_chat_interval: float | None = Field(default=None, ge=0)
    lease_seconds: float | None = Field(default=None, gt=0)
    max_attempts: int | None = Field(default=None, ge=1)
    poll_seconds: float | None = Field(default=None, gt=0)


class SmtpSettings(Section):
    host: str | None = None
    """The mail server alerts go out through; no host, no email alerts."""
    port: Port = 587
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(default="Rumbo <rumbo@localhost>", alias="from")
    """``RUMBO_SMTP_FROM``: the From of every email."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` (port 587), ``tls`` (port 465) or ``none`` (a relay on the same host)."""

    @property
    def enabled(self) -> bool:
        return self.host is not None


class ConsoleSettings(Section):
    url: HttpAddress = None
    """The console's address as staff reach it (``https://...``), for the links in
    alerts; ``rumbo check`` asks it over HTTPS (default: ``http://RUMBO_HOST:RUMBO_PORT``)."""


class BackupSettings(Section):
    dir: Path = Path("var/backups")
    keep: int = Field(default=14, ge=1)
    """How many backups ``rumbo backup`` keeps in ``dir`` (the newest)."""


class MetricsSettings(Section):
    token: SecretStr | None = None
    """Serve ``/metrics`` on the web app to requests bearing this token."""
    port: Port | None = None
    """Serve ``/metrics`` (no token) on this port of ``host``, apart from the public
    one; any process can, including the workers without a web part."""
    host: str = "127.0.0.1"

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 24:
            raise ValueError("use at least 24 random characters")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RUMBO_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # RUMBO_TELEGRAM_WEBHOOK_URL is telegram.webhook_url: split once, after the section.
        env_nested_delimiter="_",
        env_nested_max_split=1,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    secret_key: SecretStr | None = None
    data_key: SecretStr | None = None
    timezone: str = "America/Mexico_City"
    host: str = "127.0.0.1"
    port: Port = 8000
    debug: bool = False
    totp_operators: bool = True
    """Operators sign in with a second factor too (coordinators and admins always do)."""
    webchat: bool = False
    """Serve the demo web chat at /chat/ beside the console (always on in ``rumbo demo``).
    Off by default: it is for trying Rumbo and training staff, not a channel for
    adolescents, and anyone who can reach it can type linking codes into it."""
    log_format: Literal["text", "json"] = "text"

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (e.g. America/Mexico_City)") from error
        return value

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

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("use at least 32 random characters (`rumbo keys new`)")
        return value

    @property
    def public_console_url(self) -> str:
        return self.console.url or f"http://{self.host}:{self.port}"

    @classmethod
    def variables(cls) -> dict[str, tuple[str, ...]]:
        """Every environment variable read, with where its value lands
        (``RUMBO_SMTP_FROM``: ``("smtp", "sender")``)."""
        found: dict[str, tuple[str, ...]] = {}
        for name, field in cls.model_fields.items():
            section = field.annotation
            if isinstance(section, type) and issubclass(section, Section):
                for inner, inner_field in section.model_fields.items():
                    variable = f"{name}_{inner_field.alias or inner}"
                    found[f"RUMBO_{variable.upper()}"] = (name, inner)
            else:
                found[f"RUMBO_{name.upper()}"] = (name,)
        return found


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (and ``.env``), with ``overrides`` on top (a
    section's as a dict: ``load_settings(database={"url": ...})``)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            variable = "_".join(str(part) for part in problem["loc"][:2])
            lines.append(f"RUMBO_{variable.upper()}: {problem['msg']}")
        raise SettingsError("\n".join(lines)) from None
