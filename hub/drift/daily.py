"""The running hub's round: elected officials' mandates ended, and every town checked
against its backends once a day.

The round wakes up every hour (or every ``HUB_RECONCILE_INTERVAL`` when shorter). It ends the
memberships whose mandate ended (``hub.people.mandates``), then checks the towns whose last
check is older than the interval (none when it is 0), so a restart does not check everything
again, and replicas running the same round share the work through the database. What it
finds is kept with each town (``driftReport``, the portal's administration) and logged; it
repairs nothing: an administrator decides (``repairDrift``, ``hub reconcile --repair``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from hub.drift.service import TownReport, due_towns, reconcile_towns
from hub.people.mandates import Ended, end_mandates, today
from hub.services import Services

log = logging.getLogger(__name__)
WAKE_UP = 3600.0
ROUND_BATCH = 20
"""Towns checked, then kept, at a time."""
ROUND_PAUSE = 3.0
"""Seconds of pause between two batches of the round, per second the last one took."""


async def check_due(services: Services, every: timedelta) -> list[TownReport]:
    """Check the towns not checked for ``every``, a batch at a time; log what drifted.

    Each batch is kept as soon as it is checked, so a hub stopped halfway through a round (a
    restart of a département's 1 000 towns) does not start it all over, and replicas running
    the round at once mostly take different batches (drawn at random). Between batches the
    round pauses three times as long as the batch took: while it runs it takes about a
    quarter of the process's time, and the requests keep the rest (before, a restart of the
    département's hub checked every town at once, and the API's CPU per call doubled for as
    long as it lasted — README "Scale")."""
    reports: list[TownReport] = []
    while True:
        began = time.monotonic()
        async with services.sessions() as session:
            towns = await due_towns(session, every, limit=ROUND_BATCH)
            if not towns:
                return reports
            found = await reconcile_towns(session, services.backends, towns, services.step_timeout)
        for report in found:
            for drift in report.drifts:
                log.warning("drift in %s: %s", report.town.slug, drift.detail)
        reports.extend(found)
        if len(towns) < ROUND_BATCH:
            return reports
        await asyncio.sleep((time.monotonic() - began) * ROUND_PAUSE)


async def end_due_mandates(services: Services) -> list[Ended]:
    ended = await end_mandates(
        services.sessions, services.backends.directory, services.settings.backend_timeout, today()
    )
    for done in ended:
        log.info("mandate of %s in %s ended on %s", done.username, done.slug, done.mandate_end)
    return ended


async def daily_round(services: Services, every: timedelta) -> None:
    """Until cancelled; ``every`` 0 checks no town (mandates still end)."""
    pause = min(every.total_seconds() or WAKE_UP, WAKE_UP)
    while True:
        try:
            await end_due_mandates(services)
        except Exception:
            log.exception("ending the mandates due failed")
        if every:
            try:
                await check_due(services, every)
            except Exception:
                log.exception("the daily check of the towns failed")
        await asyncio.sleep(pause)
