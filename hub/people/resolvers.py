"""People queries and membership changes."""

from __future__ import annotations

from datetime import date

import strawberry

from hub.gql.context import Info
from hub.identity.principal import Principal
from hub.people import mandates, service
from hub.people.directory_sync import DirectorySync
from hub.people.models import Role
from hub.people.repository import MembershipRepository, PersonRepository
from hub.people.types import Me, Membership, Person, PersonPage, RoleType


def _sync(info: Info) -> DirectorySync:
    services = info.context.services
    return DirectorySync(services.backends.directory, services.settings.backend_timeout)


@strawberry.input
class StaffTownInput:
    town: str
    role: RoleType  # type: ignore[valid-type]
    share: float | None = None
    mandate_end: date | None = strawberry.field(
        default=None, description="ELECTED only, and required then: the day the mandate ends."
    )


@strawberry.input
class AddStaffInput:
    username: str
    display_name: str
    email: str
    towns: list[StaffTownInput]


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="The signed-in caller.")
    async def me(self, info: Info) -> Me:
        principal = info.context.principal
        if principal.caller is None:  # a principal built without authentication's read
            async with info.context.db() as session:
                person = await PersonRepository(session).get(principal.person_id)
                assert person is not None
                rows = await MembershipRepository(session).of_people([person.id])
            principal = Principal.of(person, rows, mandates.today(), with_caller=True)
        return Me.of(principal)

    @strawberry.field(
        description="Elected officials whose mandate ends within `within` days (1-3650), "
        "soonest first, in the towns the caller administers."
    )
    async def mandate_ends(self, info: Info, within: int = 90) -> list[Membership]:
        async with info.context.db() as session:
            rows = await mandates.upcoming(
                session, info.context.principal, within, mandates.today()
            )
        return [Membership.of(row) for row in rows]

    @strawberry.field(description="Hub admins: everyone; others: the people of their towns.")
    async def people(self, info: Info, search: str | None = None) -> list[Person]:
        async with info.context.db() as session:
            rows = await service.search_people(session, info.context.principal, search)
        return [Person.of(row) for row in rows]

    @strawberry.field(
        description="The people `people` gives, a page at a time by name (`first` ≤ 200, "
        "`after` a cursor from `next`); `search` matches the username, name or e-mail."
    )
    async def people_page(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        search: str | None = None,
    ) -> PersonPage:
        async with info.context.db() as session:
            page = await service.people_page(session, info.context.principal, first, after, search)
        return PersonPage(
            people=[Person.of(r) for r in page.items], next=page.next, total=page.total
        )


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(description="Add a person to the directory and to towns.")
    async def add_staff(self, info: Info, input: AddStaffInput) -> Person:
        data = service.NewStaff(
            input.username,
            input.display_name,
            input.email,
            [service.StaffTown(t.town, Role(t.role), t.share, t.mandate_end) for t in input.towns],
        )
        async with info.context.db() as session:
            row = await service.add_staff(session, _sync(info), info.context.principal, data)
        return Person.of(row)

    @strawberry.mutation(
        description="Give a person a role (and share) in a town; an ELECTED role needs the day "
        "its mandate ends (`mandateEnd`), when the membership ends by itself."
    )
    async def set_membership(
        self,
        info: Info,
        person: strawberry.ID,
        town: str,
        role: RoleType,  # type: ignore[valid-type]
        share: float | None = None,
        mandate_end: date | None = None,
    ) -> Membership:
        async with info.context.db() as session:
            row = await service.set_membership(
                session,
                _sync(info),
                info.context.principal,
                str(person),
                town,
                Role(role),
                share,
                mandate_end,
            )
        return Membership.of(row)

    @strawberry.mutation(description="Take a person out of a town.")
    async def remove_membership(self, info: Info, person: strawberry.ID, town: str) -> bool:
        async with info.context.db() as session:
            return await service.remove_membership(
                session, _sync(info), info.context.principal, str(person), town
            )

    @strawberry.mutation(description="Disable a person everywhere; their towns keep the data.")
    async def offboard_staff(self, info: Info, person: strawberry.ID) -> Person:
        async with info.context.db() as session:
            row = await service.offboard_staff(
                session, _sync(info), info.context.principal, str(person)
            )
        return Person.of(row)
