"""The fuzzing floor: one real `hub demo` (real Radicale and WsgiDAV behind it) for every fuzz
test, the demo's people signed in, and a count of the cases sent, printed at the end of the run.

HUB_FUZZ_EXAMPLES sets how many generated cases each property draws (default 8): CI keeps
the default so the floor stays bounded; a longer run locally is one variable away.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.portal.demo import PortalDemo
from tests.test_demo import HUB

EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "8"))
ROLES = ("admin", "camille", "louis", "ines", "sophie")
PASSWORDS = {
    "admin": "demo-admin",
    "camille": "demo-camille",
    "louis": "demo-louis",
    "ines": "demo-ines",
    "sophie": "demo-sophie",
}  # fmt: skip  — the demo's published values
CASES: Counter[str] = Counter()
PROBLEMS: list[str] = []


@dataclass
class FuzzHub:
    url: str
    tokens: dict[str, str] = field(repr=False)
    portal: dict[str, httpx.Client] = field(default_factory=dict, repr=False)
    csrf: dict[str, str] = field(default_factory=dict, repr=False)
    workspaces: list[str] = field(default_factory=list, repr=False)


def _signed_in(url: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=30)
    page = client.get("/auth/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text[:300]
    signed = client.post(
        "/auth/login",
        data={"username": username, "password": PASSWORDS[username], "csrf": csrf.group(1)},
    )
    assert signed.status_code == 303, signed.text[:300]
    home = client.get("/")
    token = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert token, home.text[:300]
    return client, token.group(1)


@pytest.fixture(scope="package")
def fuzz_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzHub]:
    demo = PortalDemo(
        tmp_path_factory.mktemp("fuzz-demo"),
        {"HUB_MAX_UPLOAD_BYTES": str(256 * 1024), "HUB_LOG_LEVEL": "error"},
    )
    try:
        tokens = {}
        for role in ROLES:
            done = subprocess.run(
                [*HUB, "token", role], env=demo.env, cwd=demo.workdir,
                capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            tokens[role] = done.stdout.strip()
        hub = FuzzHub(demo.url, tokens)
        for role in ROLES:
            hub.portal[role], hub.csrf[role] = _signed_in(demo.url, role)
        listing = httpx.post(
            f"{demo.url}/graphql",
            json={"query": "{ workspaces { id } }"},
            headers={"Authorization": f"Bearer {tokens['admin']}"},
            timeout=30,
        )
        hub.workspaces = [w["id"] for w in listing.json()["data"]["workspaces"]]
        yield hub
        for client in hub.portal.values():
            client.close()
    finally:
        output = demo.stop()
        tracebacks = output.count("Traceback")
        if tracebacks:
            PROBLEMS.append(f"the hub logged {tracebacks} traceback(s) while fuzzed")
        assert not tracebacks, f"the hub logged tracebacks while fuzzed:\n{output[-4000:]}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CASES:
        return
    parts = ", ".join(f"{count} {kind}" for kind, count in sorted(CASES.items()))
    terminalreporter.write_line(
        f"fuzzing: {sum(CASES.values())} cases sent ({parts}); "
        f"{len(PROBLEMS)} answered 5xx or INTERNAL"
    )
