"""Domain events: facts a service records in the unit of work, handled after commit.

A service that raises an alert records ``AlertRaised`` in the same unit of work; the
handlers (subscribed by the composition root, such as "wake the alert dispatcher")
run only once the transaction has committed, and never for one rolled back. The
durable record is the row itself: a handler only makes things happen sooner, so an
event lost in a crash loses nothing (the dispatcher finds the row on its next round).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AlertRaised:
    alert_id: int
    home_id: int


@dataclass(frozen=True, slots=True)
class AlertEscalated:
    alert_id: int
    step: int


@dataclass(frozen=True, slots=True)
class AlertAcknowledged:
    alert_id: int
    staff_id: int


Event = AlertRaised | AlertEscalated | AlertAcknowledged
Handler = Callable[[Event], None]


class MessageBus:
    """Handlers by event type; ``publish`` calls them, one failure never stops the rest."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)

    def subscribe(self, kind: type[Event], handler: Handler) -> None:
        self._handlers[kind].append(handler)

    def publish(self, event: Event) -> None:
        for handler in list(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:
                log.exception("a handler of %s failed", type(event).__name__)
