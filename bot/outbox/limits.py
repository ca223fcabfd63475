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

WINDOW_MARGIN = 0.02
"""Seconds added to the one-second window, for the jitter between a call's start and
its arrival at the platform."""

# Pace a little under the platform's limit, so that network jitter between two calls
# never makes a one-second window hold one call too many.
DEFAULT_HEADROOM = 0.97


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
    """Spaces one channel's calls: evenly for the whole bot, and per chat.

    The calls start on an even grid (a start a little late keeps it; a late one moves
    it), and besides, never more than the limit's calls start within any one second
    plus ``WINDOW_MARGIN`` (the grid alone allows one too many when starts bunch up
    after a stall of the event loop). A caller first waits for its chat without
    holding anything, then takes the next bot-wide slot in turn. The per-chat interval
    is counted again from the end of each call (``done``), since the platform
    received it some time before.
    """

    def __init__(
        self,
        limits: ChannelLimits,
        headroom: float = DEFAULT_HEADROOM,
        time: Callable[[], float] | None = None,
    ) -> None:
        self._spacing = 1.0 / (limits.per_second * headroom) if limits.per_second else 0.0
        self._chat_interval = limits.chat_interval / headroom if limits.chat_interval else 0.0
        self._time = time or asyncio.get_running_loop().time
        self._next_slot = 0.0
        self._chat_free: dict[str, float] = {}
        self._turn = asyncio.Lock()
        # The starts of the last ``per_second`` calls (whole calls per second).
        self._starts: deque[float] = deque(
            maxlen=max(1, math.floor(limits.per_second)) if limits.per_second else 1
        )

    @property
    def limited(self) -> bool:
        return bool(self._spacing or self._chat_interval)

    def chat_ready_in(self, chat_id: str) -> float:
        """Seconds until this chat may get its next call."""
        return max(0.0, self._chat_free.get(chat_id, 0.0) - self._time())

    async def take_slot(self, chat_id: str, halt: asyncio.Event) -> bool:
        """Wait for this chat's next slot; False (at once) if ``halt`` is set meanwhile."""
        if not self.limited:
            return not halt.is_set()
        async with self._turn:
            while True:
                now = self._time()
                ready = max(self._next_slot, self._chat_free.get(chat_id, 0.0))
                if self._spacing and len(self._starts) == self._starts.maxlen:
                    ready = max(ready, self._starts[0] + 1.0 + WINDOW_MARGIN)
                wait = ready - now
                if wait <= 0:
                    break
                if await halted_within(halt, wait):
                    return False
            # A start a little late (the event loop's timer, a busy moment) keeps the
            # grid, so the lateness of each call does not add up into a lower rate;
            # every start is still within half a spacing of its grid point, so no
            # one-second window holds more calls than the limit. A start later than
            # that moves the grid rather than squeezing calls in (Telegram's flood
            # control counts arrivals, and escalates its waits for bots that keep
            # hitting it).
            slot = self._next_slot
            late = now - slot
            self._next_slot = (slot if late < self._spacing / 2 else now) + self._spacing
            if self._spacing:
                self._starts.append(now)
            if self._chat_interval:
                self._chat_free[chat_id] = now + self._chat_interval
                if len(self._chat_free) > 4096:
                    self._forget_before(now)
            return not halt.is_set()

    def done(self, chat_id: str) -> None:
        """The call to this chat has returned: count its interval from now."""
        if self._chat_interval:
            free = self._time() + self._chat_interval
            self._chat_free[chat_id] = max(self._chat_free.get(chat_id, 0.0), free)

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
