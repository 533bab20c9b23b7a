"""Checking towns against their backends, and repairing them."""

from __future__ import annotations

import strawberry

from hub.drift import service
from hub.drift.types import Drift, DriftRepair, TownDrift
from hub.gql.context import Info
from hub.gql.cost import BACKEND_CALL
from hub.services import Services


def limits(services: Services) -> service.Limits:
    return service.Limits(check=services.step_timeout, call=services.settings.backend_timeout)


@strawberry.type
class DriftQuery:
    @strawberry.field(
        description="Check a town (or every town the caller administers) against its "
        "backends now: directory group, organisation and members, workspace folders (team "
        "folders and their groups on Nextcloud), the town's calendar. Hub admins, and town "
        "admins for their towns.",
        metadata=BACKEND_CALL,
    )
    async def reconcile(self, info: Info, town: str | None = None) -> list[Drift]:
        services = info.context.services
        async with info.context.db() as session:
            reports = await service.reconcile(
                session, services.backends, info.context.principal, town, limits(services).check
            )
        return [Drift.of(r.town.id, drift) for r in reports for drift in r.drifts]

    @strawberry.field(
        description="The towns (administered by the caller) whose last check found drift, as "
        "it was then; the running hub checks every town daily."
    )
    async def drift_report(self, info: Info, town: str | None = None) -> list[TownDrift]:
        async with info.context.db() as session:
            reports = await service.last_reports(session, info.context.principal, town)
        return [
            TownDrift(
                checked_at=r.checked_at,
                drifts=[Drift.of(r.town.id, d) for d in r.drifts],
                town_id=r.town.id,
            )
            for r in reports
        ]


@strawberry.type
class DriftMutation:
    @strawberry.mutation(
        description="Repair what can be repaired from the hub's side (idempotent, audited): "
        "make missing things again, name back what was renamed, put members right; says what "
        "remains and why."
    )
    async def repair_drift(self, info: Info, town: str) -> DriftRepair:
        services = info.context.services
        async with info.context.db() as session:
            done = await service.repair(
                session, services.backends, info.context.principal, town, limits(services)
            )
        return DriftRepair(
            repaired=[Drift.of(done.town.id, d) for d in done.repaired],
            remaining=[Drift.of(done.town.id, d) for d in done.remaining],
            failures=done.failures,
            town_id=done.town.id,
        )
