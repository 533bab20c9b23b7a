"""Queries on the audit trail, newest first, paged by an opaque cursor."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, town_ids: Collection[str] | None, before_id: int | None, limit: int
    ) -> Sequence[AuditEntry]:
        """Entries of ``town_ids`` (all when None), older than ``before_id``, newest first."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if town_ids is not None:
            query = query.where(AuditEntry.town_id.in_(town_ids))
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        return (await self.session.scalars(query)).all()

    async def since(
        self, town_ids: Collection[str], actions: Collection[str], since: datetime, limit: int
    ) -> Sequence[AuditEntry]:
        """Entries of these towns and actions written at or after ``since``, newest first."""
        query = (
            select(AuditEntry)
            .where(
                AuditEntry.town_id.in_(town_ids),
                AuditEntry.action.in_(actions),
                AuditEntry.at >= since,
            )
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()
