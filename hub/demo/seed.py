"""Seed the demo territory; running it again changes nothing.

Demo passwords are DEMO VALUES, printed by `hub demo` and documented in the README: never use
them outside a demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub.agenda.demo import seed_agendas
from hub.files.demo import seed_files
from hub.identity.passwords import hash_password
from hub.identity.principal import Principal
from hub.people import service as people
from hub.people.directory_sync import DirectorySync
from hub.people.models import Person, Role
from hub.people.repository import MembershipRepository, PersonRepository
from hub.services import Services
from hub.towns import service as towns
from hub.towns.repository import TownRepository


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    email: str
    password: str
    hub_admin: bool = False


TOWNS = [
    towns.TownInput("igny", "Igny", "91312"),
    towns.TownInput("bievres", "Bièvres", "91064"),
    towns.TownInput("vauhallan", "Vauhallan", "91635"),
]

PEOPLE = [
    DemoPerson(
        "admin",
        "Administration du service commun",
        "admin@entente.example",
        "demo-admin",
        hub_admin=True,
    ),
    DemoPerson("camille", "Camille Rousseau", "camille.rousseau@entente.example", "demo-camille"),
    DemoPerson("louis", "Louis Martin", "louis.martin@igny.example", "demo-louis"),
    DemoPerson("ines", "Inès Benali", "ines.benali@bievres.example", "demo-ines"),
    DemoPerson("sophie", "Sophie Lambert", "sophie.lambert@entente.example", "demo-sophie"),
]

MEMBERSHIPS = [
    ("camille", "igny", Role.MANAGER, 0.5),
    ("camille", "bievres", Role.MANAGER, 0.3),
    ("camille", "vauhallan", Role.MANAGER, 0.2),
    ("louis", "igny", Role.STAFF, None),
    ("ines", "bievres", Role.TOWN_ADMIN, None),
    ("sophie", "igny", Role.DPO, None),
    ("sophie", "bievres", Role.DPO, None),
    ("sophie", "vauhallan", Role.DPO, None),
]


async def seed(services: Services) -> None:
    async with services.sessions() as session:
        admin = await _ensure_people(session)
        actor = Principal(admin.id, admin.username, hub_admin=True)
        for town in TOWNS:
            await towns.provision_town(
                session,
                actor,
                town,
                services.provisioning_steps,
                step_timeout=services.step_timeout,
                files_backend=services.files_backend,
            )
        sync = DirectorySync(services.backends.directory, services.settings.backend_timeout)
        await _ensure_memberships(session, sync, actor)

    # Agendas: the towns' calendars for November 2026 (hub/agenda/demo.py).
    await seed_agendas(services)

    # Files: each town's documents and the shared "PLU intercommunal" (hub/files/demo.py).
    await seed_files(services)


async def _ensure_people(session: AsyncSession) -> Person:
    repository = PersonRepository(session)
    admin: Person | None = None
    for demo in PEOPLE:
        person = await repository.by_username(demo.username)
        if person is None:
            person = Person(
                username=demo.username,
                display_name=demo.display_name,
                email=demo.email,
                hub_admin=demo.hub_admin,
                password_hash=hash_password(demo.password),
            )
            session.add(person)
            await session.flush()
        if demo.hub_admin:
            admin = person
    await session.commit()
    assert admin is not None
    return admin


async def _ensure_memberships(session: AsyncSession, sync: DirectorySync, actor: Principal) -> None:
    repository = PersonRepository(session)
    for username, slug, role, share in MEMBERSHIPS:
        person = await repository.by_username(username)
        town = await TownRepository(session).by_slug(slug)
        assert person is not None and town is not None
        current = await MembershipRepository(session).get(person.id, town.id)
        if current is None or (current.role, current.share) != (role, share):
            await people.set_membership(session, sync, actor, person.id, slug, role, share)
