"""Downloading an export: the DPO who made it, while it lasts, audited like a file download."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub.agenda.reading import PARIS
from hub.audit.service import About, audited
from hub.db.base import utcnow
from hub.errors import Forbidden, NotFound
from hub.identity.principal import Principal
from hub.people.models import Person
from hub.privacy.repository import PrivacyRepository
from hub.privacy.stored import chunk_count

# The two files of an export, by the name in their URL.
PARTS = {
    "data.json": ("json", "application/json", "donnees-personnelles-{who}-{day}.json"),
    "summary.txt": ("summary", "text/plain; charset=utf-8", "resume-{who}-{day}.txt"),
}
GONE = "There is no such export, or it has expired: export the data again."


@dataclass(frozen=True)
class ExportFile:
    export_id: str
    part: str
    chunks: int
    size: int
    content_type: str
    filename: str


def export_url(base_url: str, export_id: str, part: str) -> str:
    return f"{base_url}/privacy/exports/{export_id}/{part}"


async def open_export(
    session: AsyncSession, actor: Principal, export_id: str, name: str
) -> ExportFile:
    """The file, if the caller made the export, it has not expired and they are still the DPO
    of its towns; NOT_FOUND otherwise (the same for someone else's). Audited."""
    about = About()

    async def check() -> ExportFile:
        spec = PARTS.get(name)
        export = await PrivacyRepository(session).export(export_id[:64])
        if spec is None or export is None:
            raise NotFound(GONE)
        about.person_id, about.town_ids = export.person_id, list(export.town_ids)
        if export.requested_by != actor.person_id or export.expires_at <= utcnow():
            raise NotFound(GONE)
        if not actor.hub_admin and not set(export.town_ids) <= actor.protected_towns:
            raise Forbidden("You are no longer the DPO of the towns of this export.")
        part, content_type, pattern = spec
        person = await session.get(Person, export.person_id)
        who = person.username if person else "personne"
        day = f"{export.created_at.astimezone(PARIS):%Y-%m-%d}"
        return ExportFile(
            export.id,
            part,
            await chunk_count(session, export.id, part),
            int(export.sizes.get(part, 0)),
            content_type,
            pattern.format(who=who, day=day),
        )

    return await audited(
        session,
        actor,
        "privacy.export.download",
        f"{export_id[:64]}/{name[:32]}",
        check,
        about=about,
    )
