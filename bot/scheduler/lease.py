"""One scheduler per installation: the lease row is the plan store's
(``plan_store.services.leases``); this process names itself to hold it."""

from __future__ import annotations

import os
import socket
import uuid

from plan_store.services.leases import SCHEDULER, acquire, release


def holder_name() -> str:
    """This process, recognisably: host, pid and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


__all__ = ["SCHEDULER", "acquire", "holder_name", "release"]
