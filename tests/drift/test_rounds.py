"""The daily round of the running hub, and `hub reconcile` for cron."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.backends import Endpoints
from hub.config import Environment, Settings
from hub.db.migrate import upgrade
from hub.drift import daily
from hub.drift.daily import check_due, daily_round
from hub.drift.models import TownDrift
from hub.drift.service import TownReport
from hub.embedded.process import EmbeddedServer
from hub.embedded.stack import Endpoint
from hub.people.mandates import today
from hub.people.models import Role
from hub.services import build_services
from tests.agenda.fixtures import delete_calendars
from tests.drift.conftest import DriftHub
from tests.drift.helpers import REPORT
from tests.servers.radicale import radicale_home
from tests.support.world import World


async def test_the_round_checks_each_town_once_a_day(drift_hub: DriftHub) -> None:
    hub = drift_hub
    shutil.rmtree(hub.on_disk / "vauhallan")
    # when the round runs, every town is checked, and what drifted is kept
    first = await check_due(hub.services, timedelta(days=1))
    assert sorted(r.town.slug for r in first) == ["bievres", "igny", "vauhallan"]
    report = (await hub.gql(REPORT, {"town": None}, token=hub.admin)).ok()["driftReport"]
    assert [(r["town"]["slug"], r["drifts"][0]["subject"]) for r in report] == [
        ("vauhallan", "WORKSPACE_FOLDER")
    ]
    # and the same day, no town is checked again (a restart, another replica)
    assert await check_due(hub.services, timedelta(days=1)) == []
    # a town admin sees only her towns' drift
    ines = hub.world.token("ines")
    assert (await hub.gql(REPORT, {"town": None}, token=ines)).ok()["driftReport"] == []


async def test_a_round_stopped_halfway_keeps_the_towns_it_checked(
    drift_hub: DriftHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = drift_hub
    # given a round taking the towns two at a time, stopped after its first batch (a restart)
    monkeypatch.setattr(daily, "ROUND_BATCH", 2)
    checked = daily.reconcile_towns
    batches: list[list[str]] = []

    async def stopped_after_one(*args: Any) -> list[TownReport]:
        if batches:
            raise asyncio.CancelledError
        reports = await checked(*args)
        batches.append(sorted(r.town.slug for r in reports))
        return reports

    monkeypatch.setattr(daily, "reconcile_towns", stopped_after_one)
    with pytest.raises(asyncio.CancelledError):
        await check_due(hub.services, timedelta(days=1))

    # then the first batch was kept: the next round checks only the town left
    monkeypatch.setattr(daily, "reconcile_towns", checked)
    rest = await check_due(hub.services, timedelta(days=1))
    assert len(batches[0]) == 2
    assert [r.town.slug for r in rest] == sorted({"bievres", "igny", "vauhallan"} - set(batches[0]))
    async with hub.services.sessions() as session:
        assert len(list(await session.scalars(select(TownDrift)))) == 3


async def test_the_round_runs_in_the_background_until_stopped(drift_hub: DriftHub) -> None:
    hub = drift_hub
    (hub.on_disk / "igny").rename(hub.on_disk / "igny-2")
    task = asyncio.create_task(daily_round(hub.services, timedelta(seconds=0.05)))
    try:
        for _ in range(100):
            report = (await hub.gql(REPORT, {"town": "igny"}, token=hub.admin)).ok()
            if report["driftReport"]:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert report["driftReport"][0]["drifts"][0]["kind"] == "RENAMED"


async def test_the_round_ends_mandates_even_without_checking_towns(
    drift_hub: DriftHub,
) -> None:
    hub = drift_hub
    await hub.world.person("maire")
    await hub.world.member("maire", "igny", Role.ELECTED, mandate_end=today())
    task = asyncio.create_task(daily_round(hub.services, timedelta(0)))
    try:
        for _ in range(100):
            members = (await hub.gql(MEMBERS, token=hub.admin)).ok()["town"]["members"]
            if len(members) == 2:  # Camille and Louis
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert sorted(m["person"]["username"] for m in members) == ["camille", "louis"]
    # and no town was checked (HUB_RECONCILE_INTERVAL=0)
    async with hub.services.sessions() as session:
        assert list(await session.scalars(select(TownDrift))) == []


MEMBERS = 'query { town(slug: "igny") { members { person { username } } } }'


def _hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_hub_reconcile_for_cron(
    tmp_path: Path, wsgidav: EmbeddedServer, radicale: EmbeddedServer
) -> None:
    # given a deployment whose town Cassis lives on the real WsgiDAV and Radicale
    top = f"cron-{uuid.uuid4().hex[:8]}"
    (wsgidav.log_path.parent / "files" / top).mkdir()  # type: ignore[union-attr]
    slug = f"cassis-{uuid.uuid4().hex[:6]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATA_DIR=str(tmp_path),
        HUB_WEBDAV_URL=f"{wsgidav.url}/{top}",
        HUB_WEBDAV_USERNAME=wsgidav.username,
        HUB_WEBDAV_PASSWORD=wsgidav.password,
        HUB_CALDAV_URL=radicale_home(radicale),
        HUB_CALDAV_USERNAME=radicale.username,
        HUB_CALDAV_PASSWORD=radicale.password,
        HUB_LOG_LEVEL="error",
    )
    settings = Settings(
        env=Environment.TEST,
        data_dir=tmp_path,
        webdav_url=env["HUB_WEBDAV_URL"],
        caldav_url=env["HUB_CALDAV_URL"],
    )
    endpoints = Endpoints(
        caldav=Endpoint(radicale_home(radicale), radicale.username, radicale.password),
        webdav=Endpoint(env["HUB_WEBDAV_URL"], wsgidav.username, wsgidav.password),
    )

    async def provision() -> None:
        services = build_services(settings, endpoints=endpoints)
        try:
            await upgrade(services.engine)
            world = World(services)
            await world.town(slug, "Cassis", "13022")
            await world.person("maire")
            await world.member("maire", slug, Role.ELECTED, mandate_end=yesterday)
        finally:
            await services.aclose()

    yesterday = today() - timedelta(days=1)
    asyncio.run(provision())
    folder = wsgidav.log_path.parent / "files" / top / slug  # type: ignore[union-attr]
    try:
        # a town as provisioned, whose mayor's mandate ended yesterday: ended, no drift, exit 0
        clean = _hub(env, "reconcile")
        assert clean.returncode == 0, clean.stderr
        assert clean.stdout.splitlines() == [
            f"{slug}: mandate of maire ended on {yesterday.isoformat()}",
            f"{slug}: no drift",
        ]
        # its folder deleted and its calendar renamed: exit 1, one line each
        shutil.rmtree(folder)
        asyncio.run(_rename_calendar(radicale, slug))
        drifted = _hub(env, "reconcile")
        assert drifted.returncode == 1, drifted.stderr
        lines = drifted.stdout.splitlines()
        assert f"{slug}: FILES MISSING WORKSPACE_FOLDER /{slug}: " in lines[0] + lines[1]
        assert any(line.startswith(f"{slug}: CALENDAR RENAMED CALENDAR Cassis") for line in lines)
        # repaired: exit 0, what was repaired said; then clean again
        repaired = _hub(env, "reconcile", "--repair")
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert f"{slug}: repaired FILES MISSING WORKSPACE_FOLDER /{slug}" in repaired.stdout
        assert folder.is_dir()
        assert _hub(env, "reconcile", "--town", slug).returncode == 0
        unknown = _hub(env, "reconcile", "--town", "nowhere")
        assert unknown.returncode == 2 and "nowhere" in unknown.stderr
    finally:
        asyncio.run(delete_calendars(radicale, [slug]))


async def _rename_calendar(radicale: EmbeddedServer, slug: str) -> None:
    from connectors.calendar.caldav_store import CalDAVStore

    store = CalDAVStore(radicale_home(radicale), radicale.username, radicale.password)
    try:
        await store.rename_calendar(slug, "Agenda de Cassis")
    finally:
        await store.aclose()
