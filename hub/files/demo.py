"""The demo's documents: a few realistic files in each town's workspace and a shared one.

Running it again changes nothing: a document already there is left as it is.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import errors as remote
from hub.files import service
from hub.files.stores import FileStores
from hub.identity.principal import Principal
from hub.people.repository import PersonRepository
from hub.services import Services
from hub.towns.models import Workspace
from hub.towns.repository import TownRepository

SHARED_NAME = "PLU intercommunal"
SHARED_TOWNS = ("igny", "bievres")
MAX_DOCUMENT = 1024 * 1024


class Document:
    """An in-memory file handed to the upload service like an uploaded one."""

    def __init__(self, name: str, content: str) -> None:
        self.filename: str | None = name
        self._content = content.encode("utf-8")

    async def read(self, size: int = -1) -> bytes:
        piece, self._content = self._content, b""
        return piece


def town_documents(name: str) -> dict[str, str]:
    return {
        "/Conseil municipal/Ordre du jour – séance du 12 mars 2027.md": (
            f"# Conseil municipal de {name}\n\n## Séance du vendredi 12 mars 2027 à 20 h 30\n\n"
            "1. Approbation du procès-verbal de la séance précédente\n"
            "2. Vote du budget primitif 2027\n"
            "3. Tarifs de la restauration scolaire à la rentrée\n"
            "4. Convention de mutualisation du poste de secrétaire générale\n"
            "5. Questions diverses\n"
        ),
        "/Conseil municipal/Procès-verbal – séance du 5 février 2027.md": (
            f"# Procès-verbal du conseil municipal de {name}\n\n"
            "Séance du 5 février 2027. Présents : 13 ; représentés : 2 ; absents : 0.\n\n"
            "Le conseil approuve à l'unanimité le débat d'orientation budgétaire.\n"
            "L'ordre du jour étant épuisé, la séance est levée à 22 h 10.\n"
        ),
        "/Finances/Budget primitif 2027.csv": (
            "Section;Chapitre;Libellé;Montant (€)\n"
            "Fonctionnement;011;Charges à caractère général;412 000\n"
            "Fonctionnement;012;Charges de personnel;1 180 000\n"
            "Fonctionnement;65;Autres charges de gestion courante;96 500\n"
            "Investissement;21;Immobilisations corporelles;350 000\n"
            "Investissement;16;Remboursement d'emprunts;88 000\n"
        ),
    }


SHARED_DOCUMENTS = {
    "/Note de synthèse – zonage de la vallée de la Bièvre.md": (
        "# PLU intercommunal : note de synthèse\n\n"
        "Zones naturelles (N) le long de la Bièvre, à préserver de toute construction.\n"
        "Prochaine réunion du comité de pilotage : mardi 23 mars 2027, mairie d'Igny.\n"
    ),
}


async def seed_files(services: Services) -> None:
    stores = services.backends.files
    if not stores.connected:
        return
    async with services.sessions() as session:
        admin = await PersonRepository(session).by_username("admin")
        if admin is None:
            return
        actor = Principal(admin.id, admin.username, hub_admin=True)
        towns = await TownRepository(session).by_slugs(["igny", "bievres", "vauhallan"])
        own = await TownRepository(session).own_workspaces([town.id for town in towns])
        names = {town.id: town.name for town in towns}
        places = [(row.id, row.backend, row.root, names[row.owner_town_id or ""]) for row in own]
        shared = await session.scalar(
            select(Workspace).where(
                Workspace.name == SHARED_NAME, Workspace.owner_town_id.is_(None)
            )
        )
        if shared is None:
            shared = await service.create_shared_workspace(
                session, actor, SHARED_NAME, SHARED_TOWNS, stores
            )
        shared_place = (shared.id, shared.backend, shared.root)
        await session.commit()
        for workspace_id, backend, root, name in places:
            await _file(session, actor, stores, workspace_id, backend, root, town_documents(name))
        await _file(session, actor, stores, *shared_place, SHARED_DOCUMENTS)


async def _file(
    session: AsyncSession,
    actor: Principal,
    stores: FileStores,
    workspace_id: str,
    backend: str,
    root: str,
    documents: dict[str, str],
) -> None:
    store = stores.store(backend, root)
    for path, content in documents.items():
        try:
            await store.stat(path)
            continue
        except remote.NotFound:
            pass
        await store.ensure_folder(path.rsplit("/", 1)[0] or "/")
        await service.upload_file(
            session,
            actor,
            stores,
            workspace_id,
            path,
            Document(path.rsplit("/", 1)[1], content),
            max_bytes=MAX_DOCUMENT,
        )
