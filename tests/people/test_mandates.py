"""Elected officials: a role with a mandate end; on that day the membership ends by itself
(access at once, the membership and the directory group by the hub's round), audited; town
admins see the ends coming."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.people.mandates import end_mandates, today
from hub.people.models import Membership, Role
from hub.services import Services
from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

SET = """
mutation Set($person: ID!, $town: String!, $role: Role!, $end: Date) {
  setMembership(person: $person, town: $town, role: $role, mandateEnd: $end) {
    role mandateEnd person { username }
  }
}
"""
ENDS = """
query Ends($within: Int!) {
  mandateEnds(within: $within) { mandateEnd role town { slug } person { username } }
}
"""
TOWNS = "query { towns { slug } }"


def _vars(world: World, username: str, role: str, end: date | None, town: str = "igny") -> Any:
    return {
        "person": world.people[username].id,
        "town": town,
        "role": role,
        "end": end.isoformat() if end else None,
    }


async def test_an_elected_official_is_given_the_end_of_the_mandate(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    await world.person("maire")
    admin = world.token("admin")
    end = today() + timedelta(days=2000)
    # ELECTED needs the end; no other role has one; it is after today and within 7 years
    missing = await gql(SET, _vars(world, "maire", "ELECTED", None), token=admin)
    past = await gql(SET, _vars(world, "maire", "ELECTED", today()), token=admin)
    far = await gql(
        SET, _vars(world, "maire", "ELECTED", today() + timedelta(days=8 * 366)), token=admin
    )
    staff = await gql(SET, _vars(world, "maire", "STAFF", end), token=admin)
    for refused in (missing, past, far, staff):
        assert refused.codes == ["BAD_INPUT"]
        assert refused.errors[0]["extensions"]["field"] == "mandateEnd"
    given = await gql(SET, _vars(world, "maire", "ELECTED", end), token=admin)
    assert given.ok()["setMembership"] == {
        "role": "ELECTED",
        "mandateEnd": end.isoformat(),
        "person": {"username": "maire"},
    }
    # becoming staff again clears the end
    staff_again = await gql(SET, _vars(world, "maire", "STAFF", None), token=admin)
    assert staff_again.ok()["setMembership"]["mandateEnd"] is None


async def test_add_staff_takes_the_mandate_end(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    end = today() + timedelta(days=30)
    added = await gql(
        """mutation($input: AddStaffInput!) { addStaff(input: $input) {
             memberships { role mandateEnd } } }""",
        {
            "input": {
                "username": "adjoint",
                "displayName": "Paul Adjoint",
                "email": "adjoint@bievres.example",
                "towns": [{"town": "bievres", "role": "ELECTED", "mandateEnd": end.isoformat()}],
            }
        },
        token=world.token("ines"),
    )
    assert added.ok()["addStaff"]["memberships"] == [
        {"role": "ELECTED", "mandateEnd": end.isoformat()}
    ]


async def test_access_ends_on_the_day_even_before_the_round(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    await world.person("maire")
    await world.member("maire", "igny", Role.ELECTED, mandate_end=today() + timedelta(days=1))
    await world.member("maire", "bievres", Role.ELECTED, mandate_end=today())
    # the day Bièvres's mandate ends, Bièvres is gone for her; Igny's is still hers
    towns = (await gql(TOWNS, token=world.token("maire"))).ok()["towns"]
    assert towns == [{"slug": "igny"}]


async def _audit(services: Services) -> list[tuple[str, str, str | None, str | None, Any]]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "membership.expire")
        )
        return [(r.actor, r.outcome, r.town_id, r.subject_id, r.details) for r in rows]


async def test_the_round_ends_the_mandates_due_once_and_audits_it(
    services: Services, world: World
) -> None:
    await essonne(world)
    maire = await world.person("maire")
    ended_on = today() - timedelta(days=1)
    await world.member("maire", "igny", Role.ELECTED, mandate_end=ended_on)
    await world.member("maire", "bievres", Role.ELECTED, mandate_end=today() + timedelta(days=9))
    directory = services.backends.directory
    # when the round runs twice
    first = await end_mandates(services.sessions, directory, 2.0, today())
    second = await end_mandates(services.sessions, directory, 2.0, today())
    # then Igny's membership ended once, Bièvres's stays, and Igny's trail says so
    assert [(e.username, e.slug, e.mandate_end) for e in first] == [("maire", "igny", ended_on)]
    assert second == []
    async with services.sessions() as session:
        left = await session.scalars(
            select(Membership.town_id).where(Membership.person_id == maire.id)
        )
        assert list(left) == [world.towns["bievres"].id]
    assert await _audit(services) == [
        (
            "system",
            "ok",
            world.towns["igny"].id,
            maire.id,
            {"role": "ELECTED", "mandateEnd": ended_on.isoformat()},
        )
    ]


async def test_town_admins_see_the_ends_coming_in_their_towns(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    for name in ("maire", "adjoint", "lointain"):
        await world.person(name)
    await world.member("maire", "bievres", Role.ELECTED, mandate_end=today() + timedelta(days=40))
    await world.member("adjoint", "bievres", Role.ELECTED, mandate_end=today() + timedelta(days=10))
    await world.member(
        "lointain", "bievres", Role.ELECTED, mandate_end=today() + timedelta(days=400)
    )
    await world.member("maire", "igny", Role.ELECTED, mandate_end=today() + timedelta(days=5))
    # Inès (Bièvres) sees Bièvres's ends within 90 days, soonest first
    seen = (await gql(ENDS, {"within": 90}, token=world.token("ines"))).ok()["mandateEnds"]
    assert [(m["person"]["username"], m["town"]["slug"]) for m in seen] == [
        ("adjoint", "bievres"),
        ("maire", "bievres"),
    ]
    everything = (await gql(ENDS, {"within": 500}, token=world.token("admin"))).ok()
    assert len(everything["mandateEnds"]) == 4
    assert (await gql(ENDS, {"within": 90}, token=world.token("louis"))).codes == ["FORBIDDEN"]
    assert (await gql(ENDS, {"within": 0}, token=world.token("ines"))).codes == ["BAD_INPUT"]
