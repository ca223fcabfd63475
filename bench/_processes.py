"""The fake Bot API in a process of its own, played on command from the bench, and the
bots' processes it answers: spawned with their environment, timed, stopped."""

from __future__ import annotations

import asyncio
import bisect
import gc
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-TOKEN"  # noqa: S105 (the fake Bot API's token, not a secret)
SECRET = "bench-webhook-secret"  # noqa: S105 (the bench's own webhook secret)
TEXT = "hoy fui a la escuela y me fue bien"
"""A plain free text: stored for the team, triaged (no risk), answered."""
WEBHOOK_URL = "https://rumbo.example/telegram/webhook"
TELEGRAM_CONNECTIONS = 40


# ------------------------------------------------------------------ the fake, apart


def _serve_fake(conn: Connection) -> None:
    """Child process: the fake Bot API, playing the users on command."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    asyncio.run(_fake_main(conn))


async def _fake_main(conn: Connection) -> None:
    from tests.fakes import FakeTelegram

    async with FakeTelegram(token=TOKEN) as tg, httpx.AsyncClient(timeout=60) as http:
        conn.send(tg.api_url)
        loop = asyncio.get_running_loop()
        users = Users(tg, http)
        while True:
            command, args = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                conn.send(None)
                return
            if command in ("burst", "paced"):
                # Everything the fake holds by now (the calls of every earlier turn)
                # stays out of the collector's walks during the measure: a full
                # collection over it stops the fake, and the replies that reach it
                # meanwhile are timed late, the echo bot's as much as Rumbo's.
                gc.collect()
                gc.freeze()
            try:
                conn.send(await getattr(users, command)(**args))
            except Exception as error:  # told to the parent, which fails the run
                conn.send(error)


class Users:
    """The adolescents, writing through the fake: by getUpdates or by webhook posts."""

    def __init__(self, tg: Any, http: httpx.AsyncClient) -> None:
        self.tg = tg
        self.http = http
        self.targets: list[str] = []
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._connections = asyncio.Semaphore(TELEGRAM_CONNECTIONS)
        self._posts: set[asyncio.Task[None]] = set()
        self._looked_at = 0
        self._send_count = 0

    async def use(self, targets: list[str]) -> None:
        """Deliver by posting to ``targets`` (webhook URLs), or by getUpdates if empty."""
        self.targets = targets
        self._chat_locks = {}

    def _offer(self, chat: int, text: str) -> None:
        update_id = self.tg.user_sends_text(chat, text)
        if self.targets:
            self.tg._pending.clear()  # nobody polls in webhook mode
            task = asyncio.create_task(self._post(chat, update_id))
            self._posts.add(task)
            task.add_done_callback(self._posts.discard)

    async def _post(self, chat: int, update_id: int) -> None:
        lock = self._chat_locks.setdefault(chat, asyncio.Lock())
        url = self.targets[chat % len(self.targets)]
        body = self.tg.updates[update_id]
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with lock:  # one update of a chat at a time, in order
            while True:
                async with self._connections:
                    try:
                        answer = await self.http.post(url, json=body, headers=headers)
                        if answer.status_code == 200:
                            return
                    except httpx.HTTPError:
                        pass
                await asyncio.sleep(0.5)  # Telegram sends it again later

    def _sends(self) -> int:
        """The ``sendMessage`` calls so far, counted on from the last look (this is
        asked every 5 ms while waiting: counting them all again each time would cost
        the fake more CPU the longer a bot takes, CPU the bot's processes then lack)."""
        sent = self.tg.sent
        for record in sent[self._looked_at :]:
            if record.method == "sendMessage":
                self._send_count += 1
        self._looked_at = len(sent)
        return self._send_count

    async def _until(self, count: int, timeout: float) -> float:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while self._sends() < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self._sends()} of {count} replies after {timeout:.0f} s")
            await asyncio.sleep(0.005)
        return float(max(r.at for r in self.tg.sent))

    async def warm(self, chats: list[int], timeout: float) -> float:  # noqa: ASYNC109
        """One text per chat, answered: the bot is up; returns replies per update."""
        before = self._sends()
        for chat in chats:
            self._offer(chat, TEXT)
        await self._until(before + len(chats), timeout)
        await asyncio.sleep(1.0)  # every screen of every reply
        return (self._sends() - before) / len(chats)

    async def burst(self, chats: list[int], total: int, replies_each: float) -> dict[str, float]:
        before = self._sends()
        started = time.monotonic()
        for n in range(total):
            self._offer(chats[n % len(chats)], TEXT)
        last = await self._until(before + round(total * replies_each), timeout=600)
        return {"seconds": last - started, "updates": total}

    async def paced(
        self, chats: list[int], rate: float, seconds: float, replies_each: float
    ) -> dict[str, Any]:
        before = self._sends()
        offered: list[tuple[int, float]] = []
        total = int(rate * seconds)
        started, started_at = time.monotonic(), time.time()
        for n in range(total):
            due = started + n / rate
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            chat = chats[n % len(chats)]
            offered.append((chat, time.monotonic()))
            self._offer(chat, TEXT)
        await self._until(before + round(total * replies_each), timeout=600)
        replies: dict[int, list[float]] = {}
        for record in self.tg.sent[before:]:
            if record.method == "sendMessage":
                replies.setdefault(record.chat_id, []).append(record.at)
        latencies = []
        slowest: list[tuple[float, float]] = []
        for chat, at in offered:
            times = replies.get(chat, [])
            index = bisect.bisect_left(times, at)
            if index < len(times):
                latencies.append(times[index] - at)
                slowest.append((times[index] - at, at - started))
        slowest.sort(reverse=True)
        return {
            "latencies": latencies,
            "slowest": slowest[: max(1, len(latencies) // 100)],
            "started_at": started_at,
            "offered": total,
            "achieved_rate": total / seconds,
        }


class FakeProcess:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_fake, args=(child,))
        self.api_url = ""

    def __enter__(self) -> FakeProcess:
        self._process.start()
        self.api_url = self._conn.recv()
        return self

    async def call(self, command: str, **args: Any) -> Any:
        loop = asyncio.get_running_loop()
        self._conn.send((command, args))
        answer = await loop.run_in_executor(None, self._conn.recv)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def cpu_seconds(self) -> float:
        """User and system CPU time the fake has used so far."""
        return cpu_seconds_of(self._process.pid)

    def __exit__(self, *exc_info: object) -> None:
        try:
            self._conn.send(("stop", {}))
            self._conn.recv()
        except (OSError, EOFError):
            pass
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()


# ------------------------------------------------------------------ the bots' processes


def cpu_seconds_of(pid: int | None) -> float:
    """User and system CPU time process ``pid`` has used so far (every thread)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float | None:
    """CPU time used so far by the PostgreSQL server on this machine: every
    ``postgres`` process, and the backends that have already exited (counted in their
    parent's children times). None when no such process can be read (a server
    elsewhere). Every client's work counts: read it while only the bench uses it."""
    total, found = 0.0, False
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        found = True
        # utime, stime, and cutime, cstime (children reaped: exited backends)
        total += sum(int(value) for value in fields[11:15]) / tick
    return total if found else None


@dataclass
class Proc:
    name: str
    process: asyncio.subprocess.Process
    output: bytearray = field(default_factory=bytearray)

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far (every thread)."""
        return cpu_seconds_of(self.process.pid)

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0


async def spawn(name: str, argv: Sequence[str], env: dict[str, str], cwd: Path) -> Proc:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    proc = Proc(name, process)

    async def read() -> None:
        assert process.stdout is not None
        while chunk := await process.stdout.read(65536):
            proc.output += chunk

    asyncio.get_running_loop().create_task(read())
    return proc


async def stop_all(procs: Sequence[Proc]) -> None:
    for proc in procs:
        if proc.process.returncode is None:
            proc.process.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            async with asyncio.timeout(30):
                await proc.process.wait()
        except TimeoutError:
            proc.process.kill()
            await proc.process.wait()


def base_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RUMBO_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env["PTB_TIMEDELTA"] = "true"
    return env


def rumbo_env(url: str, data_key: str, api_url: str, port: int, webhook: bool) -> dict[str, str]:
    env = base_env()
    env.update(
        RUMBO_DATABASE_URL=url,
        RUMBO_DATA_KEY=data_key,
        RUMBO_TELEGRAM_TOKEN=TOKEN,
        RUMBO_TELEGRAM_API_URL=api_url,
        RUMBO_PORT=str(port),
        # The platform's limits lifted: only Rumbo's own cost shows.
        RUMBO_OUTBOX_TELEGRAM_PER_SECOND="0",
        RUMBO_OUTBOX_TELEGRAM_CHAT_INTERVAL="0",
    )
    if webhook:
        env.update(RUMBO_TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, RUMBO_TELEGRAM_WEBHOOK_SECRET=SECRET)
    return env


async def healthy(port: int, timeout: float = 120) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            try:
                if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing answers on port {port}")
            await asyncio.sleep(0.2)
