"""How many wrong passwords the sign-in form takes, per account and per client address.

Each sign-in attempt adds one to two counters before the password is looked at: the
account's (the username as typed, folded, hashed: an unknown username counts like a known
one, so the limit says nothing about who exists) and the client address's (an IPv6 address
counts for its /64, which one client usually holds whole). A counter lives ``window`` seconds
from its first attempt. An attempt that takes a counter over its limit is answered 429 with
``Retry-After`` (what is left of that window) without checking the password, right or wrong;
counting first, atomically, means concurrent attempts cannot slip past the limit together.
A right password clears the account's counter and takes its attempt back from the address's
(so only failures and refused attempts add up), never more: an attacker's own account must
not wipe the address's record.

The counters live in Redis when ``HUB_REDIS_URL`` is set, so every replica sees the same
counts; otherwise in this process's memory (bounded). When Redis cannot be reached, the
replica counts in its own memory meanwhile and says so in the log: the form stays limited.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from redis import asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

MEMORY_KEYS = 100_000


@dataclass(frozen=True)
class Limits:
    account: int
    address: int
    window: int  # seconds


class Counters(Protocol):
    """Counters that expire ``window`` seconds after their first increment."""

    async def hit(self, keys: Sequence[str], window: int) -> list[tuple[int, float]]:
        """Add one to each key; its count after that and the seconds its window has left."""
        ...

    async def take_back(self, key: str) -> None:
        """Remove one from ``key`` (an attempt that turned out not to count)."""
        ...

    async def clear(self, key: str) -> None: ...

    async def aclose(self) -> None: ...


class MemoryCounters:
    """This process's counters: at most ``max_keys``, the oldest forgotten first."""

    def __init__(
        self, *, max_keys: int = MEMORY_KEYS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._counts: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key: (count, ends)
        self._max_keys = max_keys
        self._clock = clock

    def _live(self, key: str) -> tuple[int, float] | None:
        found = self._counts.get(key)
        if found is not None and found[1] <= self._clock():
            del self._counts[key]
            return None
        return found

    async def hit(self, keys: Sequence[str], window: int) -> list[tuple[int, float]]:
        now = self._clock()
        result = []
        for key in keys:
            found = self._live(key)
            count, ends = found if found else (0, now + window)
            self._counts[key] = (count + 1, ends)
            self._counts.move_to_end(key)
            result.append((count + 1, ends - now))
        while len(self._counts) > self._max_keys:
            self._counts.popitem(last=False)
        return result

    async def take_back(self, key: str) -> None:
        found = self._live(key)
        if found is not None:
            self._counts[key] = (max(found[0] - 1, 0), found[1])

    async def clear(self, key: str) -> None:
        self._counts.pop(key, None)

    async def aclose(self) -> None:
        self._counts.clear()


class RedisCounters:
    """Counters every replica shares: ``{prefix}{key}`` integers with a TTL, in Redis."""

    def __init__(self, url: str, *, prefix: str, timeout: float) -> None:
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._prefix = prefix
        self._fallback = MemoryCounters()
        self._unreachable_since: float | None = None

    async def hit(self, keys: Sequence[str], window: int) -> list[tuple[int, float]]:
        try:
            # One transaction per attempt: each counter is created with its expiry, counted,
            # and its remaining time read; INCR is atomic, so concurrent attempts on any
            # replica can never pass the limit together.
            async with self._redis.pipeline(transaction=True) as pipe:
                for key in keys:
                    pipe.set(self._prefix + key, 0, ex=window, nx=True)
                    pipe.incr(self._prefix + key)
                    pipe.pttl(self._prefix + key)
                answers = await pipe.execute()
        except (RedisError, OSError) as exc:
            self._unreachable(exc)
            return await self._fallback.hit(keys, window)
        self._reachable()
        return [
            (int(count), max(int(ttl), 0) / 1000)
            for count, ttl in zip(answers[1::3], answers[2::3], strict=True)
        ]

    async def take_back(self, key: str) -> None:
        await self._fallback.take_back(key)
        try:
            await self._redis.decr(self._prefix + key)
        except (RedisError, OSError) as exc:
            self._unreachable(exc)

    async def clear(self, key: str) -> None:
        await self._fallback.clear(key)
        try:
            await self._redis.delete(self._prefix + key)
        except (RedisError, OSError) as exc:
            self._unreachable(exc)

    async def aclose(self) -> None:
        await self._redis.aclose()

    def _unreachable(self, exc: Exception) -> None:
        if self._unreachable_since is None:
            self._unreachable_since = time.monotonic()
            log.warning("Redis unreachable (%s): counting sign-in attempts in memory", exc)

    def _reachable(self) -> None:
        if self._unreachable_since is not None:
            self._unreachable_since = None
            log.warning("Redis reachable again: sign-in attempts are counted there again")


def account_key(username: str) -> str:
    folded = username.strip().casefold().encode("utf-8", "surrogatepass")
    return "signin:account:" + hashlib.sha256(folded).hexdigest()[:32]


def address_key(address: str | None) -> str:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return f"signin:address:{(address or 'unknown')[:64]}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"signin:address:{ip.ipv4_mapped}"
        return f"signin:address:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"signin:address:{ip}"


class SignInLimiter:
    def __init__(self, counters: Counters, limits: Limits) -> None:
        self.counters = counters
        self.limits = limits

    async def attempt(self, username: str, address: str | None) -> int | None:
        """Count an attempt; seconds to wait when it is over a limit, else None."""
        (account, account_left), (client, client_left) = await self.counters.hit(
            [account_key(username), address_key(address)], self.limits.window
        )
        waits = [
            left
            for count, limit, left in (
                (account, self.limits.account, account_left),
                (client, self.limits.address, client_left),
            )
            if count > limit
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    async def succeeded(self, username: str, address: str | None) -> None:
        """A right password: the account starts afresh, and the attempt does not count
        against the address (colleagues behind one address sign in all day)."""
        await self.counters.clear(account_key(username))
        await self.counters.take_back(address_key(address))

    async def aclose(self) -> None:
        await self.counters.aclose()


def build_limiter(
    redis_url: str | None, *, prefix: str, limits: Limits, timeout: float
) -> SignInLimiter:
    counters: Counters
    if redis_url:
        counters = RedisCounters(redis_url, prefix=prefix, timeout=timeout)
    else:
        counters = MemoryCounters()
    return SignInLimiter(counters, limits)
