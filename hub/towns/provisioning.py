"""Provisioning a town on its backends, one resumable step at a time.

Each backend contributes a step (directory group, files folder, calendar). A step that fails
keeps its error on the town and is retried by the next ``provisionTown`` with the same data,
so a half-provisioned town always has a way to finish.

Replicas: before running a step, a process takes its lease in the database (one conditional
UPDATE: not done, and no lease running), so two replicas provisioning the same town at once
never run the same step side by side (two groups, two folders, two calendars); the other one
waits for the step to be done, or for the lease to run out if its holder died.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import record
from hub.backend_errors import describe
from hub.db.base import utcnow
from hub.identity.principal import Principal
from hub.towns.models import ProvisioningStep, StepLike, Town

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TownRef:
    id: str
    slug: str
    name: str
    insee_code: str

    @classmethod
    def of(cls, town: Town) -> TownRef:
        return cls(town.id, town.slug, town.name, town.insee_code)


class StepRunner(Protocol):
    """One backend's part of provisioning; ``run`` must be safe to call twice."""

    name: str

    async def run(self, town: TownRef) -> None: ...


class ProvisioningState(StrEnum):
    PENDING = "PENDING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


def state_of(steps: Sequence[StepLike]) -> ProvisioningState:
    if all(step.done for step in steps):
        return ProvisioningState.COMPLETE
    if any(step.error for step in steps):
        return ProvisioningState.FAILED
    return ProvisioningState.PENDING


def plan_steps(
    town: Town, runners: Sequence[StepRunner], planned: Sequence[ProvisioningStep] = ()
) -> list[ProvisioningStep]:
    """The steps a town lacks: all of them when new, or those of backends added since."""
    known = {step.name for step in planned}
    return [
        ProvisioningStep(town_id=town.id, name=runner.name, position=index, done=False, attempts=0)
        for index, runner in enumerate(runners)
        if runner.name not in known
    ]


async def run_pending(
    session: AsyncSession,
    actor: Principal,
    town: Town,
    steps: Sequence[ProvisioningStep],
    runners: Sequence[StepRunner],
    step_timeout: float,
) -> None:
    """Run every step not yet done, in order, committing the outcome of each; a step another
    process holds is waited for (at most its lease), not run twice."""
    by_name = {runner.name: runner for runner in runners}
    ref = TownRef.of(town)
    for step in steps:
        runner = by_name.get(step.name)
        if step.done or runner is None:
            continue
        if not await _leased(session, step, step_timeout):
            if step.done:
                continue
            return  # still held elsewhere: the town stays PENDING, provisionTown resumes it
        try:
            async with asyncio.timeout(step_timeout):
                await runner.run(ref)
        except Exception as exc:  # any backend failure is recorded on the step, not raised
            log.warning("provisioning step %s of %s failed", step.name, town.slug, exc_info=True)
            step.error = _describe(exc)
            record(
                session,
                actor,
                f"town.provision.{step.name}",
                town.slug,
                town_id=town.id,
                outcome="BACKEND_UNAVAILABLE",
                details={"error": step.error},
            )
        else:
            step.done, step.error = True, None
            record(session, actor, f"town.provision.{step.name}", town.slug, town_id=town.id)
        step.lease_until = None
        await session.commit()


LEASE_FACTOR = 2  # a step's lease: twice the time a step may take
POLL = 0.1


async def _leased(session: AsyncSession, step: ProvisioningStep, step_timeout: float) -> bool:
    """Take the step's lease (True), or wait while another process holds it: False once the
    step is done, or if the holder neither finishes nor lets go in time."""
    lease = timedelta(seconds=step_timeout * LEASE_FACTOR)
    deadline = time.monotonic() + lease.total_seconds() + step_timeout
    while True:
        now = utcnow()
        taken = await session.execute(
            update(ProvisioningStep)
            .where(
                ProvisioningStep.town_id == step.town_id,
                ProvisioningStep.name == step.name,
                ProvisioningStep.done.is_(False),
                or_(ProvisioningStep.lease_until.is_(None), ProvisioningStep.lease_until < now),
            )
            .values(lease_until=now + lease, attempts=ProvisioningStep.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        await session.refresh(step)
        if cast(CursorResult[Any], taken).rowcount == 1:
            return True
        if step.done or time.monotonic() > deadline:
            return False
        await asyncio.sleep(POLL)


def _describe(exc: BaseException) -> str:
    """A short sentence for the step's error; the raw exception went to the log."""
    if isinstance(exc, TimeoutError):
        return "the backend did not answer in time; retry provisioning later"
    return describe(exc)[:500]
