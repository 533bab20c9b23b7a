"""A circuit breaker per backend: a dead town's server is skipped instead of costing the full
timeout on every request.

Closed, every call goes through. After ``threshold`` failures in a row (refused connection,
timeout, 5xx) it opens for ``pause`` seconds: calls fail at once with ``CircuitOpen``. When
the pause is over one call is let through (half-open): success closes the breaker, failure
opens it again for twice as long, up to ``max_pause``. The clock is injected so tests step
time instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from connectors.errors import CircuitOpen


class Breaker:
    def __init__(
        self,
        backend: str,
        *,
        threshold: int = 5,
        pause: float = 2.0,
        max_pause: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.threshold = threshold
        self.first_pause = pause
        self.max_pause = max_pause
        self._clock = clock
        self._failures = 0
        self._pause = pause
        self._open_until: float | None = None
        self._trial = False

    @property
    def open(self) -> bool:
        return self._open_until is not None and self._clock() < self._open_until

    def before(self) -> None:
        """Raise ``CircuitOpen`` while the breaker is open; let one trial call through after."""
        if self._open_until is None:
            return
        left = self._open_until - self._clock()
        if left > 0:
            raise CircuitOpen(
                f"skipped: the server failed {self._failures} times in a row; "
                f"the hub asks again in {left:.0f} s",
                backend=self.backend,
            )
        if self._trial:
            raise CircuitOpen("skipped: a trial request is under way", backend=self.backend)
        self._trial = True

    def success(self) -> None:
        self._failures = 0
        self._pause = self.first_pause
        self._open_until = None
        self._trial = False

    def failure(self) -> None:
        self._failures += 1
        if self._trial:
            self._pause = min(self._pause * 2, self.max_pause)
        if self._trial or self._failures >= self.threshold:
            self._open_until = self._clock() + self._pause
        self._trial = False

    def settle(self) -> None:
        """The call ended without saying anything about the server (e.g. it was cancelled
        early): a trial slot it held is released."""
        self._trial = False
