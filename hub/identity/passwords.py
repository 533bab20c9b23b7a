"""Local accounts of embedded mode: argon2id hashes, and no timing hint of who exists.

Hashing costs tens of milliseconds of CPU on purpose; on the event loop that stalls every
other request for as long (sixty concurrent sign-ins took /healthz from 4 ms to 385 ms at
p99). ``PasswordWorkers`` runs it in a small pool of threads instead (argon2-cffi releases
the GIL while it hashes), so the loop goes on serving; the pool's size bounds the CPU that
sign-ins can take.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY = _hasher.hash("an account that does not exist")
# Longer is never a password someone types; refusing it costs nothing.
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches; an account without a password still costs one hash."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


class PasswordWorkers:
    """argon2 off the event loop, in at most ``workers`` threads."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")

    async def verify(self, stored: str | None, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, verify_password, stored, password)

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, hash_password, password)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
