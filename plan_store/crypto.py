"""Encryption of message bodies at rest.

``RUMBO_DATA_KEY`` holds one or more Fernet keys separated by commas: the first
encrypts, all of them decrypt, so a key can rotate without downtime (prepend the new
key, run ``rumbo keys rotate``, then drop the old one).
"""

from __future__ import annotations

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
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in key_list])

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, ciphertext: bytes) -> str:
        return self._fernet.decrypt(ciphertext).decode("utf-8")

    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, ciphertext: bytes) -> bytes:
        return self._fernet.decrypt(ciphertext)

    def rotate(self, ciphertext: bytes) -> bytes:
        """Re-encrypt under the first key."""
        return self._fernet.rotate(ciphertext)
