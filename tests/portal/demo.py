"""`hub demo` for the portal's browser tests and reference screenshots, with settings of our own
(e.g. a small upload limit, to see it enforced without sending gigabytes)."""

from __future__ import annotations

from pathlib import Path

from tests.test_demo import Demo


class PortalDemo(Demo):
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def files(self) -> Path:
        """The folder the demo's WsgiDAV serves (the towns' folders are in it)."""
        return self.workdir / "var" / "webdav" / "files"
