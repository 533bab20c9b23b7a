"""`hub demo` end to end: a real process serving a seeded territory, stopped by Ctrl-C.

This is the README's promise; it runs the installed `hub` command as a newcomer would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.embedded.process import free_port

HUB = [sys.executable, "-m", "hub.cli"]
TOWNS = "query { towns { slug } }"
EVERYTHING = "query { towns { id } people { id } }"


def hub_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {**env, "HUB_DATA_DIR": str(data_dir), "HUB_PORT": str(port), "HUB_LOG_LEVEL": "warning"}


def wait_until_serving(process: subprocess.Popen[str], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"hub demo exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("hub demo did not serve in time")


def listening(url: str) -> bool:
    host, port = re.match(r"http://([\d.]+):(\d+)", url).groups()  # type: ignore[union-attr]
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def token(env: dict[str, str], username: str, workdir: Path) -> str:
    result = subprocess.run(
        [*HUB, "token", username],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "hub token prints only the token"
    return lines[0]


def query(port: int, bearer: str, text: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": text}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {bearer}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


class Demo:
    """`hub demo` as a newcomer runs it: from a working folder, data under a relative `var/`."""

    def __init__(self, workdir: Path, settings: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.env = {**hub_env(Path("var"), self.port), **(settings or {})}
        self.process = subprocess.Popen(
            [*HUB, "demo"],
            env=self.env,
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_until_serving(self.process, self.port)

    def token(self, username: str) -> str:
        return token(self.env, username, self.workdir)

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=30)
        return output


@pytest.fixture
def demo_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def test_demo_serves_the_territory_and_ctrl_c_stops_everything(demo_dir: Path) -> None:
    demo = Demo(demo_dir)
    try:
        camille = query(demo.port, demo.token("camille"), TOWNS)
        louis = query(demo.port, demo.token("louis"), TOWNS)
    finally:
        output = demo.stop()

    assert camille == {
        "data": {"towns": [{"slug": "bievres"}, {"slug": "igny"}, {"slug": "vauhallan"}]}
    }
    assert louis == {"data": {"towns": [{"slug": "igny"}]}}
    assert demo.process.returncode == 0
    assert f"http://127.0.0.1:{demo.port}/graphql" in output
    assert "camille" in output and "demo-camille" in output
    backends = re.findall(r"(?:CalDAV|WebDAV):\s+(http://\S+)", output)
    assert len(backends) == 2
    assert not any(listening(url) for url in backends), "a backend outlived the hub"
    assert not listening(f"http://127.0.0.1:{demo.port}")


def test_a_second_demo_reuses_the_first(demo_dir: Path) -> None:
    first = Demo(demo_dir)
    try:
        before = query(first.port, first.token("admin"), EVERYTHING)
    finally:
        first.stop()
    second = Demo(demo_dir)
    try:
        after = query(second.port, second.token("admin"), EVERYTHING)
    finally:
        second.stop()

    assert before == after
    assert len(after["data"]["towns"]) == 3  # type: ignore[index]
    assert len(after["data"]["people"]) == 5  # type: ignore[index]
