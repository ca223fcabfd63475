"""The outbox pacer, on an event loop whose clock moves only when every task waits.

Nothing sleeps for real: a wait jumps the clock to the next timer, so a run of
hundreds of calls is quick and always the same. A "stall" moves the clock while a
task holds the loop, as a busy process would: every timer then fires late.

The platform counts a call when it arrives, somewhere between its start and its
answer; the checks here take the worst place for each.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import selectors
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from bot.outbox.limits import DEFAULT_HEADROOM, ChannelLimits, Pacer

TELEGRAM = ChannelLimits(per_second=30.0, chat_interval=1.0)


class _WaitCostsNothing(selectors.DefaultSelector):
    """When nothing is ready, the clock jumps to the loop's next timer."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1000.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events = super().select(0)
        if not events and timeout is None:
            raise AssertionError("every task waits for ever: nothing left to happen")
        if not events and timeout:
            self.now += timeout
        return events


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._clock = _WaitCostsNothing()
        super().__init__(self._clock)

    def time(self) -> float:
        return self._clock.now

    def stall(self, seconds: float) -> None:
        """Hold the loop for ``seconds``, as a busy process would."""
        self._clock.now += seconds


def run(main: Callable[[VirtualLoop], Awaitable[Any]]) -> Any:
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(main(loop))
    finally:
        loop.close()


@dataclass(frozen=True)
class Call:
    chat: str
    start: float
    end: float


async def call(
    pacer: Pacer, chat: str, round_trip: float, calls: list[Call], halt: asyncio.Event
) -> None:
    loop = asyncio.get_running_loop()
    if not await pacer.take_slot(chat, halt):
        return
    start = loop.time()
    try:
        await asyncio.sleep(round_trip)
    finally:
        pacer.done(chat)
    calls.append(Call(chat, start, loop.time()))


def most_within_a_second(calls: Sequence[Call]) -> int:
    """The most calls that can arrive at the platform less than a second apart, each
    anywhere between its start and its end: those that end less than a second before
    the latest of them starts (a rounding of the clock's last digit aside)."""
    return max(
        sum(1 for c in calls if c.start <= last.start and last.start - c.end < 1.0 - 1e-9)
        for last in calls
    )


def pace(calls: Sequence[Call]) -> float:
    """Calls per second, first start to last."""
    starts = sorted(c.start for c in calls)
    return (len(starts) - 1) / (starts[-1] - starts[0])


def many_calls(
    count: int,
    round_trip: Callable[[int], float],
    *,
    stalls: Callable[[VirtualLoop], Awaitable[None]] | None = None,
    limits: ChannelLimits = TELEGRAM,
) -> list[Call]:
    """``count`` calls to as many chats, all waiting for their slot at once."""

    async def main(loop: VirtualLoop) -> list[Call]:
        pacer = Pacer(limits)
        calls: list[Call] = []
        halt = asyncio.Event()
        jobs = [call(pacer, f"chat {n}", round_trip(n), calls, halt) for n in range(count)]
        staller = asyncio.create_task(stalls(loop)) if stalls else None
        await asyncio.gather(*jobs)
        if staller:
            staller.cancel()
        return calls

    calls: list[Call] = run(main)
    return calls


# ----------------------------------------------------------------- never over


@pytest.mark.parametrize("seed", range(5))
def test_no_second_at_the_platform_holds_more_than_thirty_calls_whatever_they_take(
    seed: int,
) -> None:
    draw = random.Random(seed)
    round_trips = [draw.choice([0.001, 0.01, 0.05, 0.3, 1.5]) for _ in range(600)]

    calls = many_calls(600, round_trips.__getitem__)

    assert len(calls) == 600
    assert most_within_a_second(calls) <= 30


@pytest.mark.parametrize("seed", range(5))
def test_a_stalling_event_loop_never_squeezes_thirty_one_calls_into_a_second(seed: int) -> None:
    draw = random.Random(seed)

    async def stalls(loop: VirtualLoop) -> None:
        while True:
            await asyncio.sleep(draw.uniform(0.0, 0.5))
            loop.stall(draw.choice([0.005, 0.02, 0.1, 0.4, 1.2]))

    calls = many_calls(600, lambda n: draw.uniform(0.002, 0.08), stalls=stalls)

    assert len(calls) == 600
    assert most_within_a_second(calls) <= 30


