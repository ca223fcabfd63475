"""The outbox sender across real operating-system processes.

``test_outbox_concurrency`` plays "two sender processes" with two engines in one event
loop, and ``test_outbox_sender`` stops a sender with ``task.cancel()``. Here every
sender is a real ``rumbo serve --only scheduler`` process (``sys.executable -m
rumbo.cli``), configured only through ``RUMBO_*`` environment variables, on one
fresh database, delivering to the fake Bot API that the test process serves on
loopback. The scheduler part also runs the scheduler's ticker; on a database without
cases its jobs make nothing, so every call the fake sees comes from the outbox.

- Two processes deliver at once: the fake holds every ``sendMessage`` until each
  process has as many calls in flight as one sender can have (its ``concurrency``),
  so both really hold claims at the same moment; then each message goes out once,
  in order per chat.
- One process is killed with SIGKILL in the middle of a batch, and a new one takes
  over its rows when their (short) lease lapses. The kill lands while the fake holds
  the killed process's calls before taking them, so a dropped connection means "not
  delivered", as a real platform would not have received the message. The window the
  sender cannot close (the platform accepted a call whose outcome the dead process
  never recorded; see ``bot.outbox.sender``) is kept out of the test by killing only
  once every message the fake accepted is recorded as sent.

Both run on PostgreSQL (skipped with the reason when no server answers) and on an
SQLite file: the claim is one ``UPDATE`` that opens its transaction, so SQLite's file
lock, shared by every process, makes it atomic across processes as well (a writer
waits for the other's turn in ``plan_store.sqlite_driver``).

A process takes a few seconds to start (most of it imports). The kill test starts two
one after the other and waits for a lease to lapse, so it runs with ``./dev
test-slow``; the two-process test starts both at once and stays in the default run.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.outbox.sender import OutboxSender
from plan_store.enums import OutboxStatus
from plan_store.models import Base, OutboxMessage
from plan_store.unit_of_work import UnitOfWorkFactory
from rumbo.container import Container, build_container
from rumbo.settings import Settings
from tests.bot.outbox_support import outbox_rows, queue_screen, texts_to
from tests.fakes import FakeTelegram

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_SENDER_DEFAULTS = inspect.signature(OutboxSender.__init__).parameters
CONCURRENCY: int = _SENDER_DEFAULTS["concurrency"].default
"""Calls one sender process has in flight at most: more held at once means more
than one process is delivering."""
MAX_IN_FLIGHT: int = _SENDER_DEFAULTS["max_in_flight"].default
"""Rows one sender process claims at most; chats beyond these are left to the other."""

START_TIMEOUT = 60.0
DELIVERY_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Container]:
    """The test's view of the shared database, on the real clock the processes use."""
    container = build_container(settings)
    async with container.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield container
    await container.aclose()


# --------------------------------------------------------------------------- processes


class SenderProcess:
    """One ``rumbo serve --only scheduler`` child, its output collected as it comes."""

    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        self.name = name
        self.process = process
        self._output = bytearray()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            self._output += chunk

    @property
    def log(self) -> str:
        return self._output.decode(errors="replace")

    @property
    def exited(self) -> bool:
        return self.process.returncode is not None

    def report(self) -> str:
        state = "running" if not self.exited else f"exit status {self.process.returncode}"
        return f"----- {self.name} (pid {self.process.pid}, {state}) -----\n{self.log}"

    async def kill(self) -> int:
        """SIGKILL: no clean-up of any kind, as when the machine loses the process."""
        self.process.send_signal(signal.SIGKILL)
        return await self._wait(STOP_TIMEOUT)

    async def stop(self) -> int:
        """SIGTERM, as a service manager stops it: calls in flight finish first."""
        if not self.exited:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await self._wait(STOP_TIMEOUT)
        except TimeoutError:
            self.process.send_signal(signal.SIGKILL)
            await self._wait(STOP_TIMEOUT)
            raise AssertionError(f"{self.name} ignored SIGTERM\n{self.report()}") from None

    async def _wait(self, seconds: float) -> int:
        async with asyncio.timeout(seconds):
            code = await self.process.wait()
            await self._reader
        return code


