"""`hub reconcile [--town SLUG] [--repair]`: the daily round from the command line, for cron:
the elected officials' memberships whose mandate ended are ended, then the towns checked.

Backends left to the embedded servers (no ``HUB_CALDAV_URL`` / ``HUB_WEBDAV_URL``) are
started on the data folder for the time of the command, as ``hub serve`` would. One line per
town, then one per drift; the exit status is 1 when something drifted (with ``--repair``:
when something remains after the repair), so cron mails the output only then.
"""

from __future__ import annotations

import asyncio
import sys

from hub.backends import Endpoints
from hub.config import Settings
from hub.drift import service
from hub.drift.daily import end_due_mandates
from hub.drift.findings import Drift
from hub.embedded.stack import start_stack
from hub.errors import HubError
from hub.services import Services, build_services


def _line(slug: str, drift: Drift, prefix: str = "") -> str:
    kind = f"{drift.backend} {drift.kind} {drift.thing} {drift.name}"
    return f"{slug}: {prefix}{kind}: {drift.detail}"


async def _run(services: Services, town: str | None, repair: bool) -> int:
    limits = service.Limits(check=services.step_timeout, call=services.settings.backend_timeout)
    for ended in await end_due_mandates(services):
        note = f" (directory not updated: {ended.directory_error})" if ended.directory_error else ""
        print(f"{ended.slug}: mandate of {ended.username} ended on {ended.mandate_end}{note}")
    async with services.sessions() as session:
        reports = await service.reconcile(session, services.backends, None, town, limits.check)
        status = 0
        for report in reports:
            slug = report.town.slug
            if not report.drifts:
                print(f"{slug}: no drift")
                continue
            if not repair:
                status = 1
                for drift in report.drifts:
                    print(_line(slug, drift))
                continue
            done = await service.repair(session, services.backends, None, slug, limits)
            for drift in done.repaired:
                print(_line(slug, drift, "repaired "))
            for drift in done.remaining:
                print(_line(slug, drift, "remains "))
            for failure in done.failures:
                print(f"{slug}: {failure}")
            status = status or int(bool(done.remaining))
    return status


def reconcile_command(settings: Settings, *, town: str | None, repair: bool) -> int:
    stack = start_stack(settings)
    try:
        services = build_services(
            settings, endpoints=Endpoints(caldav=stack.caldav, webdav=stack.webdav)
        )

        async def run() -> int:
            try:
                return await _run(services, town, repair)
            except HubError as exc:
                print(f"hub: {exc.message}", file=sys.stderr)
                return 2
            finally:
                await services.aclose()

        return asyncio.run(run())
    finally:
        stack.stop()
