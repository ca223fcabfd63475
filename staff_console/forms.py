"""Reading submitted forms: every value is checked, and a bad one is a ``FormError``
whose code becomes a notice for the person who sent it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request

E = TypeVar("E", bound=StrEnum)


class FormError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Form:
    def __init__(self, data: FormData) -> None:
        self.data = data

    def raw(self, name: str) -> str:
        value = self.data.get(name)
        return value if isinstance(value, str) else ""

    def text(self, name: str, *, max_length: int, required: bool = True) -> str:
        value = self.raw(name).strip()
        if required and not value:
            raise FormError("form.missing")
        if len(value) > max_length:
            raise FormError("form.too_long")
        return value

    def integer(self, name: str) -> int:
        value = self.raw(name).strip()
        if not value.isdigit() or len(value) > 12:
            raise FormError("form.number")
        return int(value)

    def choice(self, name: str, enum: type[E]) -> E:
        try:
            return enum(self.raw(name))
        except ValueError:
            raise FormError("form.choice") from None

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.raw(name).strip()
        if not value:
            if required:
                raise FormError("form.missing")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise FormError("form.date") from None

    def required_day(self, name: str) -> date:
        value = self.day(name)
        assert value is not None
        return value

    def local_datetime(self, name: str, tz: str) -> datetime:
        """A ``datetime-local`` value in the home's time zone, as an aware UTC datetime."""
        value = self.raw(name).strip()
        if not value:
            raise FormError("form.missing")
        try:
            naive = datetime.fromisoformat(value)
        except ValueError:
            raise FormError("form.datetime") from None
        if naive.tzinfo is not None:
            raise FormError("form.datetime")
        return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)

    def checked(self, name: str) -> bool:
        return self.raw(name) in ("1", "on", "yes", "true")

    def clock(self, name: str) -> time:
        """A ``time`` input's value ("21:00"), to the minute."""
        value = self.raw(name).strip()
        if not value:
            raise FormError("form.missing")
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            raise FormError("form.time") from None
        if parsed.tzinfo is not None:
            raise FormError("form.time")
        return parsed.replace(second=0, microsecond=0)

    def secret(self, name: str, *, max_length: int = 1024) -> str:
        """A password as typed: never stripped (spaces count), never echoed back."""
        value = self.raw(name)
        if not value:
            raise FormError("form.missing")
        if len(value) > max_length:
            raise FormError("form.too_long")
        return value


async def read_form(request: Request) -> Form:
    return Form(await request.form())