class Launcher:
    """Starts sender processes on the test's database and fake; stops them all."""

    def __init__(self, settings: Settings, tg: FakeTelegram, workdir: Path) -> None:
        self.settings = settings
        self.tg = tg
        self.workdir = workdir
        self.started: list[SenderProcess] = []

    def environment(
        self, *, lease_seconds: float | None, poll_seconds: float | None = None
    ) -> dict[str, str]:
        # Nothing of the developer's own configuration: only what is set here.
        env = {key: value for key, value in os.environ.items() if not key.startswith("RUMBO_")}
        assert self.settings.data_key is not None
        env.update(
            PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
            RUMBO_DATABASE_URL=self.settings.database.url,
            RUMBO_DATA_KEY=self.settings.data_key.get_secret_value(),
            RUMBO_SECRET_KEY="s" * 40,
            RUMBO_TELEGRAM_TOKEN=self.tg.token,
            RUMBO_TELEGRAM_API_URL=self.tg.api_url,
            # Both on one port: a worker without web routes serves no web app at all.
            RUMBO_PORT="8000",
            # The limits lifted: a per-second pace would only slow the test down.
            RUMBO_OUTBOX_TELEGRAM_PER_SECOND="0",
            RUMBO_OUTBOX_TELEGRAM_CHAT_INTERVAL="0",
        )
        if lease_seconds is not None:
            env["RUMBO_OUTBOX_LEASE_SECONDS"] = str(lease_seconds)
        if poll_seconds is not None:
            env["RUMBO_OUTBOX_POLL_SECONDS"] = str(poll_seconds)
        return env

    async def start(
        self,
        name: str,
        *,
        lease_seconds: float | None = None,
        poll_seconds: float | None = None,
        only: str = "scheduler",
    ) -> SenderProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "rumbo.cli",
            "serve",
            "--only",
            only,
            cwd=self.workdir,  # no .env of the developer's tree
            env=self.environment(lease_seconds=lease_seconds, poll_seconds=poll_seconds),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        sender = SenderProcess(name, process)
        self.started.append(sender)
        return sender

    def report(self) -> str:
        return "\n".join(sender.report() for sender in self.started)

    async def eventually(
        self,
        check: Callable[[], bool | Awaitable[bool]],
        *,
        what: str,
        timeout: float = DELIVERY_TIMEOUT,  # noqa: ASYNC109 (a deadline for the polling)
        running: Sequence[SenderProcess] = (),
    ) -> None:
        """Polls ``check`` until it holds; fails with every process's output after
        ``timeout`` or as soon as one of ``running`` exits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if await result if inspect.isawaitable(result) else result:
                return
            for sender in running:
                if sender.exited:
                    raise AssertionError(
                        f"{sender.name} exited while waiting for {what}\n{self.report()}"
                    )
            if loop.time() > deadline:
                raise AssertionError(f"{what}: not reached in {timeout} s\n{self.report()}")
            await asyncio.sleep(0.05)

    async def aclose(self) -> None:
        self.tg.release()  # a failed test may have left calls held: let them finish
        for sender in self.started:
            if not sender.exited:
                try:
                    await sender.stop()
                except AssertionError as error:
                    print(error)
        # Shown by pytest only when the test failed.
        print(self.report())


@pytest.fixture
async def launcher(
    settings: Settings, tg: FakeTelegram, database: Container, tmp_path: Path
) -> AsyncIterator[Launcher]:
    started = Launcher(settings, tg, tmp_path)
    try:
        yield started
    finally:
        await started.aclose()


# --------------------------------------------------------------------------- helpers


async def fill(container: Container, chats: Sequence[str], per_chat: int) -> None:
    async with container.uow() as uow:
        for n in range(per_chat):
            for chat in chats:
                await queue_screen(uow, chat, f"{chat}:{n}")
        await uow.commit()


async def status_counts(uow_factory: UnitOfWorkFactory) -> Counter[OutboxStatus]:
    async with uow_factory() as uow:
        found = await uow.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return Counter({status: count for status, count in found.all()})


async def sending_ids(uow_factory: UnitOfWorkFactory) -> set[int]:
    async with uow_factory() as uow:
        found = await uow.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.SENDING)
        )
        return set(found)


async def chats_waiting(uow_factory: UnitOfWorkFactory) -> int:
    """How many chats still have a row to send."""
    async with uow_factory() as uow:
        found = await uow.session.scalar(
            select(func.count(OutboxMessage.external_chat_id.distinct())).where(
                OutboxMessage.status != OutboxStatus.SENT
            )
        )
        return int(found or 0)


def all_sent(container: Container, total: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (await status_counts(container.uow))[OutboxStatus.SENT] == total

    return check


def assert_each_once_in_order(tg: FakeTelegram, chats: Sequence[str], per_chat: int) -> None:
    for chat in chats:
        assert texts_to(tg, chat) == [f"{chat}:{n}" for n in range(per_chat)], chat
    # Nothing else went out: the scheduler had nothing to say on a database without cases.
    assert len(tg.sent) == len(chats) * per_chat
    assert {record.method for record in tg.sent} == {"sendMessage"}


async def assert_stops_cleanly(sender: SenderProcess) -> None:
    assert await sender.stop() == 0, sender.report()
    assert "rumbo: stopped" in sender.log, sender.report()


def assert_no_duplicate_warnings(senders: Sequence[SenderProcess]) -> None:
    for sender in senders:
        assert "may get it twice" not in sender.log, sender.report()
        assert "Traceback" not in sender.log, sender.report()


# --------------------------------------------------------------------------- tests


async def test_two_real_sender_processes_deliver_each_message_once_and_in_order(
    database: Container, tg: FakeTelegram, launcher: Launcher
) -> None:
    # More chats than one process claims at a time, so the other one finds work.
    chats = [str(5000 + n) for n in range(MAX_IN_FLIGHT + 2 * CONCURRENCY)]
    per_chat = 3
    total = len(chats) * per_chat
    await fill(database, chats, per_chat)
    tg.hold("sendMessage")

    senders = [await launcher.start(f"sender {n}") for n in (1, 2)]
    await launcher.eventually(
        lambda: len(tg.held) >= 2 * CONCURRENCY,
        what=f"both processes holding {CONCURRENCY} calls each",
        timeout=START_TIMEOUT,
        running=senders,
    )
    assert len(tg.held) == 2 * CONCURRENCY
    assert tg.sent == []
    tg.release()

    await launcher.eventually(all_sent(database, total), what=f"{total} rows sent", running=senders)
    # A clean stop lets any call still in flight finish: whatever either process
    # sent is at the fake once both have exited.
    await asyncio.gather(*(assert_stops_cleanly(sender) for sender in senders))

    assert_each_once_in_order(tg, chats, per_chat)
    assert {row.status for row in await outbox_rows(database.uow)} == {OutboxStatus.SENT}
    assert_no_duplicate_warnings(senders)


@pytest.mark.slow
async def test_a_sender_process_killed_mid_batch_loses_and_repeats_nothing(
    database: Container, tg: FakeTelegram, launcher: Launcher
) -> None:
    lease = 3.0  # the killed process's rows go back to the queue this soon
    chats = [str(6000 + n) for n in range(2 * CONCURRENCY)]
    per_chat = 4
    total = len(chats) * per_chat
    accepted_before_kill = len(chats)  # the platform takes these before it holds calls
    await fill(database, chats, per_chat)
    tg.hold("sendMessage", after=accepted_before_kill)

    killed = await launcher.start("killed sender", lease_seconds=lease)

    async def mid_batch() -> bool:
        # The process has a full set of calls waiting at the platform's door; every
        # message the platform accepted is recorded, so none is in the window between
        # acceptance and record, which no sender can close; and it holds a claim on
        # every chat, so it can claim nothing more before it dies.
        if len(tg.held) < CONCURRENCY or len(tg.sent) < accepted_before_kill:
            return False
        counts = await status_counts(database.uow)
        claims_every_chat = counts[OutboxStatus.SENDING] == await chats_waiting(database.uow)
        return counts[OutboxStatus.SENT] == accepted_before_kill and claims_every_chat

    await launcher.eventually(
        mid_batch, what="the first process mid-batch", timeout=START_TIMEOUT, running=[killed]
    )
    claimed_by_killed = await sending_ids(database.uow)
    held_at_kill = len(tg.held)
    assert held_at_kill == CONCURRENCY
    assert len(claimed_by_killed) >= held_at_kill  # the calls held, and rows waiting their turn

    assert await killed.kill() == -signal.SIGKILL
    # The connections die with the process: the platform never takes those calls.
    await launcher.eventually(lambda: not tg.held, what="the held calls dropped")
    assert len(tg.dropped("sendMessage")) == held_at_kill
    assert len(tg.sent) == accepted_before_kill
    tg.release()

    restarted = await launcher.start("restarted sender", lease_seconds=lease)

    await launcher.eventually(
        all_sent(database, total), what=f"{total} rows sent", running=[restarted]
    )
    await assert_stops_cleanly(restarted)

    assert_each_once_in_order(tg, chats, per_chat)
    rows = await outbox_rows(database.uow)
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    # The rows the killed process held were claimed again once their lease lapsed.
    assert all(row.attempts >= 2 for row in rows if row.id in claimed_by_killed)
    assert_no_duplicate_warnings([restarted])


# A poll far longer than any wait below: a message that arrives in time was woken.
LONG_POLL = 600.0
WOKEN_WITHIN = 30.0


async def test_serve_only_telegram_alone_answers_the_adolescent(
    database: Container, tg: FakeTelegram, launcher: Launcher
) -> None:
    """No scheduler process runs: the process that takes the updates sends the replies,
    and a reply leaves when its transaction commits, not at the sender's next poll."""
    bot = await launcher.start("telegram", only="telegram", poll_seconds=LONG_POLL)
    tg.user_sends_text(7001, "hola")
    await launcher.eventually(
        lambda: len(texts_to(tg, 7001)) >= 1,
        what="the first answer",
        timeout=START_TIMEOUT,
        running=[bot],
    )
    answered = len(tg.sent)
    await asyncio.sleep(1.0)  # the sender is idle now, waiting for its (long) poll
    tg.user_sends_text(7002, "hola")
    await launcher.eventually(
        lambda: len(texts_to(tg, 7002)) >= 1,
        what="an answer woken by its commit",
        timeout=WOKEN_WITHIN,
        running=[bot],
    )
    await assert_stops_cleanly(bot)

    assert texts_to(tg, 7002) == texts_to(tg, 7001)  # the same welcome, to each chat
    assert len(tg.sent) == 2 * answered
    assert_no_duplicate_warnings([bot])


