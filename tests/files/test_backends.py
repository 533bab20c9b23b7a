"""The files step on each backend, and a download whose server stalls midway."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from hub.backends import connect_files
from hub.config import Settings
from hub.files.download import Delivery
from hub.files.provisioning import FilesStep
from hub.towns.provisioning import TownRef
from tests.doubles.nextcloud import NextcloudDouble


async def test_on_nextcloud_a_town_gets_one_team_folder_for_its_group(
    nextcloud_double: NextcloudDouble, hub_settings: Settings
) -> None:
    settings = hub_settings.model_copy(
        update={
            "files_backend": "nextcloud",
            "nextcloud_url": nextcloud_double.url,
            "nextcloud_username": nextcloud_double.username,
            "nextcloud_password": SecretStr(nextcloud_double.password),
        }
    )
    stores = connect_files(settings, None)
    slug = f"ville-{uuid.uuid4().hex[:8]}"
    town = TownRef("id", slug, "Ville", "00000")
    try:
        await FilesStep(stores).run(town)
        await FilesStep(stores).run(town)
    finally:
        await stores.aclose()

    mounted = [f for f in nextcloud_double.folders.values() if f["mount_point"] == slug]
    assert len(mounted) == 1
    assert set(mounted[0]["groups"]) == {slug, "entente-hub"}
    assert {slug, "entente-hub"} <= nextcloud_double.groups


class Stalling:
    """A download whose server sends one chunk, then nothing."""

    status, size, content_type, etag, content_range = 200, None, None, None, None

    def __init__(self) -> None:
        self.closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        yield b"premier morceau"
        await asyncio.Event().wait()

    async def close(self) -> None:
        self.closed = True


async def test_a_stalled_download_is_cut_after_the_timeout_and_released() -> None:
    stalling = Stalling()
    delivery = Delivery(200, {}, stalling, timeout=0.2)
    received = []
    started = time.monotonic()

    with pytest.raises(TimeoutError):
        async for chunk in delivery.body():
            received.append(chunk)

    assert b"".join(received) in (b"", b"premier morceau")  # a small piece may wait in the buffer
    assert time.monotonic() - started < 1.0
    assert stalling.closed
