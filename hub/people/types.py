"""GraphQL types of people and memberships."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.gql.context import Info
from hub.identity.principal import Principal
from hub.people.models import Membership as MembershipModel
from hub.people.models import Person as PersonModel
from hub.people.models import Role

if TYPE_CHECKING:
    from hub.towns.types import Town

RoleType = strawberry.enum(Role, name="Role")


@strawberry.type(description="Someone working for one or more towns.")
class Person:
    id: strawberry.ID
    username: str
    display_name: str
    email: str
    active: bool = strawberry.field(description="False once offboarded.")

    @classmethod
    def of(cls, person: PersonModel) -> Person:
        return cls(
            id=strawberry.ID(person.id),
            username=person.username,
            display_name=person.display_name,
            email=person.email,
            active=person.active,
        )

    @strawberry.field(description="Memberships in the towns the caller may see.")
    async def memberships(self, info: Info) -> list[Membership]:
        rows = await info.context.loaders.memberships_of_person.load(self.id)
        principal = info.context.principal
        return [Membership.of(row) for row in rows if principal.sees_town(row.town_id)]

    @strawberry.field(
        description="Whether the caller may offboard this person: offboardStaff would be "
        "refused otherwise (oneself, a hub administrator, someone also working for towns the "
        "caller does not administer)."
    )
    async def offboardable(self, info: Info) -> bool:
        from hub.people.service import offboarding_refusal

        rows = await info.context.loaders.memberships_of_person.load(self.id)
        person = await info.context.loaders.person.load(self.id)
        if person is None or not person.active:
            return False
        return offboarding_refusal(info.context.principal, person, rows) is None


@strawberry.type(description="A person's role in a town.")
class Membership:
    role: RoleType  # type: ignore[valid-type]
    share: float | None = strawberry.field(
        description="Agreed fraction of working time for this town (0..1)."
    )
    mandate_end: date | None = strawberry.field(
        description="ELECTED: from this day (Europe/Paris) the membership is over."
    )
    town_id: strawberry.Private[str]
    person_id: strawberry.Private[str]

    @classmethod
    def of(cls, row: MembershipModel) -> Membership:
        return cls(
            role=row.role,
            share=row.share,
            mandate_end=row.mandate_end,
            town_id=row.town_id,
            person_id=row.person_id,
        )

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")]:
        from hub.towns.types import Town

        row = await info.context.loaders.town.load(self.town_id)
        assert row is not None  # a foreign key guarantees it
        return Town.of(row)

    @strawberry.field
    async def person(self, info: Info) -> Person:
        row = await info.context.loaders.person.load(self.person_id)
        assert row is not None
        return Person.of(row)


@strawberry.type(description="The signed-in caller.")
class Me:
    person: Person
    hub_admin: bool
    memberships: list[Membership]

    @classmethod
    def of(cls, principal: Principal) -> Me:
        """The caller as authentication read them at the start of the request."""
        caller = principal.caller
        assert caller is not None
        person = Person(
            id=strawberry.ID(principal.person_id),
            username=principal.username,
            display_name=caller.display_name,
            email=caller.email,
            active=caller.active,
        )
        memberships = [
            Membership(
                role=role,
                share=caller.shares.get(town_id),
                mandate_end=caller.mandate_ends.get(town_id),
                town_id=town_id,
                person_id=principal.person_id,
            )
            for town_id, role in principal.roles.items()
        ]
        return cls(person=person, hub_admin=principal.hub_admin, memberships=memberships)


@strawberry.type(description="A page of people, by name; `next` continues it.")
class PersonPage:
    people: list[Person]
    next: str | None = strawberry.field(description="Cursor for the next page, if any.")
    total: int = strawberry.field(description="People matching the search, over all pages.")
