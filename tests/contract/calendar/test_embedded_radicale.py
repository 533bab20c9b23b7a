"""The embedded Radicale: credentials generated once, hashed, and kept across restarts."""

from __future__ import annotations

import base64
import http.client
import stat
from pathlib import Path
from urllib.parse import urlsplit

from connectors.calendar.caldav_store import CalDAVStore
from hub.embedded.radicale import start_radicale


async def test_restart_reuses_data_and_credentials(tmp_path: Path) -> None:
    # Given a Radicale started once, holding a calendar with one event
    first = start_radicale(tmp_path, failed_login_delay=0.05)
    try:
        store = CalDAVStore(f"{first.url}{first.username}/", first.username, first.password)
        await store.ensure_calendar("mairie", "Mairie")
        await store.put("mairie", "ev", _EVENT, None)
        await store.aclose()
    finally:
        first.stop()
    # When it is started again on the same directory
    second = start_radicale(tmp_path, failed_login_delay=0.05)
    try:
        store = CalDAVStore(f"{second.url}{second.username}/", second.username, second.password)
        got = await store.get("mairie", "ev")
        await store.aclose()
    finally:
        second.stop()
    # Then the same credentials open the same data
    assert (second.username, second.password) == (first.username, first.password)
    assert "Permanence" in got.ical
    # And the password is stored hashed, in files only this user can read
    htpasswd = (tmp_path / "htpasswd").read_text()
    assert first.password not in htpasswd and htpasswd.startswith("entente:$6$")
    for name in ("htpasswd", "radicale.secret", "radicale.conf"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / "radicale.log").stat().st_size > 0


_EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//\r\nBEGIN:VEVENT\r\nUID:ev\r\n"
    "DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
    "SUMMARY:Permanence\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_connections_are_kept_open_between_requests(tmp_path: Path) -> None:
    # Given the embedded Radicale
    server = start_radicale(tmp_path, failed_login_delay=0.05)
    auth = base64.b64encode(f"{server.username}:{server.password}".encode()).decode()
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        # When two requests are sent one after the other
        answers = []
        for _ in range(2):
            connection.request(
                "PROPFIND",
                f"/{server.username}/",
                headers={"Authorization": f"Basic {auth}", "Depth": "0"},
            )
            response = connection.getresponse()
            response.read()
            answers.append((response.status, response.version, response.will_close))
            socket_used = connection.sock
    finally:
        connection.close()
        server.stop()
    # Then both are answered in HTTP/1.1 on one open connection (its own server answered in
    # HTTP/1.0 and closed each: a new connection for every sync REPORT of the agenda)
    assert answers == [(207, 11, False), (207, 11, False)]
    assert socket_used is not None
