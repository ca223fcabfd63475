import pytest

from plan_store.crypto import generate_key
from rumbo.container import build_container
from rumbo.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.chdir(str(tmp_path))
    for name in ("RUMBO_DATABASE_URL", "RUMBO_TIMEZONE", "RUMBO_PORT", "RUMBO_DATA_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_an_sqlite_file_and_mexico_city() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.timezone == "America/Mexico_City"
    assert not settings.telegram_enabled
    assert not settings.whatsapp_enabled


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
