"""Calling reconcile and repairDrift as a client does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.services import Services
from tests.support.graphql import GraphQLClient, Reply, operation

RECONCILE = operation("scripts/Reconcile")
REPAIR = operation("scripts/RepairDrift")
REPORT = operation("scripts/DriftReport")


def brief(drifts: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """Each drift as (backend, kind, subject, name), sorted."""
    return sorted((d["backend"], d["kind"], d["subject"], d["name"]) for d in drifts)


async def reconcile(gql: GraphQLClient, token: str, town: str | None = "igny") -> Reply:
    return await gql(RECONCILE, {"town": town}, token=token)


async def drifts(gql: GraphQLClient, token: str, town: str | None = "igny") -> list[Any]:
    found: list[Any] = (await reconcile(gql, token, town)).ok()["reconcile"]
    return found


async def repair(gql: GraphQLClient, token: str, town: str = "igny") -> dict[str, Any]:
    done: dict[str, Any] = (await gql(REPAIR, {"town": town}, token=token)).ok()["repairDrift"]
    return done


async def repairs_audited(services: Services) -> list[tuple[str, str, str | None, Any]]:
    """The trail's ``town.repair`` entries, oldest first: (actor, outcome, town, details)."""
    async with services.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "town.repair").order_by(AuditEntry.id)
        )
        return [(r.actor, r.outcome, r.town_id, r.details) for r in rows]
