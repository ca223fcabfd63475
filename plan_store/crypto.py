"""Encryption of message bodies at rest.

``RUMBO_DATA_KEY`` holds one or more Fernet keys separated by commas: the first
encrypts, all of them decrypt, so a key can rotate without downtime (prepend the new
key, run ``rumbo keys rotate``, then drop the old one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["Cipher", "InvalidToken", "generate_key"]


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
        self._lookup_keys = [
            hmac.new(base64.urlsafe_b64decode(k), b"rumbo:lookup-hash", hashlib.sha256).digest()
            for k in key_list
        ]

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, ciphertext: bytes) -> str:
        return self._fernet.decrypt(ciphertext).decode("utf-8")

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
