"""How long the hub keeps its records, per town, and the purge that applies it.

Each town sets (or inherits from the hub's settings) two periods, in days:

- ``auditDays`` (``HUB_AUDIT_RETENTION_DAYS``, 365): the town's audit trail;
- ``sessionDays`` (``HUB_SESSION_RETENTION_DAYS``, 180): the sign-in records of its people
  (portal sessions and the ``session.*`` entries, which belong to no town): a person's are
  kept as long as the shortest period of their towns.

The purge (``hub purge``, and the running hub every ``HUB_PURGE_INTERVAL`` seconds) deletes
what is older, the other entries of no town after the hub's audit period, and the expired
exports; it audits itself with counts, never content: one entry per town that lost some.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.audit.models import AuditEntry
from hub.audit.service import About, audited, record
from hub.config import Settings
from hub.db.base import utcnow
from hub.errors import BadInput, Forbidden
from hub.identity.models import PortalSession
from hub.identity.principal import Principal
from hub.people.models import Membership
from hub.privacy.models import RetentionSetting
from hub.privacy.repository import PrivacyRepository
from hub.towns.models import Town
from hub.towns.repository import TownRepository
from hub.towns.service import town_for

log = logging.getLogger(__name__)
AUDIT_DAYS = (30, 3650)
SESSION_DAYS = (1, 3650)
BATCH = 1000


@dataclass(frozen=True)
class Retention:
    audit_days: int
    session_days: int
    own: bool
    """The town set it (else the hub's defaults apply)."""


def default(settings: Settings) -> Retention:
    return Retention(settings.audit_retention_days, settings.session_retention_days, False)


async def retention_of(
    session: AsyncSession, settings: Settings, town_ids: list[str]
) -> dict[str, Retention]:
    found = {r.town_id: r for r in await PrivacyRepository(session).retention(town_ids)}
    return {
        town: Retention(found[town].audit_days, found[town].session_days, True)
        if town in found
        else default(settings)
        for town in town_ids
    }


async def readable_town(session: AsyncSession, actor: Principal, slug: str) -> Town:
    """A town whose retention and register the caller reads: its DPO, its administrators."""
    town = await town_for(session, actor, slug)
    if not (actor.protects(town.id) or actor.administers(town.id)):
        raise Forbidden(f"Only the DPO and the administrators of '{slug}' may read this.")
    return town


async def set_retention(
    session: AsyncSession,
    actor: Principal,
    settings: Settings,
    slug: str,
    audit_days: int,
    session_days: int,
) -> Retention:
    about = About(details={"auditDays": audit_days, "sessionDays": session_days})

    async def change() -> Retention:
        town = await town_for(session, actor, slug)
        about.town_ids = [town.id]
        if not actor.protects(town.id):
            raise Forbidden(f"Only the DPO of '{slug}' may set how long its records are kept.")
        for name, value, (low, high) in (
            ("auditDays", audit_days, AUDIT_DAYS),
            ("sessionDays", session_days, SESSION_DAYS),
        ):
            if not low <= value <= high:
                raise BadInput(f"'{name}' is between {low} and {high} days.", field=name)
        setting = await session.get(RetentionSetting, town.id)
        if setting is None:
            setting = RetentionSetting(town_id=town.id)
            session.add(setting)
        setting.audit_days, setting.session_days = audit_days, session_days
        await session.flush()
        return Retention(audit_days, session_days, True)

    return await audited(session, actor, "privacy.retention", slug, change, about=about)


@dataclass
class Purged:
    audit: Counter[str] = field(default_factory=Counter)
    """Entries of each town's trail (by town id)."""
    other: int = 0
    """Entries of no town (but sign-ins) past the hub's audit period."""
    sign_ins: int = 0
    sessions: int = 0
    exports: int = 0

    @property
    def total(self) -> int:
        return sum(self.audit.values()) + self.other + self.sign_ins + self.sessions + self.exports


async def purge(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> Purged:
    """Delete what each town's retention no longer allows, audit it, commit."""
    purged = Purged()
    async with sessions() as session:
        towns = await TownRepository(session).visible(None)
        periods = await retention_of(session, settings, [t.id for t in towns])
        for town in towns:
            cutoff = now - timedelta(days=periods[town.id].audit_days)
            result = await session.execute(
                delete(AuditEntry).where(AuditEntry.town_id == town.id, AuditEntry.at < cutoff)
            )
            purged.audit[town.id] = _count(result)
        hub_cutoff = now - timedelta(days=settings.audit_retention_days)
        result = await session.execute(
            delete(AuditEntry).where(
                AuditEntry.town_id.is_(None),
                ~AuditEntry.action.startswith("session."),
                AuditEntry.at < hub_cutoff,
            )
        )
        purged.other = _count(result)
        days = await _sign_in_days(session, settings, periods)
        purged.sign_ins = await _purge_sign_ins(session, days, settings, now)
        purged.sessions = await _purge_sessions(session, days, settings, now)
        purged.exports = await PrivacyRepository(session).expired_exports(now)
        _audit(session, purged, periods)
        await session.commit()
    return purged


async def _sign_in_days(
    session: AsyncSession, settings: Settings, periods: Mapping[str, Retention]
) -> dict[str, int]:
    """Each member's sign-in period: the shortest of their towns'."""
    days: dict[str, int] = {}
    for person_id, town_id in await session.execute(
        select(Membership.person_id, Membership.town_id)
    ):
        period = periods.get(town_id, default(settings)).session_days
        days[person_id] = min(days.get(person_id, period), period)
    return days


async def _purge_sign_ins(
    session: AsyncSession, days: Mapping[str, int], settings: Settings, now: datetime
) -> int:
    """The ``session.*`` entries past their person's period (the hub's for refused ones)."""
    shortest = min([settings.session_retention_days, *days.values()])
    removed, after = 0, 0
    while True:
        rows = (
            await session.execute(
                select(AuditEntry.id, AuditEntry.actor_id, AuditEntry.at)
                .where(
                    AuditEntry.town_id.is_(None),
                    AuditEntry.action.startswith("session."),
                    AuditEntry.at < now - timedelta(days=shortest),
                    AuditEntry.id > after,
                )
                .order_by(AuditEntry.id)
                .limit(BATCH)
            )
        ).all()
        old = [
            entry_id
            for entry_id, actor_id, at in rows
            if at < now - timedelta(days=days.get(actor_id or "", settings.session_retention_days))
        ]
        if old:
            await session.execute(delete(AuditEntry).where(AuditEntry.id.in_(old)))
            removed += len(old)
        if len(rows) < BATCH:
            return removed
        after = rows[-1][0]


async def _purge_sessions(
    session: AsyncSession, days: Mapping[str, int], settings: Settings, now: datetime
) -> int:
    """Portal sessions expired, or opened longer ago than their person's period."""
    removed = _count(
        await session.execute(delete(PortalSession).where(PortalSession.expires_at <= now))
    )
    rows = (
        await session.execute(
            select(PortalSession.token_hash, PortalSession.person_id, PortalSession.created_at)
        )
    ).all()
    old = [
        token_hash
        for token_hash, person_id, created_at in rows
        if created_at < now - timedelta(days=days.get(person_id, settings.session_retention_days))
    ]
    if old:
        await session.execute(delete(PortalSession).where(PortalSession.token_hash.in_(old)))
    return removed + len(old)


def _audit(session: AsyncSession, purged: Purged, periods: Mapping[str, Retention]) -> None:
    for town_id, count in purged.audit.items():
        if count:
            record(
                session,
                None,
                "privacy.purge",
                f"{count} audit entries",
                town_id=town_id,
                details={"count": count, "audit": count, "auditDays": periods[town_id].audit_days},
            )
    others = {
        "audit": purged.other,
        "signIns": purged.sign_ins,
        "sessions": purged.sessions,
        "exports": purged.exports,
    }
    if any(others.values()):
        details = {"count": sum(others.values()), **others}
        record(session, None, "privacy.purge", "records of no town", details=details)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_forever(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, *, interval: float
) -> None:
    """Purge now, then every ``interval`` seconds (``HUB_PURGE_INTERVAL``), until cancelled."""
    while True:
        try:
            purged = await purge(sessions, settings, utcnow())
            if purged.total:
                log.info("purged %d records past their retention period", purged.total)
        except Exception:
            log.exception("purging records past their retention period failed")
        if interval <= 0:
            return
        await asyncio.sleep(interval)
