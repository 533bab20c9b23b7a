"""Reading the audit trail."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.audit.queries import audit_filter, audit_page
from hub.audit.types import AuditEntry, AuditPage
from hub.gql.context import Info


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Newest first; hub admins see all, town admins and DPOs their towns. Filters: "
        'person (entries by or about them), actions (names or families: "event", '
        '"membership.set"…), since/until (when written, until exclusive), search (in who '
        "acted or the entry's target)."
    )
    async def audit_log(
        self,
        info: Info,
        town: str | None = None,
        first: int | None = 50,
        after: str | None = None,
        person: strawberry.ID | None = None,
        actions: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
    ) -> AuditPage:
        wanted = audit_filter(str(person) if person else None, actions, since, until, search)
        async with info.context.db() as session:
            size = 50 if first is None else first
            page = await audit_page(session, info.context.principal, town, size, after, wanted)
        return AuditPage(entries=[AuditEntry.of(e) for e in page.entries], next=page.next_cursor)
