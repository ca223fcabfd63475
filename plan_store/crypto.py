"""Encryption at rest: message bodies, and every column typed ``Encrypted*`` below.

``RUMBO_DATA_KEY`` holds one or more Fernet keys separated by commas: the first
encrypts, all of them decrypt, so a key can rotate without downtime (prepend the new
key, run ``rumbo keys rotate``, then drop the old one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from sqlalchemy import BindParameter, ColumnElement, Dialect, String, Text, TypeDecorator, bindparam
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeEngine

__all__ = [
    "ChatAddress",
    "Cipher",
    "EncryptedDate",
    "EncryptedDateTime",
    "EncryptedText",
    "InvalidToken",
    "bound_cipher",
    "generate_key",
    "stored_type",
]

_T = TypeVar("_T")
COLUMN_CACHE_SIZE = 100_000
"""Decrypted column values kept in memory per key ring (oldest dropped first)."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class Cipher:
    def __init__(self, keys: str | list[str]) -> None:
        key_list = [k.strip() for k in keys.split(",")] if isinstance(keys, str) else keys
        key_list = [k for k in key_list if k]
        if not key_list:
            raise ValueError("at least one data key is needed")
        self._keys = [Fernet(k.encode("ascii")) for k in key_list]
        self._fernet = MultiFernet(self._keys)
        self._column_cache: dict[str, str] = {}
        self._lookup_keys = [
            hmac.new(base64.urlsafe_b64decode(k), b"rumbo:lookup-hash", hashlib.sha256).digest()
            for k in key_list
        ]
        self._address_keys = [AESSIV(_address_key(k)) for k in key_list]

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, ciphertext: bytes) -> str:
        return self._fernet.decrypt(ciphertext).decode("utf-8")

    def decrypt_column(self, token: str) -> str:
        """A column value, remembered: lists and dashboards that sort or filter an
        encrypted column in the application read the same rows again and again.
        Keyed by the ciphertext, so a changed or re-encrypted value is a new entry."""
        cached = self._column_cache.get(token)
        if cached is None:
            cached = self.decrypt(token.encode("ascii"))
            if len(self._column_cache) >= COLUMN_CACHE_SIZE:
                self._column_cache.pop(next(iter(self._column_cache)))
            self._column_cache[token] = cached
        return cached

    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, ciphertext: bytes) -> bytes:
        return self._fernet.decrypt(ciphertext)

    def lookup_hash(self, value: str) -> str:
        """A keyed hash of a secret (a linking code) under the current key, so the
        secret can be found again without being stored. Unlike a plain hash, a copy
        of the database alone is not enough to guess short codes by brute force."""
        return self.lookup_hashes(value)[0]

    def lookup_hashes(self, value: str) -> list[str]:
        """The keyed hash under every key, the current one first: values hashed
        before a key rotation are still found."""
        message = value.encode("utf-8")
        return [hmac.new(key, message, hashlib.sha256).hexdigest() for key in self._lookup_keys]

    def encrypt_addresses(self, value: str) -> list[str]:
        """A chat address (a phone number, a chat id) encrypted under every key, the
        current one first. Deterministic (AES-SIV): the same address gives the same
        text under one key, so a column of them is looked up, joined and kept unique
        in SQL. The first 16 bytes are a keyed hash of the address (the synthetic IV),
        the rest the address encrypted with it: a copy of the database shows neither
        the address nor, without the key, a way to guess it."""
        message = value.encode("utf-8")
        return [
            ADDRESS_PREFIX + base64.urlsafe_b64encode(key.encrypt(message, None)).decode("ascii")
            for key in self._address_keys
        ]

    def decrypt_address(self, stored: str) -> str:
        if not stored.startswith(ADDRESS_PREFIX):
            raise InvalidToken
        sealed = base64.urlsafe_b64decode(stored[len(ADDRESS_PREFIX) :])
        for key in self._address_keys:
            with suppress(InvalidTag):
                return key.decrypt(sealed, None).decode("utf-8")
        raise InvalidToken

    def key_index(self, ciphertext: bytes) -> int | None:
        """Which key of the list opens ``ciphertext`` (0 is the first), or None."""
        for index, key in enumerate(self._keys):
            try:
                key.decrypt(ciphertext)
            except InvalidToken:
                continue
            return index
        return None

    def rotate(self, ciphertext: bytes) -> bytes:
        """Re-encrypt under the first key."""
        return self._fernet.rotate(ciphertext)


ADDRESS_PREFIX = "a1."
"""Marks a stored chat address (and its format, should it ever change)."""