async def test_a_sender_process_is_woken_by_a_commit_in_another_process(
    db_backend: str, database: Container, tg: FakeTelegram, launcher: Launcher
) -> None:
    """PostgreSQL tells every listening process when outbox rows are committed."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no notifications: other processes find rows by polling")
    sender = await launcher.start("sender", poll_seconds=LONG_POLL)
    await fill(database, ["7101"], 1)
    await launcher.eventually(
        all_sent(database, 1), what="the row queued before the start", running=[sender]
    )
    await asyncio.sleep(1.0)  # idle, listening
    async with database.uow() as uow:
        await queue_screen(uow, "7102", "7102:0")
        await uow.commit()
    await launcher.eventually(
        all_sent(database, 2),
        what="the row committed here, sent there",
        timeout=WOKEN_WITHIN,
        running=[sender],
    )
    await assert_stops_cleanly(sender)

    assert texts_to(tg, "7102") == ["7102:0"]
    assert_no_duplicate_warnings([sender])


async def test_a_process_taking_updates_leaves_the_sending_to_a_process_that_only_sends(
    db_backend: str, database: Container, tg: FakeTelegram, launcher: Launcher
) -> None:
    """While a process that only sends runs, the process that takes the updates stands
    by (a burst's replies are the other's to send, a lone update's go from here at
    once: ``test_a_sender_standing_by_still_sends_at_once_what_its_process
    _committed_alone``) and answers come; once that process stops, the process taking
    updates answers by itself again. On both databases."""
    sender = await launcher.start("sender", poll_seconds=LONG_POLL)
    bot = await launcher.start("telegram", only="telegram", poll_seconds=LONG_POLL)
    await launcher.eventually(
        lambda: "standing by" in bot.log,
        what="the telegram process standing by",
        timeout=START_TIMEOUT,
        running=[bot, sender],
    )
    tg.user_sends_text(7201, "hola")
    await launcher.eventually(
        lambda: len(texts_to(tg, 7201)) >= 1,
        what="an answer while the telegram process stands by",
        timeout=WOKEN_WITHIN,
        running=[bot, sender],
    )
    await assert_stops_cleanly(sender)
    await launcher.eventually(
        lambda: "sending here" in bot.log,
        what="the telegram process sending again",
        timeout=WOKEN_WITHIN,
        running=[bot],
    )
    tg.user_sends_text(7202, "hola")
    await launcher.eventually(
        lambda: len(texts_to(tg, 7202)) >= 1,
        what="an answer sent by the telegram process itself",
        timeout=WOKEN_WITHIN,
        running=[bot],
    )
    await assert_stops_cleanly(bot)

    assert texts_to(tg, 7202) == texts_to(tg, 7201)
    assert_no_duplicate_warnings([bot, sender])
