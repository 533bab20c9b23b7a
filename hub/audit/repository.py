"""Queries on the audit trail, newest first, paged by an opaque cursor."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """Entries by or about a person, of some actions (a name, or a family such as "event"
    for "event.create"…), written in [since, until)."""

    person_id: str | None = None
    actions: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None  # in who acted or what the entry is about (its target)

    def applied(self, query: Select[AuditEntry]) -> Select[AuditEntry]:
        if self.person_id is not None:
            query = query.where(
                or_(AuditEntry.actor_id == self.person_id, AuditEntry.subject_id == self.person_id)
            )
        if self.actions:
            query = query.where(
                or_(
                    *(
                        or_(AuditEntry.action == name, AuditEntry.action.startswith(f"{name}."))
                        for name in self.actions
                    )
                )
            )
        if self.since is not None:
            query = query.where(AuditEntry.at >= self.since)
        if self.until is not None:
            query = query.where(AuditEntry.at < self.until)
        if self.search:
            wanted = self.search.lower()
            query = query.where(
                or_(
                    func.lower(AuditEntry.actor).contains(wanted, autoescape=True),
                    func.lower(AuditEntry.target).contains(wanted, autoescape=True),
                )
            )
        return query


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self,
        town_ids: Collection[str] | None,
        before_id: int | None,
        limit: int,
        wanted: AuditFilter | None = None,
    ) -> Sequence[AuditEntry]:
        """Entries of ``town_ids`` (all when None), older than ``before_id``, that ``wanted``
        lets through, newest first."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if town_ids is not None:
            query = query.where(AuditEntry.town_id.in_(town_ids))
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        if wanted is not None:
            query = wanted.applied(query)
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
