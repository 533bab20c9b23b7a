"""`hub demo` for the portal's browser tests and reference screenshots, with settings of our own
(e.g. a small upload limit, to see it enforced without sending gigabytes)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hub.embedded.process import free_port
from tests.test_demo import HUB, Demo, hub_env, wait_until_serving


class PortalDemo(Demo):
    def __init__(self, data_dir: Path, settings: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.env = {**hub_env(data_dir, self.port), **(settings or {})}
        self.process = subprocess.Popen(
            [*HUB, "demo"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_until_serving(self.process, self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
