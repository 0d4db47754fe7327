"""Personal data at rest: ID numbers are encrypted (AES-256-GCM) and looked up through a keyed
blind index (HMAC-SHA256), so the database alone never yields a readable ID number."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Development keys only: production.ini reads real keys from the environment.
_DEV_KEY = "dm9sdW50ZWVyLWRldmVsb3BtZW50LWtleS0zMmJ5dGU="


def _decode_key(text: str) -> bytes:
    key = base64.b64decode(text)
    if len(key) != 32:
        raise ValueError("PII keys must be 32 bytes, base64-encoded")
    return key


class PiiVault:
    def __init__(self, encryption_key: bytes, index_key: bytes):
        self._aead = AESGCM(encryption_key)
        self._index_key = index_key

    @classmethod
    def from_settings(cls, settings) -> PiiVault:
        enc = settings.get("volunteer.pii_key") or _DEV_KEY
        idx = settings.get("volunteer.index_key") or enc
        enc_key = _decode_key(enc)
        # Derive a distinct index key when only one key is configured: never reuse a key raw.
        index_key = hmac.new(_decode_key(idx), b"blind-index", hashlib.sha256).digest()
        return cls(enc_key, index_key)

    def blind_index(self, value: str) -> str:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, value.encode(), None)

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], None).decode()
