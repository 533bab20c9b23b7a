"""``hub check`` and the start-up checks of ``hub serve``: each configured backend and the
OpenID provider, reachable, accepting the hub's account, offering what the hub needs.

One line per finding (``connectors.checks``); ``hub check`` exits non-zero when any failed,
``hub serve`` logs them as warnings and starts anyway (a backend may come back later).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from connectors.calendar.caldav_store import CalDAVStore
from connectors.checks import Finding, Level, check_caldav, check_oidc
from connectors.directory.keycloak import KeycloakDirectory
from connectors.errors import ConnectorError, Forbidden
from hub.services import Services

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[list[Finding]]]


def _checks(services: Services) -> list[tuple[str, Check]]:
    backends = services.backends
    checks: list[tuple[str, Check]] = list(backends.files.checks.items())
    calendar = backends.calendar
    if isinstance(calendar, CalDAVStore):
        checks.append(("caldav", lambda: check_caldav(calendar.transport, calendar.home_url)))
    directory = backends.directory
    if isinstance(directory, KeycloakDirectory):
        checks.append(("keycloak", lambda: _check_directory(directory)))
    issuer = services.settings.oidc_issuer
    if issuer is not None:
        timeout = services.settings.backend_timeout
        checks.append(("oidc", lambda: check_oidc(issuer, timeout)))
    return checks


async def _check_directory(directory: KeycloakDirectory) -> list[Finding]:
    try:
        await directory.find_person("entente-hub-check")
    except Forbidden as exc:
        return [
            Finding("keycloak", "credentials", Level.FAIL, f"refused the hub's account ({exc})")
        ]
    except ConnectorError as exc:
        return [Finding("keycloak", "reachable", Level.FAIL, str(exc))]
    return [Finding("keycloak", "reachable, service account accepted", Level.OK, "users readable")]


async def run_checks(services: Services) -> list[Finding]:
    """Every check, concurrently, each within a few backend timeouts."""
    limit = services.settings.backend_timeout * 3

    async def bounded(name: str, check: Check) -> list[Finding]:
        try:
            async with asyncio.timeout(limit):
                return await check()
        except TimeoutError:
            return [Finding(name, "reachable", Level.FAIL, f"no answer within {limit:g} s")]

    found = await asyncio.gather(*(bounded(name, check) for name, check in _checks(services)))
    return [finding for group in found for finding in group]


async def warn_at_startup(services: Services) -> None:
    """``hub serve``: the same checks, their problems as warnings in the log."""
    try:
        findings = await run_checks(services)
    except Exception:  # a check must never keep the hub from starting
        log.exception("start-up checks failed")
        return
    for finding in findings:
        if finding.level is Level.OK:
            log.info("check %s", finding.line())
        else:
            log.warning("check %s", finding.line())
