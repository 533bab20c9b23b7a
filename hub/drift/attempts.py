"""Repairs go on past a failure: each call that fails is said, and the rest still runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from connectors.errors import ConnectorError
from hub.backend_errors import describe
from hub.errors import HubError

log = logging.getLogger(__name__)


class Failures:
    """What a repair could not do, one sentence each."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.messages: list[str] = []

    async def attempt(self, what: str, call: Callable[[], Awaitable[object]]) -> bool:
        """Run ``call`` within the timeout; False (and the reason kept) if it failed."""
        try:
            async with asyncio.timeout(self.timeout):
                await call()
        except (ConnectorError, HubError, TimeoutError) as exc:
            log.warning("repair: could not %s: %s", what, exc)
            reason = describe(exc) if not isinstance(exc, TimeoutError) else "no answer in time"
            self.messages.append(f"Could not {what}: {reason}")
            return False
        return True
