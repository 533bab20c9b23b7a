"""The backends of embedded mode: a real Radicale and a real WsgiDAV under the data dir.

A backend configured through ``HUB_CALDAV_URL`` or ``HUB_WEBDAV_URL`` is used as it is and
nothing is started for it.
"""

from __future__ import annotations

import contextlib
import importlib.util
from dataclasses import dataclass, field

from hub.config import ConfigError, Settings
from hub.embedded.process import EmbeddedServer
from hub.embedded.radicale import start_radicale
from hub.embedded.wsgidav import start_wsgidav


@dataclass(frozen=True)
class Endpoint:
    url: str
    username: str
    password: str


@dataclass
class EmbeddedStack:
    caldav: Endpoint | None = None
    webdav: Endpoint | None = None
    started: list[EmbeddedServer] = field(default_factory=list)

    def stop(self) -> None:
        for server in reversed(self.started):
            with contextlib.suppress(Exception):
                server.stop()
        self.started.clear()


def configured(url: str | None, username: str | None, password: object) -> Endpoint | None:
    if not url:
        return None
    secret = password.get_secret_value() if password is not None else ""  # type: ignore[attr-defined]
    return Endpoint(url, username or "", secret)


# What each embedded server needs, from the `embedded` extra (not in a production install).
_NEEDS = {
    "HUB_CALDAV_URL": ("radicale", "passlib"),
    "HUB_WEBDAV_URL": ("wsgidav", "cheroot"),
}


def require_embedded(variable: str) -> None:
    """Refuse, in one line, to start an embedded server that is not installed."""
    missing = [name for name in _NEEDS[variable] if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"{variable}: not set, and the embedded server is not installed "
            f"(missing {', '.join(missing)}): name your server, or install entente[embedded]"
        )


def start_stack(settings: Settings) -> EmbeddedStack:
    """Start what is not configured; on any failure stop what was started, then raise."""
    stack = EmbeddedStack(
        caldav=configured(settings.caldav_url, settings.caldav_username, settings.caldav_password),
        webdav=configured(settings.webdav_url, settings.webdav_username, settings.webdav_password),
    )
    try:
        if stack.caldav is None:
            require_embedded("HUB_CALDAV_URL")
            server = start_radicale(settings.data_dir / "radicale", host=settings.host)
            stack.started.append(server)
            # Radicale keeps an account's calendars under /{user}/: that is the calendar home.
            home = f"{server.url.rstrip('/')}/{server.username}/"
            stack.caldav = Endpoint(home, server.username, server.password)
        if stack.webdav is None:
            require_embedded("HUB_WEBDAV_URL")
            server = start_wsgidav(settings.data_dir / "webdav", host=settings.host)
            stack.started.append(server)
            stack.webdav = Endpoint(server.url, server.username, server.password)
    except BaseException:
        stack.stop()
        raise
    return stack
