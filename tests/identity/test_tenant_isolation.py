"""Tenant isolation as a property: for generated towns, people and roles, no core operation
lets a person read or change anything of a town they are not a member of; a town's DPO opens
none of its files, and exports nothing of a town whose DPO they are not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.agenda.ids import event_id
from hub.people.models import Membership, Person, Role
from hub.privacy.scope import linked_towns
from hub.services import Services
from hub.towns.models import Town, Workspace, WorkspaceTown
from tests.support.database import empty_tables
from tests.support.graphql import GraphQLClient
from tests.support.world import World

ROLES = [Role.STAFF, Role.MANAGER, Role.TOWN_ADMIN, Role.DPO]


@dataclass(frozen=True)
class Territory:
    towns: int
    # person index -> {town index: role}
    memberships: list[dict[int, Role]]


@st.composite
def territories(draw: st.DrawFn) -> Territory:
    towns = draw(st.integers(min_value=2, max_value=4))
    people = draw(st.integers(min_value=2, max_value=5))
    memberships = [
        draw(st.dictionaries(st.integers(0, towns - 1), st.sampled_from(ROLES), max_size=towns))
        for _ in range(people)
    ]
    # At least one person is outside at least one town (else there is nothing to isolate).
    if all(len(m) == towns for m in memberships):
        memberships[0] = {}
    return Territory(towns, memberships)


async def snapshot(services: Services) -> tuple[Any, ...]:
    async with services.sessions() as session:
        members = sorted(
            (m.person_id, m.town_id, m.role.value, m.share)
            for m in await session.scalars(select(Membership))
        )
        people = sorted((p.id, p.username, p.active) for p in await session.scalars(select(Person)))
        towns = sorted((t.id, t.slug, t.name) for t in await session.scalars(select(Town)))
        spaces = sorted(w.id for w in await session.scalars(select(Workspace)))
        links = sorted(
            (w.workspace_id, w.town_id) for w in await session.scalars(select(WorkspaceTown))
        )
    return members, people, towns, spaces, links


READS = {
    "town": "query($s: String!) { town(slug: $s) { slug members { person { username } } } }",
    "audit": "query($s: String!) { auditLog(town: $s) { entries { action } } }",
    "workspace": "query($w: ID!) { workspace(id: $w) { name } }",
    "retention": "query($s: String!) { retention(town: $s) { auditDays } }",
    "register": "query($s: String!) { processingRegister(town: $s) { title } }",
}
WRITES = {
    "set": "mutation($p: ID!, $s: String!) { setMembership(person: $p, town: $s, role: TOWN_ADMIN) "
    "{ role } }",
    "remove": "mutation($p: ID!, $s: String!) { removeMembership(person: $p, town: $s) }",
    "add": 'mutation($s: String!) { addStaff(input: {username: "intruder", displayName: "I", '
    'email: "i@x.example", towns: [{town: $s, role: STAFF}]}) { id } }',
    "offboard": "mutation($p: ID!) { offboardStaff(person: $p) { active } }",
    "share": 'mutation($s: String!, $o: String!) { createSharedWorkspace(name: "Projet", '
    "towns: [$s, $o]) { id } }",
    "provision": "mutation($s: String!, $n: String!, $i: String!) { provisionTown(input: "
    "{slug: $s, name: $n, inseeCode: $i}) { id } }",
    "folder": 'mutation($w: ID!) { createFolder(workspace: $w, path: "/Intrus") { name } }',
    "move": 'mutation($w: ID!) { moveEntry(workspace: $w, from: "/a", to: "/b") { name } }',
    "delete": 'mutation($w: ID!) { deleteEntry(workspace: $w, path: "/a") }',
    "event": 'mutation($s: String!) { createEvent(input: {town: $s, title: "Intrus", '
    'start: "2026-11-26T10:00:00+01:00", end: "2026-11-26T11:00:00+01:00"}) { id } }',
    "update": "mutation($e: ID!, $s: String!) { updateEvent(id: $e, input: {town: $s, "
    'title: "Intrus", start: "2026-11-26T10:00:00+01:00", '
    'end: "2026-11-26T11:00:00+01:00"}) { id } }',
    "unbook": "mutation($e: ID!) { deleteEvent(id: $e) }",
    "retain": "mutation($s: String!) { setRetention(town: $s, auditDays: 90, sessionDays: 9) "
    "{ own } }",
}
PERSONAL = {
    "personal": "query($p: ID!) { personalData(person: $p) { towns { slug } } }",
    "export": "mutation($p: ID!) { exportPersonalData(person: $p) { downloadUrl } }",
    "erase": "mutation($p: ID!) { erasePerson(person: $p) { state } }",
}
ALLOCATION = 'query { allocation(month: "2026-11") { rows { town { slug } } } }'
LISTS = """query {
  towns { slug members { person { username memberships { town { slug } } } } }
  people { username memberships { town { slug } } }
  workspaces { id towns { slug } }
  me { memberships { town { slug } } }
}"""


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(territory=territories())
async def test_no_core_operation_crosses_a_town_boundary(
    services: Services, gql: GraphQLClient, territory: Territory
) -> None:
    await empty_tables(services.engine)
    world = World(services)
    slugs = [f"ville-{i}" for i in range(territory.towns)]
    for i, slug in enumerate(slugs):
        await world.town(slug, f"Ville {i}", f"9{i + 1:02d}01")
    names = [f"agent{i}" for i in range(len(territory.memberships))]
    for name, memberships in zip(names, territory.memberships, strict=True):
        await world.person(name)
        for town, role in memberships.items():
            await world.member(name, slugs[town], role)
    workspace_of = {slug: await own_workspace(services, world.towns[slug].id) for slug in slugs}

    for name, memberships in zip(names, territory.memberships, strict=True):
        mine = {slugs[t] for t in memberships}
        working = {slugs[t] for t, role in memberships.items() if role is not Role.DPO}
        protected = {world.towns[slugs[t]].id for t, r in memberships.items() if r is Role.DPO}
        outside = [s for s in slugs if s not in mine]
        token = world.token(name)
        await lists_stay_inside(gql, token, mine, working)
        before = await snapshot(services)
        refusals_checked = False
        for other in names:
            refusals_checked |= await personal_data_stays_inside(
                gql, world, token, world.people[other].id, protected, every=not refusals_checked
            )
        assert await snapshot(services) == before
        for slug in outside:
            before = await snapshot(services)
            member = next(
                (
                    n
                    for n, m in zip(names, territory.memberships, strict=True)
                    if slugs.index(slug) in m and n != name
                ),
                name,
            )
            variables = {
                "s": slug,
                "w": workspace_of[slug],
                "p": world.people[member].id,
                # Sharing with one of one's own towns, or with another town outside.
                "o": next(iter(mine), next(o for o in slugs if o != slug)),
                "n": world.towns[slug].name,
                "i": world.towns[slug].insee_code,
                "e": event_id(slug, "conseil-municipal"),
            }
            for label, operation in {**READS, **WRITES}.items():
                reply = await gql(operation, variables, token=token)
                assert reply.codes and set(reply.codes) <= {"FORBIDDEN", "NOT_FOUND"}, (
                    label,
                    name,
                    slug,
                    reply.errors,
                )
                assert reply.data is None or all(v is None for v in reply.data.values()), label
            other = await gql(
                'query($p: ID!) { allocation(month: "2026-11", person: $p) '
                "{ rows { town { slug } } } }",
                {"p": world.people[member].id},
                token=token,
            )
            if other.errors:  # refused, or no calendar server here: nothing partial leaks
                assert other.data is None
            else:
                rows = other.ok()["allocation"]["rows"]
                assert {row["town"]["slug"] for row in rows} <= mine
            assert await snapshot(services) == before


async def own_workspace(services: Services, town_id: str) -> str:
    async with services.sessions() as session:
        found = await session.scalar(select(Workspace.id).where(Workspace.owner_town_id == town_id))
    assert found is not None
    return found


async def personal_data_stays_inside(
    gql: GraphQLClient, world: World, token: str, person: str, protected: set[str], every: bool
) -> bool:
    """A person's data for their DPO: refused unless the caller is the DPO of a town whose
    records hold them, and then only those towns' part; never an erasure of an active member.
    A refused person is asked every operation when ``every`` (else their data alone, to keep
    the property quick); True when they were."""
    async with world.services.sessions() as session:
        members = [
            m.town_id
            for m in await session.scalars(select(Membership).where(Membership.person_id == person))
        ]
        linked = await linked_towns(session, person, members)
    slugs = {town.id: slug for slug, town in world.towns.items()}
    refused = not linked & protected
    for label, operation in PERSONAL.items():
        if refused and not every and label != "personal":
            continue
        reply = await gql(operation, {"p": person}, token=token)
        if refused:
            assert set(reply.codes) <= {"FORBIDDEN", "NOT_FOUND"} and reply.codes, (label, reply)
            assert reply.data is None
        elif label == "erase":  # everyone here is active: CONFLICT (or one's own: FORBIDDEN)
            assert reply.codes and set(reply.codes) <= {"CONFLICT", "FORBIDDEN"}, reply
        elif label == "personal":
            seen = {t["slug"] for t in reply.ok()["personalData"]["towns"]}
            assert seen == {slugs[t] for t in linked & protected}
        else:
            url = reply.ok()["exportPersonalData"]["downloadUrl"]
            data = (await gql.http.get(url, headers={"Authorization": f"Bearer {token}"})).json()
            allowed = {slugs[t] for t in protected}
            assert {t["slug"] for t in data["towns"]} <= allowed
            assert {m["town"] for m in data["memberships"]} <= allowed
            assert {e["town"] for e in data["audit"]} <= allowed | {None}
    return refused


async def lists_stay_inside(
    gql: GraphQLClient, token: str, mine: set[str], working: set[str]
) -> None:
    data = (await gql(LISTS, token=token)).ok()
    # a DPO sees the town and its people, never its files
    for workspace in data["workspaces"]:
        assert {t["slug"] for t in workspace["towns"]} & working, workspace
    seen = {t["slug"] for t in data["towns"]}
    for town in data["towns"]:
        for member in town["members"]:
            seen |= {m["town"]["slug"] for m in member["person"]["memberships"]}
    for person in data["people"]:
        seen |= {m["town"]["slug"] for m in person["memberships"]}
    for workspace in data["workspaces"]:
        seen |= {t["slug"] for t in workspace["towns"]}
    seen |= {m["town"]["slug"] for m in data["me"]["memberships"]}
    assert seen <= mine
    month = await gql(ALLOCATION, token=token)
    if month.errors:  # no calendar server in this test: the report is refused, never partial
        assert month.data is None
    else:
        assert {row["town"]["slug"] for row in month.ok()["allocation"]["rows"]} <= mine