def _address_key(fernet_key: str) -> bytes:
    """A 64-byte AES-SIV key of its own, derived from one Fernet key."""
    raw = base64.urlsafe_b64decode(fernet_key)
    return b"".join(
        hmac.new(raw, f"rumbo:chat-address:{part}".encode(), hashlib.sha256).digest()
        for part in (1, 2)
    )


# ------------------------------------------------------------------ encrypted columns
#
# Columns typed ``EncryptedText``, ``EncryptedDate`` or ``EncryptedDateTime`` hold a
# Fernet token; code reads and writes plain values (``adolescent.alias``). The key
# ring is the one of the unit of work in use: ``UnitOfWork`` binds its cipher for the
# duration of its ``async with`` block (a context variable, so concurrent requests
# each see their own). A value cannot be compared or sorted in SQL: filter and sort
# such columns in the application.

_bound: ContextVar[Cipher | None] = ContextVar("rumbo_cipher", default=None)


@contextmanager
def bound_cipher(cipher: Cipher) -> Iterator[Cipher]:
    """Encrypt and decrypt column values with ``cipher`` inside the block."""
    token = _bound.set(cipher)
    try:
        yield cipher
    finally:
        _bound.reset(token)


def bind_cipher(cipher: Cipher) -> Token[Cipher | None]:
    return _bound.set(cipher)


def unbind_cipher(token: Token[Cipher | None]) -> None:
    with suppress(ValueError):  # left in another context (a task of its own)
        _bound.reset(token)


def current_cipher() -> Cipher:
    cipher = _bound.get()
    if cipher is None:
        raise RuntimeError("no data key bound: use a unit of work (or bound_cipher)")
    return cipher


class _Encrypted(TypeDecorator[_T]):
    impl = Text()
    cache_ok = True

    def encode(self, value: _T) -> str:
        raise NotImplementedError

    def decode(self, text: str) -> _T:
        raise NotImplementedError

    def process_bind_param(self, value: _T | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return current_cipher().encrypt(self.encode(value)).decode("ascii")

    def process_result_value(self, value: Any, dialect: Dialect) -> _T | None:
        if value is None:
            return None
        return self.decode(current_cipher().decrypt_column(str(value)))


class EncryptedText(_Encrypted[str]):
    """A string kept encrypted at rest."""

    cache_ok = True

    def encode(self, value: str) -> str:
        return value

    def decode(self, text: str) -> str:
        return text


class EncryptedDate(_Encrypted[date]):
    """A date kept encrypted at rest (a birth date)."""

    cache_ok = True

    def encode(self, value: date) -> str:
        return value.isoformat()

    def decode(self, text: str) -> date:
        return date.fromisoformat(text)


class EncryptedDateTime(_Encrypted[datetime]):
    """An aware UTC datetime kept encrypted at rest (when an appointment starts)."""

    cache_ok = True

    def encode(self, value: datetime) -> str:
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times as aware UTC datetimes")
        return value.astimezone(UTC).isoformat()

    def decode(self, text: str) -> datetime:
        return datetime.fromisoformat(text).astimezone(UTC)


class ChatAddress(TypeDecorator[str]):
    """A chat's address on its platform (a WhatsApp phone number, a Telegram chat id,
    a web chat id), kept encrypted but deterministic (``Cipher.encrypt_addresses``), so
    SQL still finds a chat by it, joins on it and keeps it unique.

    A comparison with plain values matches the address under every key of the ring,
    so chats are found before ``rumbo keys rotate`` has rewritten them under a new key.
    """

    impl = String(200)
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator[str]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            if op in (operators.eq, operators.in_op) and other:
                values = [other[0]] if op is operators.eq else other[0]
                if isinstance(values, list | tuple | set) and all(
                    isinstance(v, str) for v in values
                ):
                    return super().operate(operators.in_op, _every_key(values), **kwargs)
            return super().operate(op, *other, **kwargs)

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return current_cipher().encrypt_addresses(value)[0]

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return current_cipher().decrypt_address(str(value))


def _every_key(values: Any) -> list[BindParameter[str]]:
    """Already encrypted values, bound as plain strings (not encrypted again)."""
    cipher = current_cipher()
    return [
        bindparam(None, stored, type_=String(), unique=True)
        for value in values
        for stored in cipher.encrypt_addresses(value)
    ]


def stored_type(kind: TypeEngine[Any]) -> TypeEngine[Any]:
    """What an encrypted column holds in the database (its ciphertext's type), for
    code that copies rows as they are stored (backups, ``rumbo db copy``); any other
    type as it is."""
    if isinstance(kind, _Encrypted | ChatAddress):
        return kind.impl_instance
    return kind
