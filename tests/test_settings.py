import dataclasses
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.outbox import OutboxConfig
from plan_store.crypto import generate_key
from plan_store.enums import Channel
from rumbo.container import build_container
from rumbo.parts import outbox_config, telegram_config, whatsapp_config
from rumbo.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.chdir(str(tmp_path))
    for name in Settings.variables():
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_an_sqlite_file_and_mexico_city() -> None:
    settings = load_settings()
    assert settings.database.url.startswith("sqlite+aiosqlite:///")
    assert settings.timezone == "America/Mexico_City"
    assert not settings.telegram.enabled
    assert not settings.whatsapp.enabled


def test_each_bad_value_is_named_in_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUMBO_DATABASE_URL", "mysql://root@localhost/rumbo")
    monkeypatch.setenv("RUMBO_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("RUMBO_PORT", "99999")
    monkeypatch.setenv("RUMBO_DATA_KEY", "not-a-key")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    lines = str(raised.value).splitlines()
    assert len(lines) == 4
    assert any(line.startswith("RUMBO_DATABASE_URL:") and "PostgreSQL" in line for line in lines)
    assert any(line.startswith("RUMBO_TIMEZONE:") and "Mars/Olympus" in line for line in lines)
    assert any(line.startswith("RUMBO_PORT:") for line in lines)
    assert any(line.startswith("RUMBO_DATA_KEY:") and "rumbo keys new" in line for line in lines)


def test_the_env_file_is_read(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    with open(".env", "w", encoding="utf-8") as env_file:
        env_file.write("RUMBO_TIMEZONE=America/Tijuana\n")
    assert load_settings().timezone == "America/Tijuana"


def test_the_environment_wins_over_the_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    with open(".env", "w", encoding="utf-8") as env_file:
        env_file.write("RUMBO_TIMEZONE=America/Tijuana\n")
    monkeypatch.setenv("RUMBO_TIMEZONE", "America/Cancun")
    assert load_settings().timezone == "America/Cancun"


def test_nothing_starts_without_a_data_key() -> None:
    with pytest.raises(SettingsError, match="RUMBO_DATA_KEY"):
        build_container(load_settings())


def test_rotated_data_keys_are_accepted() -> None:
    keys = f"{generate_key()},{generate_key()}"
    assert load_settings(data_key=keys).data_key is not None


# Every variable the README's configuration table names: a value to set, where it
# lands, and what it reads as. Deployments depend on these names.
KEY = generate_key()
SAMPLES: dict[str, tuple[str, str, object]] = {
    "RUMBO_DATABASE_URL": ("postgresql+asyncpg://rumbo@db/rumbo", "database.url", None),
    "RUMBO_DATA_KEY": (KEY, "data_key", None),
    "RUMBO_SECRET_KEY": ("k" * 40, "secret_key", None),
    "RUMBO_TELEGRAM_TOKEN": ("123:abc", "telegram.token", None),
    "RUMBO_TELEGRAM_API_URL": ("http://127.0.0.1:9", "telegram.api_url", None),
    "RUMBO_TELEGRAM_WEBHOOK_URL": ("https://rumbo.example.org/tg", "telegram.webhook_url", None),
    "RUMBO_TELEGRAM_WEBHOOK_SECRET": ("hook-secret", "telegram.webhook_secret", None),
    "RUMBO_TELEGRAM_BOT_USERNAME": ("rumbo_bot", "telegram.bot_username", None),
    "RUMBO_WHATSAPP_TOKEN": ("wa-token", "whatsapp.token", None),
    "RUMBO_WHATSAPP_APP_SECRET": ("wa-app-secret", "whatsapp.app_secret", None),
    "RUMBO_WHATSAPP_VERIFY_TOKEN": ("wa-verify", "whatsapp.verify_token", None),
    "RUMBO_WHATSAPP_PHONE_NUMBER_ID": ("1055", "whatsapp.phone_number_id", None),
    "RUMBO_WHATSAPP_API_URL": ("http://127.0.0.1:10", "whatsapp.api_url", None),
    "RUMBO_TIMEZONE": ("America/Tijuana", "timezone", None),
    "RUMBO_HOST": ("192.0.2.1", "host", None),
    "RUMBO_PORT": ("8080", "port", 8080),
    "RUMBO_OUTBOX_TELEGRAM_PER_SECOND": ("20", "outbox.telegram_per_second", 20.0),
    "RUMBO_OUTBOX_TELEGRAM_CHAT_INTERVAL": ("2", "outbox.telegram_chat_interval", 2.0),
    "RUMBO_OUTBOX_WHATSAPP_PER_SECOND": ("40", "outbox.whatsapp_per_second", 40.0),
    "RUMBO_OUTBOX_WHATSAPP_CHAT_INTERVAL": ("3", "outbox.whatsapp_chat_interval", 3.0),
    "RUMBO_OUTBOX_POLL_SECONDS": ("0.25", "outbox.poll_seconds", 0.25),
    "RUMBO_OUTBOX_LEASE_SECONDS": ("60", "outbox.lease_seconds", 60.0),
    "RUMBO_OUTBOX_MAX_ATTEMPTS": ("4", "outbox.max_attempts", 4),
    "RUMBO_SMTP_HOST": ("mail.example.org", "smtp.host", None),
    "RUMBO_SMTP_PORT": ("465", "smtp.port", 465),
    "RUMBO_SMTP_USERNAME": ("alerts", "smtp.username", None),
    "RUMBO_SMTP_PASSWORD": ("mail-password", "smtp.password", None),
    "RUMBO_SMTP_FROM": ("Casa Ceiba <casa@example.org>", "smtp.sender", None),
    "RUMBO_SMTP_SECURITY": ("tls", "smtp.security", None),
    "RUMBO_CONSOLE_URL": ("https://rumbo.example.org", "console.url", None),
    "RUMBO_BACKUP_DIR": ("/srv/backups", "backup.dir", Path("/srv/backups")),
    "RUMBO_BACKUP_KEEP": ("3", "backup.keep", 3),
    "RUMBO_METRICS_TOKEN": ("m" * 30, "metrics.token", None),
    "RUMBO_METRICS_PORT": ("9100", "metrics.port", 9100),
    "RUMBO_METRICS_HOST": ("192.0.2.2", "metrics.host", None),
    "RUMBO_LOG_FORMAT": ("json", "log_format", None),
    "RUMBO_WEBCHAT": ("true", "webchat", True),
    "RUMBO_TOTP_OPERATORS": ("false", "totp_operators", False),
    "RUMBO_DEBUG": ("true", "debug", True),
}


def _readme_variables() -> set[str]:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {
        name
        for row in section.splitlines()
        if row.startswith("| `RUMBO_")
        for name in re.findall(r"`(RUMBO_[A-Z_]+)`", row.split(" | ")[0])
    }


def _read(settings: Settings, path: str) -> object:
    value: object = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def test_every_variable_the_readme_lists_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert set(SAMPLES) == _readme_variables()
    for name, (raw, _path, _expected) in SAMPLES.items():
        monkeypatch.setenv(name, raw)
    settings = load_settings()
    read = {name: _read(settings, path) for name, (_raw, path, _expected) in SAMPLES.items()}
    wanted = {
        name: raw if expected is None else expected
        for name, (raw, _path, expected) in SAMPLES.items()
    }
    assert read == wanted


def test_a_sections_variable_in_the_env_file_is_read_too() -> None:
    Path(".env").write_text(
        "RUMBO_SMTP_FROM=Casa Ceiba <casa@example.org>\nRUMBO_OUTBOX_POLL_SECONDS=2\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.smtp.sender == "Casa Ceiba <casa@example.org>"
    assert settings.outbox.poll_seconds == 2.0


def test_a_bad_value_in_a_section_is_named_by_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RUMBO_TELEGRAM_WEBHOOK_URL", "rumbo.example.org/tg")
    monkeypatch.setenv("RUMBO_SMTP_SECURITY", "ssl")
    monkeypatch.setenv("RUMBO_OUTBOX_MAX_ATTEMPTS", "0")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    lines = str(raised.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "RUMBO_TELEGRAM_WEBHOOK_URL",
        "RUMBO_OUTBOX_MAX_ATTEMPTS",
        "RUMBO_SMTP_SECURITY",
    ]


def test_what_a_section_leaves_unset_is_the_senders_and_the_platforms_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert outbox_config(load_settings()) == OutboxConfig()
    assert telegram_config(load_settings()).api_url == "https://api.telegram.org"
    assert whatsapp_config(load_settings()).api_url.startswith("https://graph.facebook.com/")

    monkeypatch.setenv("RUMBO_OUTBOX_TELEGRAM_PER_SECOND", "0")  # 0 lifts the limit
    monkeypatch.setenv("RUMBO_OUTBOX_POLL_SECONDS", "2")
    config = outbox_config(load_settings())
    assert config == dataclasses.replace(OutboxConfig(), telegram_per_second=0, poll_seconds=2)
    assert config.rate_limits().for_channel(Channel.TELEGRAM).per_second is None
