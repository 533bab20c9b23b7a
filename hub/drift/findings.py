"""What a drift says: which backend, what thing, what differs. Pure data, kept as JSON with
the town's last check (``hub.drift.models``) and shown by the API and the portal."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Backend(StrEnum):
    DIRECTORY = "DIRECTORY"
    FILES = "FILES"
    CALENDAR = "CALENDAR"


class DriftKind(StrEnum):
    MISSING = "MISSING"
    """The thing is not there."""
    EXTRA = "EXTRA"
    """Something is there that the hub did not put (a team folder shared with a group)."""
    RENAMED = "RENAMED"
    """The thing is there under another name (``found``)."""
    WRONG_MEMBERS = "WRONG_MEMBERS"
    """Its members are not the town's (``missing`` and ``extra`` say who)."""
    UNCHECKED = "UNCHECKED"
    """The backend could not be asked: nothing is known of it."""


class Thing(StrEnum):
    TOWN_GROUP = "TOWN_GROUP"
    ORGANIZATION = "ORGANIZATION"
    WORKSPACE_FOLDER = "WORKSPACE_FOLDER"
    TEAM_FOLDER = "TEAM_FOLDER"
    FOLDER_GROUP = "FOLDER_GROUP"
    """One group's access to a team folder."""
    GROUP = "GROUP"
    """A group on the file server (Nextcloud)."""
    CALENDAR = "CALENDAR"
    SERVER = "SERVER"


@dataclass(frozen=True)
class Drift:
    backend: Backend
    kind: DriftKind
    thing: Thing
    name: str
    """What the hub expects: a group's path, a folder's root, a calendar's name, a group."""
    detail: str
    """One English sentence for the API's clients (the portal words it from the rest)."""
    found: str | None = None
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    repairable: bool = True
    workspace: str | None = None
    """The workspace a files drift is about."""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Which drift this is, whatever its details (repaired or still there)."""
        return (self.backend, self.thing, self.name, self.kind)

    def stored(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def restored(cls, data: dict[str, Any]) -> Drift:
        return cls(
            backend=Backend(data["backend"]),
            kind=DriftKind(data["kind"]),
            thing=Thing(data["thing"]),
            name=str(data["name"]),
            detail=str(data.get("detail", "")),
            found=data.get("found"),
            missing=tuple(data.get("missing") or ()),
            extra=tuple(data.get("extra") or ()),
            repairable=bool(data.get("repairable", True)),
            workspace=data.get("workspace"),
        )


def unchecked(backend: Backend, name: str, reason: str) -> Drift:
    return Drift(
        backend,
        DriftKind.UNCHECKED,
        Thing.SERVER,
        name,
        f"Could not be checked: {reason}",
        repairable=False,
    )
