"""`hub demo` for the portal's browser tests and reference screenshots, with settings of our own
(e.g. a small upload limit, to see it enforced without sending gigabytes)."""

from __future__ import annotations

from tests.test_demo import Demo


class PortalDemo(Demo):
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
