"""The container image's entry point, run outside a container (no container engine
here): the commands of ``compose.yaml``'s services, on PostgreSQL, with the ``.env``
that ``rumbo init`` writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from plan_store.backup import SUFFIX
from tests.ops.processes import PROJECT_ROOT, Running, answers, environment, free_port, run


def compose_commands() -> dict[str, list[str]]:
    """Each service's ``command:`` in compose.yaml (written as JSON lists)."""
    found: dict[str, list[str]] = {}
    service = ""
    for line in (PROJECT_ROOT / "compose.yaml").read_text().splitlines():
        if match := re.fullmatch(r"  ([a-z_]+):", line):
            service = match.group(1)
        elif match := re.fullmatch(r"    command: (\[.*\])", line):
            found[service] = json.loads(match.group(1))
    return found


@pytest.fixture
def db_backend() -> str:
    return "postgres"


@pytest.fixture
def installation(database_url: str, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A directory holding the ``.env`` of ``rumbo init``, and the environment the
    compose file adds (the ports made free ones on loopback)."""
    env = environment()
    init = run(
        ["init", "--domain", "rumbo.example.org", "--database-url", database_url], tmp_path, env
    )
    assert init.returncode == 0, init.stderr
    return tmp_path, environment(
        RUMBO_HOST="127.0.0.1",
        RUMBO_PORT=str(free_port()),
        RUMBO_METRICS_HOST="127.0.0.1",
        RUMBO_BACKUP_DIR=str(tmp_path / "backups"),
    )


def test_init_writes_fresh_keys_once_and_never_shows_them(tmp_path: Path) -> None:
    env = environment()
    first = run(["init", "--domain", "rumbo.example.org"], tmp_path, env)
    assert first.returncode == 0, first.stderr
    dotenv = tmp_path / ".env"
    assert oct(dotenv.stat().st_mode & 0o777) == "0o600"
    values = dict(
        line.split("=", 1)
        for line in dotenv.read_text().splitlines()
        if re.match(r"^[A-Z_]+=", line)
    )
    assert values["RUMBO_PUBLIC_URL"] == "https://rumbo.example.org"
    assert values["RUMBO_WEBCHAT"] == "false"
    secrets = [values[name] for name in ("RUMBO_SECRET_KEY", "RUMBO_DATA_KEY", "POSTGRES_PASSWORD")]
    assert all(len(secret) >= 32 for secret in secrets)
    assert not any(secret in first.stdout + first.stderr for secret in secrets)

    again = run(["init", "--domain", "rumbo.example.org"], tmp_path, env)
    assert again.returncode == 1
    assert "never overwrites keys" in again.stderr
    other = tmp_path / "other"
    other.mkdir()
    assert run(["init"], other, env).returncode == 0
    assert (other / ".env").read_text() != dotenv.read_text()  # fresh keys each time


def test_the_compose_services_run_through_the_entry_point(
    installation: tuple[Path, dict[str, str]],
) -> None:
    directory, env = installation
    commands = compose_commands()
    assert commands["web"][:1] == commands["scheduler"][:1] == ["serve"]
    web_metrics, scheduler_metrics = free_port(), free_port()

    # Both start at once, and both migrate first: the lock lets one do it.
    web = Running("web", commands["web"], directory, env | {"RUMBO_METRICS_PORT": str(web_metrics)})
    scheduler = Running(
        "scheduler",
        commands["scheduler"],
        directory,
        env | {"RUMBO_METRICS_PORT": str(scheduler_metrics)},
    )
    try:
        base = f"http://127.0.0.1:{env['RUMBO_PORT']}"
        web.wait_for(lambda: answers(f"{base}/readyz"), "/readyz 200")
        assert answers(f"{base}/login")
        assert answers(f"{base}/metrics", 401)  # the token of .env is needed on this port
        web.wait_for(lambda: answers(f"http://127.0.0.1:{web_metrics}/metrics"), "metrics")
        scheduler.wait_for(
            lambda: answers(f"http://127.0.0.1:{scheduler_metrics}/metrics"), "metrics"
        )
        exposition = httpx.get(f"http://127.0.0.1:{scheduler_metrics}/metrics").text
        assert "rumbo_outbox_depth 0.0" in exposition
        # After the migration's one line, only JSON lines, as .env asks (RUMBO_LOG_FORMAT=json).
        first, *rest = web.log.splitlines()
        assert first == "Database at head."
        logged = [json.loads(line) for line in rest]
        assert {"time", "level", "logger", "message"} <= set(logged[0])
        assert any(line["message"].startswith("console: staff console at") for line in logged)
    finally:
        codes = (web.stop(), scheduler.stop())
    assert codes == (0, 0), web.log + scheduler.log

    backup = run(commands["backup"], directory, env)
    assert backup.returncode == 0, backup.stderr
    assert len(list((directory / "backups").glob(f"*{SUFFIX}"))) == 1

    check = run(["check"], directory, env)
    assert check.returncode == 1  # rumbo.example.org is not this machine
    assert "- https://rumbo.example.org does not answer" in check.stdout
