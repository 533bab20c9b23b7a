"""PostgreSQL and Redis for the suite, on a developer's machine as in CI.

CI runs `.ci/services` itself and exports what it prints. A developer who runs `make test`
as root gets the same: the script installs the servers from Debian's packages when missing,
starts them on 127.0.0.1 without systemd and gives the test role its password. Without root
nothing is installed: the suite runs on SQLite alone, and says so (`sudo .ci/services` once,
then `eval "$(.ci/services)"`, brings PostgreSQL in). HUB_TEST_SERVICES=off turns this off.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "services"
_EXPORT = re.compile(r"^export (HUB_TEST_[A-Z_]+)='([^']*)'$")


def parse_exports(output: str) -> dict[str, str]:
    """The variables `.ci/services` prints, as a mapping."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        match = _EXPORT.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def ensure_test_services() -> str | None:
    """Start the servers when we may and set their variables; the reason when we did not."""
    if os.environ.get("HUB_TEST_DATABASE_URL"):
        return None
    if os.environ.get("HUB_TEST_SERVICES", "").lower() in {"off", "0", "no"}:
        return "HUB_TEST_SERVICES=off"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return 'not root: run `sudo .ci/services` once, then `eval "$(.ci/services)"`'
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        return f".ci/services failed: {' / '.join(tail)}"
    for name, value in parse_exports(done.stdout).items():
        os.environ.setdefault(name, value)
    return None