def test_thirty_calls_in_flight_hold_back_the_next_until_one_answers() -> None:
    # Whatever their answers, 31 calls in flight at once could all arrive together.
    calls = many_calls(31, lambda n: 5.0 if n < 30 else 0.01)

    first_answer = min(c.end for c in calls if c.chat != "chat 30")
    last = next(c for c in calls if c.chat == "chat 30")
    assert last.start >= first_answer + 1.0


# ----------------------------------------------------------------- close to the limit


@pytest.mark.parametrize("round_trip", [0.002, 0.02, 0.05])
def test_at_a_steady_round_trip_the_pace_is_within_five_percent_of_the_limit(
    round_trip: float,
) -> None:
    calls = many_calls(900, lambda n: round_trip)

    assert 0.95 * 30 <= pace(calls) <= 30


@pytest.mark.parametrize("seed", range(3))
def test_after_the_event_loop_stalls_the_calls_catch_up(seed: int) -> None:
    draw = random.Random(seed)

    async def stalls(loop: VirtualLoop) -> None:  # a tenth of the time, in all
        while True:
            await asyncio.sleep(draw.uniform(0.2, 1.5))
            loop.stall(draw.uniform(0.02, 0.2))

    calls = many_calls(900, lambda n: 0.01, stalls=stalls)

    assert 0.95 * 30 <= pace(calls) <= 30
    assert most_within_a_second(calls) <= 30


def test_the_calls_are_spread_over_the_second_not_sent_in_bursts() -> None:
    calls = many_calls(300, lambda n: 0.01)

    starts = sorted(c.start for c in calls)
    # Any ten consecutive starts take about a third of a second, as on an even grid.
    assert min(b - a for a, b in zip(starts, starts[10:], strict=False)) >= 0.3


def test_a_pacer_left_idle_sends_no_burst_when_the_calls_come_back() -> None:
    async def main(loop: VirtualLoop) -> list[Call]:
        pacer = Pacer(TELEGRAM)
        calls: list[Call] = []
        halt = asyncio.Event()
        await call(pacer, "first", 0.01, calls, halt)
        await asyncio.sleep(0.2)  # nothing to send for a while
        await asyncio.gather(*(call(pacer, f"chat {n}", 0.01, calls, halt) for n in range(10)))
        return calls

    calls: list[Call] = run(main)

    starts = sorted(c.start for c in calls[1:])
    spacing = 1 / (30 * DEFAULT_HEADROOM)
    assert min(b - a for a, b in itertools.pairwise(starts)) == pytest.approx(spacing)


# ----------------------------------------------------------------- per chat, and halting


def test_a_chat_gets_its_next_call_a_second_after_the_answer_to_the_last() -> None:
    async def main(loop: VirtualLoop) -> list[Call]:
        pacer = Pacer(TELEGRAM)
        calls: list[Call] = []
        halt = asyncio.Event()
        for _ in range(4):
            await asyncio.sleep(pacer.chat_ready_in("chat"))
            await call(pacer, "chat", 0.4, calls, halt)
        return calls

    calls: list[Call] = run(main)

    assert len(calls) == 4
    assert all(b.start - a.end >= 1.0 for a, b in itertools.pairwise(calls))


def test_a_halted_wait_takes_no_slot_and_the_next_call_goes_when_the_window_allows() -> None:
    async def main(loop: VirtualLoop) -> tuple[bool, list[Call]]:
        pacer = Pacer(ChannelLimits(per_second=1.0))
        calls: list[Call] = []
        halt = asyncio.Event()
        first = asyncio.create_task(call(pacer, "a", 2.0, calls, halt))
        await asyncio.sleep(0)
        halted_wait = asyncio.create_task(pacer.take_slot("b", halt))
        await asyncio.sleep(0.5)
        halt.set()
        halted = await halted_wait
        await first
        await call(pacer, "c", 0.1, calls, asyncio.Event())
        return halted, calls

    took, calls = run(main)

    assert took is False
    assert [c.chat for c in calls] == ["a", "c"]
    assert calls[1].start == pytest.approx(calls[0].end + 1.0)
