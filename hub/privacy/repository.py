"""Every query of data protection: what the hub holds about a person, exports, erasures."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.feeds.models import CalendarFeed
from hub.identity.models import Invitation, PortalSession
from hub.privacy.models import Erasure, ErasureStep, PersonalExport, RetentionSetting

AUDIT_COLUMNS = (
    AuditEntry.id,
    AuditEntry.at,
    AuditEntry.town_id,
    AuditEntry.actor_id,
    AuditEntry.subject_id,
    AuditEntry.action,
    AuditEntry.target,
    AuditEntry.outcome,
    AuditEntry.details,
)


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def audit_of(
        self, person_id: str, town_ids: Collection[str] | None, after_id: int, limit: int
    ) -> Sequence[Row[Any]]:
        """Entries by or about the person, oldest first, after ``after_id``: of ``town_ids``
        and of no town (sign-ins), or all of them when ``town_ids`` is None. Plain rows, so
        that a long trail read page by page keeps nothing in the session."""
        query = (
            select(*AUDIT_COLUMNS)
            .where(
                or_(AuditEntry.actor_id == person_id, AuditEntry.subject_id == person_id),
                AuditEntry.id > after_id,
            )
            .order_by(AuditEntry.id)
            .limit(limit)
        )
        if town_ids is not None:
            query = query.where(or_(AuditEntry.town_id.in_(town_ids), AuditEntry.town_id.is_(None)))
        return (await self.session.execute(query)).all()

    async def sessions_of(self, person_id: str) -> Sequence[PortalSession]:
        query = select(PortalSession).where(PortalSession.person_id == person_id)
        return (await self.session.scalars(query.order_by(PortalSession.created_at))).all()

    async def invitations_of(self, person_id: str) -> Sequence[Invitation]:
        query = select(Invitation).where(Invitation.person_id == person_id)
        return (await self.session.scalars(query.order_by(Invitation.created_at))).all()

    async def feed_of(self, person_id: str) -> CalendarFeed | None:
        return await self.session.get(CalendarFeed, person_id)

    async def exports(
        self, person_id: str, requested_by: str, now: datetime
    ) -> Sequence[PersonalExport]:
        query = (
            select(PersonalExport)
            .where(
                PersonalExport.person_id == person_id,
                PersonalExport.requested_by == requested_by,
                PersonalExport.expires_at > now,
            )
            .order_by(PersonalExport.created_at.desc())
        )
        return (await self.session.scalars(query)).all()

    async def export(self, export_id: str) -> PersonalExport | None:
        return await self.session.get(PersonalExport, export_id)

    async def expired_exports(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(PersonalExport).where(PersonalExport.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def erasure_by_hash(self, person_hash: str) -> Erasure | None:
        return await self.session.scalar(select(Erasure).where(Erasure.person_hash == person_hash))

    async def erasure_steps(self, erasure_ids: Collection[str]) -> Sequence[ErasureStep]:
        query = (
            select(ErasureStep)
            .where(ErasureStep.erasure_id.in_(erasure_ids))
            .order_by(ErasureStep.position)
        )
        return (await self.session.scalars(query)).all()

    async def retention(self, town_ids: Collection[str]) -> Sequence[RetentionSetting]:
        query = select(RetentionSetting).where(RetentionSetting.town_id.in_(town_ids))
        return (await self.session.scalars(query)).all()

    async def all_retention(self) -> Sequence[RetentionSetting]:
        return (await self.session.scalars(select(RetentionSetting))).all()
