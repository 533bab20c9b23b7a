"""Reconciling towns with their backends, and repairing from the hub's side.

A check reads every backend of a town at once, each within its own limit; a backend that
cannot be asked says so (``UNCHECKED``) and the others are still checked. Each town's last
check is kept (``TownDrift``), so that pages listing towns with drift ask no backend.

A repair makes what is missing again, names back what was renamed, moves back a folder that
was moved, and puts the members right; it is idempotent, audited (``town.repair``, with what
it repaired and what remains), and says what it could not do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.errors import ConnectorError
from hub.audit.service import About, audited
from hub.backend_errors import describe
from hub.backends import Backends
from hub.db.base import utcnow
from hub.drift import calendar, directory, files
from hub.drift.attempts import Failures
from hub.drift.expected import Expected, expected_for
from hub.drift.findings import Backend, Drift, unchecked
from hub.drift.models import TownDrift
from hub.errors import BackendUnavailable, Forbidden, HubError, NotFound
from hub.identity.principal import Principal
from hub.people.directory_sync import DirectorySync
from hub.people.repository import PersonRepository
from hub.towns.models import Town
from hub.towns.repository import TownRepository

log = logging.getLogger(__name__)
TOWNS_AT_ONCE = 4


@dataclass(frozen=True)
class TownReport:
    town: Town
    checked_at: datetime
    drifts: list[Drift]


@dataclass(frozen=True)
class Repair:
    town: Town
    repaired: list[Drift]
    remaining: list[Drift]
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """Seconds a whole backend's check (and each step of a repair) may take, and each call
    to the directory."""

    check: float
    call: float


async def administered_towns(
    session: AsyncSession, actor: Principal | None, slug: str | None
) -> list[Town]:
    """The town named (NOT_FOUND, FORBIDDEN) or every town the caller administers; the
    system (``actor`` None) administers every town."""
    towns = TownRepository(session)
    if slug is not None:
        town = await towns.by_slug(slug)
        if town is None:
            raise NotFound(f"There is no town '{slug}'.", field="town")
        if actor is not None and not actor.administers(town.id):
            raise Forbidden(f"Only the administrators of '{slug}' may check it.")
        return [town]
    if actor is None or actor.hub_admin:
        return list(await towns.visible(None))
    if not actor.administered_towns:
        raise Forbidden("Only administrators may check towns against their backends.")
    return list(await towns.visible(actor.administered_towns))


async def _bounded(
    backend: Backend, server: str, limit: float, check: Callable[[], Awaitable[list[Drift]]]
) -> list[Drift]:
    try:
        async with asyncio.timeout(limit):
            return await check()
    except TimeoutError:
        return [unchecked(backend, server, f"the {server} did not answer in time.")]
    except (ConnectorError, HubError) as exc:
        log.warning("checking %s failed: %s", server, exc)
        return [unchecked(backend, server, describe(exc, server))]


async def check_town(backends: Backends, expected: Expected, limit: float) -> list[Drift]:
    """Every backend of one town, side by side."""
    checks = [
        _bounded(
            Backend.DIRECTORY,
            "directory",
            limit,
            lambda: directory.check(backends.directory, expected),
        )
    ]
    if backends.files.connected and expected.workspaces:
        checks.append(
            _bounded(
                Backend.FILES, "file server", limit, lambda: files.check(backends.files, expected)
            )
        )
    if _has_calendar(backends, expected):
        checks.append(
            _bounded(
                Backend.CALENDAR,
                "calendar server",
                limit,
                lambda: calendar.check(backends.calendars, expected),
            )
        )
    return [drift for found in await asyncio.gather(*checks) for drift in found]


def _has_calendar(backends: Backends, expected: Expected) -> bool:
    try:
        backends.calendars.store_for(expected.town.slug)
    except BackendUnavailable:
        return False  # no calendar server at all: nothing is expected there
    return True


async def _keep(session: AsyncSession, town_id: str, drifts: Sequence[Drift], at: datetime) -> None:
    kept = await session.get(TownDrift, town_id)
    stored = [drift.stored() for drift in drifts]
    if kept is None:
        session.add(TownDrift(town_id=town_id, checked_at=at, drifts=stored))
    else:
        kept.checked_at, kept.drifts = at, stored


async def reconcile_towns(
    session: AsyncSession, backends: Backends, towns: Sequence[Town], limit: float
) -> list[TownReport]:
    """Check the towns (a few at a time) and keep each one's outcome."""
    expected = await expected_for(session, towns)
    gate = asyncio.Semaphore(TOWNS_AT_ONCE)

    async def one(facts: Expected) -> list[Drift]:
        async with gate:
            return await check_town(backends, facts, limit)

    found = await asyncio.gather(*(one(facts) for facts in expected))
    now = utcnow()
    for town, drifts in zip(towns, found, strict=True):
        await _keep(session, town.id, drifts, now)
    await session.commit()
    return [TownReport(town, now, drifts) for town, drifts in zip(towns, found, strict=True)]


