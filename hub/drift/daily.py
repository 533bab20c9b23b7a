"""The running hub's daily round: every town checked against its backends once a day.

The round wakes up every hour (or every ``HUB_RECONCILE_INTERVAL`` when shorter) and checks
the towns whose last check is older than the interval, so a restart does not check everything
again, and replicas running the same round share the work through the database. What it
finds is kept with each town (``driftReport``, the portal's administration) and logged; it
repairs nothing: an administrator decides (``repairDrift``, ``hub reconcile --repair``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from hub.drift.service import TownReport, due_towns, reconcile_towns
from hub.services import Services

log = logging.getLogger(__name__)
WAKE_UP = 3600.0


async def check_due(services: Services, every: timedelta) -> list[TownReport]:
    """Check the towns not checked for ``every``; log what drifted."""
    async with services.sessions() as session:
        towns = await due_towns(session, every)
        if not towns:
            return []
        reports = await reconcile_towns(session, services.backends, towns, services.step_timeout)
    for report in reports:
        for drift in report.drifts:
            log.warning("drift in %s: %s", report.town.slug, drift.detail)
    return reports


async def daily_round(services: Services, every: timedelta) -> None:
    """Until cancelled (never started when ``every`` is 0)."""
    pause = min(every.total_seconds(), WAKE_UP)
    while True:
        try:
            await check_due(services, every)
        except Exception:
            log.exception("the daily check of the towns failed")
        await asyncio.sleep(pause)
