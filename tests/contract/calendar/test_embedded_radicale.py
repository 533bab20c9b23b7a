"""The embedded Radicale: credentials generated once, hashed, and kept across restarts."""

from __future__ import annotations

import stat
from pathlib import Path

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
