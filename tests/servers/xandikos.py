"""A real Xandikos (PyPI) for the test session: the second CalDAV server beside Radicale.

Xandikos reads RFC 6578 and RFC 4791 its own way where they leave room: a sync-collection
answer carries each object's etag but its ``calendar-data`` as 404 (the client is to fetch
it), and a PROPFIND of a missing collection answers ``207`` whose response says 404.

It has no authentication of its own over plain HTTP (it expects a proxy in front): the
store's Basic credentials are sent and ignored. Started with ``--defaults``, its calendar
home is ``/user/calendars/``.

xandikos        session-scoped: the running server (an ``EmbeddedServer``)
xandikos_home   its calendar home URL
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.embedded.process import EmbeddedServer, free_port, spawn

USERNAME = "user"
PASSWORD = "ignored-by-xandikos"  # a test value; Xandikos checks no credentials here


def start_xandikos(data_dir: Path) -> EmbeddedServer:
    port = free_port()
    process = spawn(
        [
            sys.executable,
            "-m",
            "xandikos",
            "serve",
            "--directory",
            str(data_dir / "data"),
            "--state-dir",
            str(data_dir / "state"),
            "--defaults",
            "--no-detect-systemd",
            "--listen-address",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        host="127.0.0.1",
        port=port,
        log_path=data_dir / "xandikos.log",
    )
    return EmbeddedServer(
        name="xandikos",
        url=f"http://127.0.0.1:{port}/",
        username=USERNAME,
        password=PASSWORD,
        process=process,
        log_path=data_dir / "xandikos.log",
    )


def xandikos_home(server: EmbeddedServer) -> str:
    return f"{server.url}user/calendars/"


@pytest.fixture(scope="session")
def xandikos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    server = start_xandikos(tmp_path_factory.mktemp("xandikos"))
    try:
        yield server
    finally:
        server.stop()
