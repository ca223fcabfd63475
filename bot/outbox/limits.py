"""Outbound rate limits: the platform's, kept by pacing every call in this process.

Telegram allows about 30 messages per second per bot and 1 per second per chat;
python-telegram-bot's ``AIORateLimiter`` does not pace private chats, so the outbox
does both. WhatsApp's Cloud API has its own (a throughput per phone number and a
"pair rate" per user); both are settings.

Pacing is per sender process. Several sender processes sharing one bot should each
get a share of the per-second limit (``RUMBO_OUTBOX_*_PER_SECOND``); the platform's
429 answer (``RetryLater.after``) stays the backstop and is always honoured.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from plan_store.enums import Channel

WINDOW = 1.0
"""Seconds of the platform's rate window: at most ``per_second`` calls arrive within it."""

# The bot-wide grid's pace, a little under the platform's limit. The limit itself is
# kept by the window (see ``Pacer``), whatever the grid does; the grid only spaces the
# calls evenly, and a grid at the limit would leave the window to do all the pacing.
DEFAULT_HEADROOM = 0.99


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """``per_second`` calls for the whole bot; at least ``chat_interval`` seconds
    between two calls to one chat. ``None``/0 lifts a limit."""

    per_second: float | None
    chat_interval: float = 0.0


UNLIMITED = ChannelLimits(per_second=None, chat_interval=0.0)


def _default_by_channel() -> Mapping[Channel, ChannelLimits]:
    return OutboxConfig().rate_limits().by_channel


@dataclass(frozen=True, slots=True)
class RateLimits:
    by_channel: Mapping[Channel, ChannelLimits] = field(default_factory=_default_by_channel)
    headroom: float = DEFAULT_HEADROOM

    def for_channel(self, channel: Channel) -> ChannelLimits:
        return self.by_channel.get(channel, UNLIMITED)

    @classmethod
    def unlimited(cls) -> RateLimits:
        return cls(by_channel=MappingProxyType({}), headroom=1.0)

    def replace(self, channel: Channel, limits: ChannelLimits) -> RateLimits:
        return RateLimits({**self.by_channel, channel: limits}, self.headroom)


@dataclass(frozen=True)
class OutboxConfig:
    """The sender's limits and timings (``RUMBO_OUTBOX_*``; these are the defaults)."""

    telegram_per_second: float = 30.0
    telegram_chat_interval: float = 1.0
    # Cloud API: 80 messages/s per business number; the pair rate allows short
    # bursts to one user, so a reply of a few screens is paced at 1/s.
    whatsapp_per_second: float = 80.0
    whatsapp_chat_interval: float = 1.0
    lease_seconds: float = 120.0
    max_attempts: int = 10
    poll_seconds: float = 0.5
    """How often a sender looks for due rows when nothing wakes it (rows queued by
    another process on SQLite, retries coming due, a missed notification)."""

    def rate_limits(self) -> RateLimits:
        return RateLimits(
            MappingProxyType(
                {
                    Channel.TELEGRAM: ChannelLimits(
                        self.telegram_per_second or None, self.telegram_chat_interval
                    ),
                    Channel.WHATSAPP: ChannelLimits(
                        self.whatsapp_per_second or None, self.whatsapp_chat_interval
                    ),
                    Channel.WEBCHAT: UNLIMITED,
                }
            )
        )


