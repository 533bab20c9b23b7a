"""The app of one worker process (``hub serve --workers N``, or any ASGI server given
``hub.asgi:worker_app`` as a factory): settings from the environment, backends as named there."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from hub.app import create_app
from hub.backends import Endpoints
from hub.cli import LOG_FORMAT
from hub.config import load_settings
from hub.embedded.stack import configured
from hub.services import Services, build_services


def worker_app() -> FastAPI:
    from hub.runner import start_background

    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT)
    endpoints = Endpoints(
        caldav=configured(settings.caldav_url, settings.caldav_username, settings.caldav_password),
        webdav=configured(settings.webdav_url, settings.webdav_username, settings.webdav_password),
    )
    services = build_services(settings, endpoints=endpoints)

    async def startup(services: Services) -> None:
        start_background(services)

    return create_app(settings, services, startup=startup, close_services=True)
