"""Whether a calendar is there and what it is called (drift detection), and naming it back:
on Radicale and Xandikos, read and changed with the independent ``caldav`` client too."""

from __future__ import annotations

import asyncio

import pytest

from connectors.errors import Conflict, NotFound
from tests.contract.calendar.conftest import DavServer
from tests.servers.radicale import TestCalDAVStore

ADDRESS_BOOK = (
    b'<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" '
    b'xmlns:r="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype>'
    b"<d:collection/><r:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>"
)


def _plain_name(dav: DavServer, calendar_id: str) -> str:
    with dav.plain_client() as client:
        calendar = client.calendar(url=f"{dav.home}{calendar_id}/")  # type: ignore[no-untyped-call]
        return str(calendar.get_display_name())


def _plain_rename(dav: DavServer, calendar_id: str, name: str) -> None:
    with dav.plain_client() as client:
        calendar = client.calendar(url=f"{dav.home}{calendar_id}/")  # type: ignore[no-untyped-call]
        calendar.set_properties([_displayname(name)])


def _displayname(name: str) -> object:
    from caldav.elements import dav as dav_elements

    return dav_elements.DisplayName(name)  # type: ignore[no-untyped-call]


async def test_a_missing_calendar_has_no_name(caldav_store: TestCalDAVStore) -> None:
    assert await caldav_store.calendar_name(caldav_store.calendar_id) is None


async def test_the_name_it_was_made_with(caldav_store: TestCalDAVStore) -> None:
    await caldav_store.ensure_calendar(caldav_store.calendar_id, "Salle des fêtes")
    assert await caldav_store.calendar_name(caldav_store.calendar_id) == "Salle des fêtes"


async def test_a_name_another_client_gave_is_read(
    caldav_store: TestCalDAVStore, dav: DavServer
) -> None:
    # given the calendar renamed by another CalDAV client
    cal = caldav_store.calendar_id
    await caldav_store.ensure_calendar(cal, "Salle des fêtes")
    await asyncio.to_thread(_plain_rename, dav, cal, "Salle polyvalente")
    # then the store reads the new name
    assert await caldav_store.calendar_name(cal) == "Salle polyvalente"


async def test_renaming_is_what_other_clients_read(
    caldav_store: TestCalDAVStore, dav: DavServer
) -> None:
    cal = caldav_store.calendar_id
    await caldav_store.ensure_calendar(cal, "Salle polyvalente")
    # when the store names it back, twice (idempotent)
    await caldav_store.rename_calendar(cal, "Salle des fêtes")
    await caldav_store.rename_calendar(cal, "Salle des fêtes")
    # then another client reads that name, and so does the store
    assert await asyncio.to_thread(_plain_name, dav, cal) == "Salle des fêtes"
    assert await caldav_store.calendar_name(cal) == "Salle des fêtes"


async def test_renaming_a_missing_calendar_is_not_found(caldav_store: TestCalDAVStore) -> None:
    with pytest.raises(NotFound):
        await caldav_store.rename_calendar(caldav_store.calendar_id, "Salle des fêtes")


async def test_something_else_in_its_place_is_a_conflict(
    caldav_store: TestCalDAVStore, dav: DavServer
) -> None:
    # given an address book (RFC 5689 extended MKCOL) where the calendar should be
    reply = await caldav_store.transport.send(
        "MKCOL",
        f"{dav.home}{caldav_store.calendar_id}/",
        what="make an address book",
        data=ADDRESS_BOOK,
        headers={"Content-Type": "application/xml"},
    )
    assert reply.status == 201
    # then the store says so, rather than take it for a calendar or for nothing
    with pytest.raises(Conflict):
        await caldav_store.calendar_name(caldav_store.calendar_id)
