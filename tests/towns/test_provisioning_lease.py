"""A provisioning step runs once even when two processes provision the same town at once
(the lease in the database), and a lease left by a process that died runs out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from hub.db.base import utcnow
from hub.identity.principal import Principal
from hub.services import Services
from hub.towns import service as towns
from hub.towns.models import ProvisioningStep
from hub.towns.provisioning import TownRef

ADMIN = Principal("system", "system", hub_admin=True)
IGNY = towns.TownInput("igny", "Igny", "91312")


class SlowStep:
    """A backend step that takes a while, counting its runs."""

    name = "files"

    def __init__(self) -> None:
        self.runs = 0

    async def run(self, town: TownRef) -> None:
        self.runs += 1
        await asyncio.sleep(0.3)


async def provision(services: Services, step: SlowStep, timeout: float = 2) -> str:
    async with services.sessions() as session:
        town = await towns.provision_town(
            session, ADMIN, IGNY, [step], step_timeout=timeout, files_backend="webdav"
        )
        found = await session.scalar(
            select(ProvisioningStep).where(ProvisioningStep.town_id == town.id)
        )
        assert found is not None
        return "done" if found.done else "pending"


async def test_two_provisionings_at_once_run_the_step_once(services: Services) -> None:
    step = SlowStep()
    outcomes = await asyncio.gather(provision(services, step), provision(services, step))
    assert step.runs == 1
    assert outcomes == ["done", "done"]


async def test_a_lease_left_by_a_dead_process_runs_out(services: Services) -> None:
    # given a step leased by a process that died before finishing it
    first = SlowStep()
    first.run = lambda town: asyncio.sleep(10)  # type: ignore[method-assign,assignment,return-value]
    assert await provision(services, first, timeout=0.1) == "pending"
    async with services.sessions() as session:
        await session.execute(
            update(ProvisioningStep).values(lease_until=utcnow() + timedelta(seconds=0.3))
        )
        await session.commit()
    # when provisionTown comes again after the lease ran out
    step = SlowStep()
    await asyncio.sleep(0.4)
    # then the step runs
    assert await provision(services, step) == "done" and step.runs == 1
