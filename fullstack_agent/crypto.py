"""Encryption of secret columns at rest (SPEC §10) with Fernet; several keys allow rotation.

The first key encrypts; every key in the list can decrypt. Keys are arbitrary strings
(`SECRET_KEYS=new,old`); each is stretched to a Fernet key with SHA-256. In development,
without a configured key, one is generated once and kept in the data folder.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from fullstack_agent.config import get_settings

DEV_KEY_FILE = "secret_key"


class DecryptionError(RuntimeError):
    """A stored secret could not be decrypted with any configured key."""


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def _development_key(data_dir: Path) -> str:
    path = data_dir / DEV_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def configured_keys() -> list[str]:
    settings = get_settings()
    keys = list(settings.SECRET_KEYS)
    if settings.SECRET_KEY and settings.SECRET_KEY not in keys:
        keys.insert(0, settings.SECRET_KEY)
    return keys or [_development_key(settings.DATA_DIR)]


@functools.cache
def _cipher_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def _cipher() -> MultiFernet:
    return _cipher_for(tuple(configured_keys()))


def encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("a stored secret cannot be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """Re-encrypts a stored secret with the first (newest) key."""
    return _cipher().rotate(token.encode()).decode()
