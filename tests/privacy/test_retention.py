"""Retention: each town's periods (its DPO sets them), and the purge that applies them —
audit entries, sign-in records, portal sessions, expired exports — audited with counts."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.audit.service import record
from hub.config import Environment, Settings
from hub.identity.models import PortalSession
from hub.identity.principal import Principal
from hub.people.mandates import today
from hub.people.models import Membership, Role
from hub.privacy.models import PersonalExport
from hub.privacy.retention import purge, purge_forever
from hub.services import build_services
from tests.privacy.helpers import export, with_dpo
from tests.support.graphql import GraphQLClient
from tests.support.world import World

SET = """mutation($t: String!, $a: Int!, $s: Int!) {
  setRetention(town: $t, auditDays: $a, sessionDays: $s) { auditDays sessionDays own } }"""
READ = "query($t: String!) { retention(town: $t) { auditDays sessionDays own } }"
NOW = datetime.now(UTC)


async def test_the_dpo_sets_the_towns_retention_within_bounds(
    gql: GraphQLClient, world: World
) -> None:
    # given Sophie, DPO of Igny, and Inès, admin of Bièvres
    await with_dpo(world)
    sophie, ines = world.token("sophie"), world.token("ines")
    # when Sophie reads then sets Igny's periods
    before = (await gql(READ, {"t": "igny"}, token=sophie)).ok()["retention"]
    after = (await gql(SET, {"t": "igny", "a": 180, "s": 30}, token=sophie)).ok()
    # then Igny keeps its trail 180 days and sign-ins 30, instead of the hub's 365 and 180
    assert before == {"auditDays": 365, "sessionDays": 180, "own": False}
    assert after["setRetention"] == {"auditDays": 180, "sessionDays": 30, "own": True}
    # and out of bounds is BAD_INPUT; Inès reads Bièvres's but may not set it; nobody
    # reads another town's
    too_short = await gql(SET, {"t": "igny", "a": 7, "s": 30}, token=sophie)
    assert (
        too_short.codes == ["BAD_INPUT"]
        and too_short.errors[0]["extensions"]["field"] == "auditDays"
    )
    assert (await gql(READ, {"t": "bievres"}, token=ines)).ok()["retention"]["auditDays"] == 365
    assert (await gql(SET, {"t": "bievres", "a": 90, "s": 30}, token=ines)).codes == ["FORBIDDEN"]
    assert (await gql(READ, {"t": "bievres"}, token=sophie)).codes == ["FORBIDDEN"]
    assert (await gql(READ, {"t": "igny"}, token=world.token("louis"))).codes == ["FORBIDDEN"]
    # and each change is in the town's trail
    async with world.services.sessions() as session:
        changes = (
            await session.execute(
                select(AuditEntry.town_id, AuditEntry.outcome).where(
                    AuditEntry.action == "privacy.retention"
                )
            )
        ).all()
    igny, bievres = world.towns["igny"].id, world.towns["bievres"].id
    assert sorted(changes) == sorted([(igny, "ok"), (igny, "BAD_INPUT"), (bievres, "FORBIDDEN")])


async def test_the_purge_applies_each_towns_periods_and_audits_counts(
    gql: GraphQLClient, world: World
) -> None:
    # given Igny keeping 90 days (sign-ins 10), Bièvres the hub's 365 (sign-ins 180)
    await with_dpo(world)
    await gql(SET, {"t": "igny", "a": 90, "s": 10}, token=world.token("sophie"))
    igny, bievres = world.towns["igny"].id, world.towns["bievres"].id
    louis, ines = world.people["louis"], world.people["ines"]
    services = world.services
    async with services.sessions() as session:
        for town, age in ((igny, 100), (igny, 80), (bievres, 100), (bievres, 400)):
            entry = record(session, None, "file.upload", f"{age} jours", town_id=town)
            entry.at = NOW - timedelta(days=age)
        for person, age in ((louis, 20), (louis, 5), (ines, 20), (None, 200)):
            actor = Principal(person.id, person.username, False) if person else None
            entry = record(session, actor, "session.open", f"{age} jours")
            entry.at = NOW - timedelta(days=age)
        for person, age in ((louis, 12), (ines, 12)):
            session.add(
                PortalSession(
                    token_hash=f"{person.username}-{age}".ljust(64, "0"),
                    person_id=person.id,
                    csrf_token="x",
                    created_at=NOW - timedelta(days=age),
                    expires_at=NOW + timedelta(hours=1),
                )
            )
        await session.commit()
    made = await export(gql, world.token("sophie"), louis.id)
    async with services.sessions() as session:
        found = await session.get(PersonalExport, made["id"])
        assert found is not None
        found.expires_at = NOW - timedelta(minutes=1)
        await session.commit()
    # when the purge runs
    purged = await purge(services.sessions, services.settings, datetime.now(UTC))
    # then what each town's periods no longer allow is gone, the rest kept
    async with services.sessions() as session:
        kept = set(
            await session.scalars(
                select(AuditEntry.target).where(
                    AuditEntry.action.in_(("file.upload", "session.open"))
                )
            )
        )
        sessions = set(await session.scalars(select(PortalSession.person_id)))
        exports = list(await session.scalars(select(PersonalExport.id)))
        audits = (
            await session.execute(
                select(AuditEntry.town_id, AuditEntry.details).where(
                    AuditEntry.action == "privacy.purge"
                )
            )
        ).all()
    assert {"80 jours", "100 jours"} <= kept and "400 jours" not in kept  # Bièvres: 365
    assert sum(1 for t in kept if t == "100 jours") == 1  # Igny's 100-day entry went
    # Louis (Igny: sign-ins 10 days) loses his 20-day sign-in, Inès (Bièvres: 180) keeps hers
    assert purged.sign_ins == 2  # Louis's 20-day one, and the 200-day refused sign-in
    assert sessions == {ines.id}
    assert exports == [] and purged.exports == 1
    # and the purge is in each town's trail, with counts and no content
    by_town = {town: details for town, details in audits}
    assert by_town[igny] == {"count": 1, "audit": 1, "auditDays": 90}
    assert by_town[bievres] == {"count": 1, "audit": 1, "auditDays": 365}
    assert by_town[None] == {"count": 4, "audit": 0, "signIns": 2, "sessions": 1, "exports": 1}
    # and running it again finds nothing, and writes nothing
    again = await purge(services.sessions, services.settings, datetime.now(UTC))
    assert again.total == 0


def test_hub_purge_deletes_old_records_and_says_how_many(tmp_path: Path) -> None:
    # given a migrated hub whose audit trail holds an entry of two years ago
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(tmp_path)
    hub = [sys.executable, "-m", "hub.cli"]
    subprocess.run([*hub, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    with sqlite3.connect(tmp_path / "hub.sqlite3") as db:
        db.execute(
            "INSERT INTO audit_entry (at, actor, action, target, outcome) "
            "VALUES ('2020-01-01 00:00:00', 'system', 'person.link', 'x', 'ok')"
        )
    # when `hub purge` runs (twice)
    first = subprocess.run([*hub, "purge"], env=env, capture_output=True, text=True, timeout=60)
    second = subprocess.run([*hub, "purge"], env=env, capture_output=True, text=True, timeout=60)
    # then the old entry is gone, the purge audited, and the second run found nothing
    assert first.returncode == 0, first.stderr
    assert "1 other audit entries" in first.stdout
    assert "0 other audit entries" in second.stdout
    with sqlite3.connect(tmp_path / "hub.sqlite3") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit_entry")]
    assert actions == ["privacy.purge"]


def test_hub_purge_ends_the_mandates_due_first(tmp_path: Path) -> None:
    # given a migrated hub (the hub's own directory) whose mayor's mandate ended yesterday
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(tmp_path)
    hub = [sys.executable, "-m", "hub.cli"]
    subprocess.run([*hub, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    settings = Settings(env=Environment.TEST, data_dir=tmp_path)

    async def given() -> None:
        services = build_services(settings)
        try:
            world = World(services)
            await world.town("cassis", "Cassis", "13022")
            await world.person("maire")
            ended = today() - timedelta(days=1)
            await world.member("maire", "cassis", Role.ELECTED, mandate_end=ended)
        finally:
            await services.aclose()

    asyncio.run(given())
    # when `hub purge` runs (as cron would, without the running hub)
    done = subprocess.run([*hub, "purge"], env=env, capture_output=True, text=True, timeout=60)
    # then the membership is gone, said and audited, before the purge's own counts
    assert done.returncode == 0, done.stderr
    assert "1 memberships ended with their mandate" in done.stdout

    async def then() -> tuple[list[str], list[str]]:
        services = build_services(settings)
        try:
            async with services.sessions() as session:
                left = list(await session.scalars(select(Membership.person_id)))
                actions = list(await session.scalars(select(AuditEntry.action)))
            return left, actions
        finally:
            await services.aclose()

    left, actions = asyncio.run(then())
    assert left == []
    assert "membership.expire" in actions


async def test_the_running_hub_purges_at_start_and_then_at_its_interval(world: World) -> None:
    # given an audit entry of Igny older than its year
    await with_dpo(world)
    services = world.services
    async with services.sessions() as session:
        old = record(session, None, "file.upload", "vieux", town_id=world.towns["igny"].id)
        old.at = NOW - timedelta(days=400)
        await session.commit()
    # when the hub's background purge runs (an interval of 0: once, as at start-up)
    await purge_forever(services.sessions, services.settings, interval=0)
    # then the entry is gone and the purge is in Igny's trail
    async with services.sessions() as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert "file.upload" not in actions and "privacy.purge" in actions
