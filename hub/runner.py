"""Running the hub: embedded backends, migrations (demo), the demo seed, then uvicorn."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

import uvicorn

from hub.app import create_app
from hub.backends import Endpoints
from hub.checks import warn_at_startup
from hub.config import Settings
from hub.drift.daily import daily_round
from hub.embedded.stack import EmbeddedStack, start_stack
from hub.files.sweep import sweep_forever
from hub.privacy.retention import purge_forever
from hub.services import Services, build_services

log = logging.getLogger(__name__)


def run(settings: Settings, *, demo: bool) -> None:
    """Serve until Ctrl-C; whatever happens, stop every process started here."""
    stack = start_stack(settings)
    try:
        services = build_services(
            settings, endpoints=Endpoints(caldav=stack.caldav, webdav=stack.webdav)
        )

        async def startup(services: Services) -> None:
            if demo:
                await _prepare_demo(services)
            await warn_at_startup(services)
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
            every = timedelta(seconds=settings.reconcile_interval)
            services.in_background(daily_round(services, every))
            _banner(settings, stack, demo=demo)

        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, services, startup=startup, close_services=True),
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level.lower(),
                proxy_headers=settings.trusted_proxies is not None,
                forwarded_allow_ips=settings.trusted_proxies,
            )
        )
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C once it stopped
            server.run()
    finally:
        stack.stop()
        print("Entente stopped; every backend it started is stopped too.", flush=True)


async def _prepare_demo(services: Services) -> None:
    from hub.db.migrate import upgrade
    from hub.demo.seed import seed

    await upgrade(services.engine)
    await seed(services)


def _banner(settings: Settings, stack: EmbeddedStack, *, demo: bool) -> None:
    base = settings.base_url
    lines = [
        "",
        "Entente is running.",
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
