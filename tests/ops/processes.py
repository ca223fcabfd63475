"""Rumbo's commands as separate processes, the way a container or a service manager
starts them: through ``deploy/entrypoint.sh``, with ``rumbo`` on the PATH."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = PROJECT_ROOT / "deploy" / "entrypoint.sh"
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(**values: str) -> dict[str, str]:
    """The process environment: none of the developer's ``RUMBO_*``, ``rumbo`` on the
    PATH (this checkout's), and ``values``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RUMBO_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


class Running:
    """One process started through the entry point, its output in a file."""

    def __init__(self, name: str, args: Sequence[str], cwd: Path, env: dict[str, str]) -> None:
        self.name = name
        self.output = cwd / f"{name}.log"
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own entry point)
                [str(ENTRYPOINT), *args],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, as ``docker stop`` sends it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)
            raise AssertionError(f"{self.name} ignored SIGTERM:\n{self.log}") from None

    def wait_for(self, check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited before {what}:\n{self.log}")
            if check():
                return
            time.sleep(0.2)
        raise AssertionError(f"{self.name}: no {what} within {timeout} s:\n{self.log}")


def answers(url: str, status: int = 200, headers: dict[str, str] | None = None) -> bool:
    try:
        return httpx.get(url, timeout=2, headers=headers).status_code == status
    except httpx.HTTPError:
        return False


def run(args: Sequence[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A command through the entry point, to its end."""
    return subprocess.run(  # noqa: S603 (our own entry point)
        [str(ENTRYPOINT), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
