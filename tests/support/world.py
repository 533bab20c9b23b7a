"""Building towns and people for a test through the real services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from hub.identity.principal import Principal
from hub.people.models import Membership, Person, Role
from hub.services import Services
from hub.towns import service as towns
from hub.towns.models import Town
from tests.support.graphql import token_for


@dataclass
class World:
    services: Services
    people: dict[str, Person] = field(default_factory=dict)
    towns: dict[str, Town] = field(default_factory=dict)

    async def person(
        self, username: str, *, hub_admin: bool = False, active: bool = True
    ) -> Person:
        async with self.services.sessions() as session:
            person = Person(
                username=username,
                display_name=username.title(),
                email=f"{username}@test.example",
                hub_admin=hub_admin,
                active=active,
            )
            session.add(person)
            await session.commit()
        self.people[username] = person
        return person

    async def town(self, slug: str, name: str, insee: str) -> Town:
        admin = Principal("system", "system", hub_admin=True)
        async with self.services.sessions() as session:
            town = await towns.provision_town(
                session,
                admin,
                towns.TownInput(slug, name, insee),
                self.services.provisioning_steps,
                step_timeout=self.services.step_timeout,
                files_backend=self.services.files_backend,
            )
        self.towns[slug] = town
        return town

    async def member(
        self,
        username: str,
        slug: str,
        role: Role = Role.STAFF,
        share: float | None = None,
        mandate_end: date | None = None,
    ) -> None:
        async with self.services.sessions() as session:
            session.add(
                Membership(
                    person_id=self.people[username].id,
                    town_id=self.towns[slug].id,
                    role=role,
                    share=share,
                    mandate_end=mandate_end,
                )
            )
            await session.commit()

    def token(self, username: str) -> str:
        return token_for(self.services, self.people[username])
