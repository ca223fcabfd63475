"""The SQL statements a piece of code sends, as the database receives them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, NamedTuple

from sqlalchemy import event

from rumbo.container import Container


class Sent(NamedTuple):
    statement: str
    parameters: Any
    many: bool
    """Sent with ``executemany`` (``parameters`` holds every row's)."""


@contextlib.contextmanager
def statements(container: Container) -> Iterator[list[Sent]]:
    """The SQL statements sent to the database while inside, in order."""
    sent: list[Sent] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        sent.append(Sent(statement, parameters, bool(rest[-1])))

    engine = container.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
