"""Reading the audit trail."""

from __future__ import annotations

import strawberry

from hub.audit.queries import audit_page
from hub.audit.types import AuditEntry, AuditPage
from hub.gql.context import Info


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Newest first; hub admins see all, town admins their towns.")
    async def audit_log(
        self, info: Info, town: str | None = None, first: int | None = 50, after: str | None = None
    ) -> AuditPage:
        async with info.context.db() as session:
            size = 50 if first is None else first
            page = await audit_page(session, info.context.principal, town, size, after)
        return AuditPage(entries=[AuditEntry.of(e) for e in page.entries], next=page.next_cursor)
