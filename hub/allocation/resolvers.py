"""The time-sharing report: a pooled manager's hours per town for a month."""

from __future__ import annotations

import strawberry

from hub.allocation import service
from hub.allocation.types import AllocationReport
from hub.gql.context import Info
from hub.gql.cost import BACKEND_CALL


@strawberry.type
class AllocationQuery:
    @strawberry.field(
        description='A pooled manager\'s hours per town; month = "2026-11".', metadata=BACKEND_CALL
    )
    async def allocation(
        self, info: Info, month: str, person: strawberry.ID | None = None
    ) -> AllocationReport:
        principal = info.context.principal
        period = service.parse_month(month)
        async with info.context.db() as session:
            scope = await service.report_scope(session, principal, person)
        services = info.context.services
        report = await service.build_report(services.backends.calendars, scope, period)
        return AllocationReport.of(report, services.settings.base_url)
