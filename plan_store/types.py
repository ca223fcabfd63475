"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite forgets the offset; this type refuses naive datetimes on the way in and
    gives back aware UTC datetimes on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times as aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class: type[enum.Enum], **kwargs: Any) -> Enum:
    """A VARCHAR with a CHECK constraint, named after the enum, holding its values."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=max(len(str(m.value)) for m in enum_class) + 8,
        values_callable=lambda members: [m.value for m in members],
        name=enum_class.__name__.lower(),
        validate_strings=True,
        **kwargs,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)