class Pacer:
    """Spaces one channel's calls: within the platform's window, evenly for the whole
    bot, and per chat.

    The platform counts the calls as they arrive, which the sender never sees: a call
    arrives some time after it starts and before its answer comes back. So the window
    is kept between starts and answers: a call starts only when fewer than
    ``per_second`` earlier calls are in flight or came back within the last second.
    Any ``per_second`` + 1 calls then span at least a second from the first answer to
    the last start, and so at the platform, however long the network, the platform or
    a late event loop held each of them. The price is the round trip: at most
    ``per_second`` calls in every second plus one round trip.

    Within the window, the calls start on an even grid. A caller that waited for its
    slot and started late (a stalled event loop, the window) keeps the grid, up to
    ``CATCH_UP`` seconds behind it, so the calls that follow catch up as fast as the
    window lets them and the lateness does not add up into a lower rate. A caller that
    came after its slot, when nobody was waiting, starts the grid again: an idle pacer
    sends no burst. A caller first waits for its chat without holding anything, then
    takes the next bot-wide slot in turn. The per-chat interval is counted from the
    answer of each call (``done``), for the same reason as the window, and so needs no
    headroom. Every slot taken must be given back with ``done``, whether the call was
    made or not.
    """

    CATCH_UP = 0.25

    def __init__(
        self,
        limits: ChannelLimits,
        headroom: float = DEFAULT_HEADROOM,
        time: Callable[[], float] | None = None,
    ) -> None:
        self._spacing = 1.0 / (limits.per_second * headroom) if limits.per_second else 0.0
        self._chat_interval = limits.chat_interval or 0.0
        self._time = time or asyncio.get_running_loop().time
        self._next_slot = 0.0
        self._chat_free: dict[str, float] = {}
        self._turn = asyncio.Lock()
        # Whole calls per window; the answers of the last that many calls, in order.
        self._per_window = max(1, math.floor(limits.per_second)) if limits.per_second else 0
        self._answers: deque[float] = deque(maxlen=max(1, self._per_window))
        self._in_flight = 0
        self._answered = asyncio.Event()

    @property
    def limited(self) -> bool:
        return bool(self._spacing or self._chat_interval)

    def chat_ready_in(self, chat_id: str) -> float:
        """Seconds until this chat may get its next call."""
        return max(0.0, self._chat_free.get(chat_id, 0.0) - self._time())

    async def take_slot(self, chat_id: str, halt: asyncio.Event) -> bool:
        """Wait for this chat's next slot; False (at once, no slot taken) if ``halt`` is
        set meanwhile. After True, call ``done`` when the call is over."""
        if not self.limited:
            return not halt.is_set()
        asked = self._time()
        async with self._turn:
            while True:
                now = self._time()
                ready = max(
                    self._next_slot, self._chat_free.get(chat_id, 0.0), self._window_opens()
                )
                if ready <= now:
                    break
                if await self._halted_within(halt, ready - now):
                    return False
            if halt.is_set():
                return False
            slot = self._next_slot
            if asked > slot:  # nobody waited for this slot: the grid starts again here
                slot = now
            self._next_slot = max(slot, now - self.CATCH_UP) + self._spacing
            if self._per_window:
                self._in_flight += 1
            if self._chat_interval:
                self._chat_free[chat_id] = now + self._chat_interval
                if len(self._chat_free) > 4096:
                    self._forget_before(now)
            return True

    def done(self, chat_id: str) -> None:
        """The call to this chat has returned (or was never made): it counts in the
        window, and the chat's interval, from now."""
        now = self._time()
        if self._per_window:
            self._in_flight -= 1
            self._answers.append(now)
            self._answered.set()
        if self._chat_interval:
            free = now + self._chat_interval
            self._chat_free[chat_id] = max(self._chat_free.get(chat_id, 0.0), free)

    def _window_opens(self) -> float:
        """When the window lets one more call start (infinity: wait for an answer).

        With ``n`` calls in flight, it is a second after the answer of the
        ``per_second - n``-th latest call. An answer that comes later never moves that
        moment: it only replaces one in flight with the latest answer."""
        if not self._per_window:
            return 0.0
        room = self._per_window - self._in_flight
        if room <= 0:
            return math.inf
        if len(self._answers) < room:
            return 0.0
        return self._answers[-room] + WINDOW

    async def _halted_within(self, halt: asyncio.Event, seconds: float) -> bool:
        if not math.isinf(seconds):
            return await halted_within(halt, seconds)
        self._answered.clear()
        waiters = [asyncio.ensure_future(event.wait()) for event in (halt, self._answered)]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return halt.is_set()

    def _forget_before(self, now: float) -> None:
        for chat, free in list(self._chat_free.items()):
            if free <= now:
                del self._chat_free[chat]


async def halted_within(halt: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``; True at once if ``halt`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await halt.wait()
    return halt.is_set()