async def reconcile(
    session: AsyncSession,
    backends: Backends,
    actor: Principal | None,
    slug: str | None,
    limit: float,
) -> list[TownReport]:
    towns = await administered_towns(session, actor, slug)
    return await reconcile_towns(session, backends, towns, limit)


async def due_towns(session: AsyncSession, every: timedelta, limit: int) -> list[Town]:
    """At most ``limit`` towns not checked for ``every``, drawn at random (so replicas
    running the daily check at once mostly take different ones)."""
    since = utcnow() - every
    recent = select(TownDrift.town_id).where(TownDrift.checked_at > since)
    query = select(Town).where(Town.id.not_in(recent)).order_by(func.random()).limit(limit)
    return list(await session.scalars(query))


async def repair(
    session: AsyncSession,
    backends: Backends,
    actor: Principal | None,
    slug: str,
    limits: Limits,
) -> Repair:
    about = About()

    async def change() -> Repair:
        (town,) = await administered_towns(session, actor, slug)
        about.town_ids = [town.id]
        (facts,) = await expected_for(session, [town])
        before = await check_town(backends, facts, limits.check)
        failures = Failures(limits.check)
        await _repair(session, backends, facts, before, failures, limits.call)
        await session.flush()
        (after,) = await reconcile_towns(session, backends, [town], limits.check)
        remaining = {drift.key for drift in after.drifts}
        done = [drift for drift in before if drift.key not in remaining]
        about.details = {
            "repaired": [drift.detail for drift in done][:20],
            "remaining": [drift.detail for drift in after.drifts][:20],
            "failures": failures.messages[:20],
        }
        return Repair(town, done, after.drifts, failures.messages)

    return await audited(session, actor, "town.repair", slug, change, about=about)


async def _repair(
    session: AsyncSession,
    backends: Backends,
    facts: Expected,
    drifts: Sequence[Drift],
    failures: Failures,
    call: float,
) -> None:
    by_backend = {drift.backend for drift in drifts if drift.repairable}
    if Backend.DIRECTORY in by_backend:
        people = await PersonRepository(session).by_ids([m.person_id for m in facts.members])
        sync = DirectorySync(backends.directory, call)
        await directory.repair(backends.directory, sync, facts, {p.id: p for p in people}, failures)
    if Backend.FILES in by_backend:
        await files.repair(
            backends.files, facts, [d for d in drifts if d.backend is Backend.FILES], failures
        )
    if Backend.CALENDAR in by_backend:
        await calendar.repair(backends.calendars, facts, failures)


async def last_reports(
    session: AsyncSession, actor: Principal, slug: str | None
) -> list[TownReport]:
    """The towns (administered by the caller) whose last check found drift."""
    towns = await administered_towns(session, actor, slug)
    by_id = {town.id: town for town in towns}
    kept = await session.scalars(select(TownDrift).where(TownDrift.town_id.in_(list(by_id))))
    reports = [
        TownReport(by_id[row.town_id], row.checked_at, [Drift.restored(d) for d in row.drifts])
        for row in kept
        if row.drifts
    ]
    return sorted(reports, key=lambda report: report.town.name)
