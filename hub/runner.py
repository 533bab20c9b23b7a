"""Running the hub: embedded backends, migrations (demo), the demo seed, then uvicorn.

With one worker the app runs in this process. With several (``--workers N``, ``HUB_WORKERS``)
this process starts the embedded backends and prepares the database once, then uvicorn's
supervisor starts N worker processes that each build their own services
(``hub.asgi:worker_app``) and share the listening socket; the embedded servers' addresses and
credentials reach them through their environment, as ``HUB_CALDAV_URL`` etc. would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import timedelta

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from hub.app import create_app
from hub.backends import Endpoints
from hub.checks import warn_at_startup
from hub.config import Settings
from hub.drift.daily import daily_round
from hub.embedded.stack import EmbeddedStack, Endpoint, start_stack
from hub.files.sweep import sweep_forever
from hub.privacy.retention import purge_forever
from hub.services import Services, build_services

log = logging.getLogger(__name__)


def run(settings: Settings, *, demo: bool, workers: int | None = None) -> None:
    """Serve until Ctrl-C; whatever happens, stop every process started here."""
    stack = start_stack(settings)
    count = workers or settings.workers
    try:
        endpoints = Endpoints(caldav=stack.caldav, webdav=stack.webdav)
        if count > 1:
            _run_workers(settings, stack, endpoints, demo=demo, workers=count)
            return
        services = build_services(settings, endpoints=endpoints)

        async def startup(services: Services) -> None:
            await prepare(services, demo=demo)
            start_background(services)
            _banner(settings, stack, demo=demo)

        app = create_app(settings, services, startup=startup, close_services=True)
        server = uvicorn.Server(_config(settings, app))
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C once it stopped
            server.run()
    finally:
        stack.stop()
        print("Entente stopped; every backend it started is stopped too.", flush=True)


def _config(settings: Settings, app: FastAPI | str, workers: int | None = None) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        factory=isinstance(app, str),
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=settings.trusted_proxies is not None,
        forwarded_allow_ips=settings.trusted_proxies,
    )


def _run_workers(
    settings: Settings, stack: EmbeddedStack, endpoints: Endpoints, *, demo: bool, workers: int
) -> None:
    async def once() -> None:
        services = build_services(settings, endpoints=endpoints)
        try:
            await prepare(services, demo=demo)
        finally:
            await services.aclose()

    asyncio.run(once())
    os.environ.update(_endpoint_variables(endpoints))
    _banner(settings, stack, demo=demo, workers=workers)
    # as uvicorn.run does for workers: one socket bound here, shared by the worker processes
    config = _config(settings, "hub.asgi:worker_app", workers)
    socket = config.bind_socket()
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[socket]).run()


def _endpoint_variables(endpoints: Endpoints) -> dict[str, str]:
    """The embedded servers, named to the workers as an operator would name their own."""
    found: dict[str, str] = {}
    for prefix, endpoint in (("CALDAV", endpoints.caldav), ("WEBDAV", endpoints.webdav)):
        if isinstance(endpoint, Endpoint):
            found[f"HUB_{prefix}_URL"] = endpoint.url
            found[f"HUB_{prefix}_USERNAME"] = endpoint.username
            found[f"HUB_{prefix}_PASSWORD"] = endpoint.password
    return found


async def prepare(services: Services, *, demo: bool) -> None:
    """Once before serving: the demo's migrations and seed, and the backends' checks."""
    if demo:
        await _prepare_demo(services)
    await warn_at_startup(services)


def start_background(services: Services) -> None:
    """What each serving process runs beside the requests: the sweep of stale uploads, the
    purge, the daily round of the towns and the mandates' ends. Each is safe to run in every
    worker and replica at once: the sweep and the purge find nothing left to do, a town is
    checked once a day whoever checks it, and a mandate is ended by whoever deletes its row."""
    settings = services.settings
    services.in_background(
        sweep_forever(
            services.sessions,
            services.backends.files,
            timedelta(seconds=settings.upload_sweep_age),
            interval=settings.upload_sweep_interval,
            limit=settings.backend_timeout * 30,
        )
    )
    if settings.purge_interval > 0:
        services.in_background(
            purge_forever(services.sessions, settings, interval=settings.purge_interval)
        )
    services.in_background(daily_round(services, timedelta(seconds=settings.reconcile_interval)))


async def _prepare_demo(services: Services) -> None:
    from hub.db.migrate import upgrade
    from hub.demo.seed import seed

    await upgrade(services.engine)
    await seed(services)


def _banner(settings: Settings, stack: EmbeddedStack, *, demo: bool, workers: int = 1) -> None:
    base = settings.base_url
    lines = [
        "",
        "Entente is running." if workers == 1 else f"Entente is running ({workers} workers).",
        f"  Portal:   {base}/",
        f"  GraphQL:  {base}/graphql",
    ]
    if stack.caldav:
        lines.append(f"  CalDAV:   {stack.caldav.url}")
    if stack.webdav:
        lines.append(f"  WebDAV:   {stack.webdav.url}")
    if demo:
        from hub.demo.seed import PEOPLE

        lines.append("  Demo logins (demo values only):")
        lines += [f"    {p.username:<8} / {p.password}" for p in PEOPLE]
        lines.append("  API token for scripts:  .venv/bin/hub token camille")
    lines.append("  Ctrl-C stops the hub and every backend it started.")
    print("\n".join(lines), flush=True)
