"""Bad configuration stops start-up with one line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hub.config import ConfigError, load_settings


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"HUB_PORT": "eighty"}, "HUB_PORT"),
        ({"HUB_PORT": "70000"}, "HUB_PORT"),
        ({"HUB_ENV": "staging"}, "HUB_ENV"),
        ({"HUB_DATABASE_URL": "mysql://x"}, "HUB_DATABASE_URL"),
        ({"HUB_ENV": "production"}, "HUB_OIDC_ISSUER"),
        ({"HUB_CALDAV_URL": "ftp://x"}, "HUB_CALDAV_URL"),
        ({"HUB_BACKEND_TIMEOUT": "0"}, "HUB_BACKEND_TIMEOUT"),
        ({"HUB_OIDC_LINK_CLAIM": "sub"}, "HUB_OIDC_LINK_CLAIM"),
        ({"HUB_OIDC_LINK_CLAIM": "user name"}, "HUB_OIDC_LINK_CLAIM"),
        ({"HUB_REDIS_URL": "http://127.0.0.1:6379"}, "HUB_REDIS_URL"),
        ({"HUB_SIGNIN_ACCOUNT_LIMIT": "0"}, "HUB_SIGNIN_ACCOUNT_LIMIT"),
        ({"HUB_SIGNIN_WINDOW_SECONDS": "-5"}, "HUB_SIGNIN_WINDOW_SECONDS"),
    ],
)
def test_bad_values_name_their_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError) as error:
        load_settings()

    assert str(error.value).startswith(f"{variable}") or variable in str(error.value)
    assert "\n" not in str(error.value)


def test_libpq_urls_are_accepted_for_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hub")

    assert (
        load_settings().resolved_database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/hub"
    )


def test_the_command_line_prints_one_line_and_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "migrate"],
        env={"HUB_PORT": "eighty", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hub: configuration error: HUB_PORT: Input should be a valid integer, "
        "unable to parse string as an integer"
    ]
