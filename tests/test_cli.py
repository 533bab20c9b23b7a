"""The `hub` command for a fresh deployment: migrate, create the first admin, get a token."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

HUB = [sys.executable, "-m", "hub.cli"]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HUB, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_fresh_deployment_bootstrap(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(tmp_path)

    migrated = run(env, "migrate")
    created = run(env, "create-admin", "marie", "marie@agglo.example")
    twice = run(env, "create-admin", "marie", "marie@agglo.example")
    token = run(env, "token", "marie")
    nobody = run(env, "token", "nobody")

    assert migrated.returncode == 0, migrated.stderr
    assert created.returncode == 0 and "marie" in created.stdout
    assert twice.returncode == 1 and "taken" in twice.stderr
    assert token.returncode == 0
    assert token.stdout.count(".") == 2 and len(token.stdout.splitlines()) == 1
    assert nobody.returncode == 1 and "nobody" in nobody.stderr
    assert (tmp_path / "keys" / "hub-signing-key.pem").stat().st_mode & 0o077 == 0


def test_token_is_refused_in_sso_mode(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATA_DIR=str(tmp_path), HUB_OIDC_ISSUER="http://127.0.0.1:9")

    result = run(env, "token", "marie")

    assert result.returncode == 1
    assert "embedded mode only" in result.stderr


def test_sso_first_admin_gets_a_one_time_invitation_link(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATA_DIR=str(tmp_path),
        HUB_OIDC_ISSUER="http://127.0.0.1:9",
        HUB_PUBLIC_URL="https://hub.example.org",
    )
    link = re.compile(r"https://hub\.example\.org/auth/invitation/(\S+)")

    run(env, "migrate")
    created = run(env, "create-admin", "dwho", "dwho@agglo.example")
    again = run(env, "invite", "dwho")
    nobody = run(env, "invite", "nobody")

    assert created.returncode == 0, created.stderr
    first, second = link.search(created.stdout), link.search(again.stdout)
    assert first and second and first.group(1) != second.group(1)
    assert nobody.returncode == 1 and "nobody" in nobody.stderr
    # only the newest link's hash is stored: the first one no longer works
    with sqlite3.connect(tmp_path / "hub.sqlite3") as db:
        stored = db.execute("SELECT token_hash, used_at FROM invitation").fetchall()
    assert stored == [(hashlib.sha256(second.group(1).encode()).hexdigest(), None)]


def test_invite_is_for_sso_mode(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(tmp_path)

    result = run(env, "invite", "marie")

    assert result.returncode == 1 and "SSO mode" in result.stderr


def test_serve_without_the_embedded_servers_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from hub.config import ConfigError, Settings
    from hub.embedded import stack

    real = importlib.util.find_spec
    monkeypatch.setattr(
        stack.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "wsgidav" else real(name, *a),
    )
    settings = Settings(data_dir=tmp_path, caldav_url="http://127.0.0.1:9/cal/")

    with pytest.raises(ConfigError, match=r"HUB_WEBDAV_URL: not set.*missing wsgidav"):
        stack.start_stack(settings)
