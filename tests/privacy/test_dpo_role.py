"""The DPO role: a town's people, audit log and register; none of its files or agenda."""

from __future__ import annotations

from hub.people.models import Role
from hub.services import Services
from tests.identity.test_tenant_isolation import own_workspace
from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

PEOPLE = """query { town(slug: "igny") { members { person { username } role } }
people { username } }"""
AUDIT = "query($t: String) { auditLog(town: $t) { entries { action town { slug } } } }"
FILES = "query { workspaces { id } }"
WORKSPACE = "query($w: ID!) { workspace(id: $w) { name } }"
TOWN_FILES = 'query { town(slug: "igny") { name workspace { entries { name } } } }'
RECENT = 'query { town(slug: "igny") { workspace { recentFiles { name } } } }'
AGENDA = """query($t: [String!]) { agenda(start: "2026-11-02T00:00:00+01:00",
end: "2026-11-09T00:00:00+01:00", towns: $t) { events { title } errors { town { slug } } } }"""
CREATE = """mutation { createEvent(input: {town: "igny", title: "Réunion",
start: "2026-11-26T10:00:00+01:00", end: "2026-11-26T11:00:00+01:00"}) { id } }"""
OWN_REPORT = 'query { allocation(month: "2026-11") { rows { town { slug } } } }'


async def dpo_of_igny(world: World) -> str:
    await essonne(world)
    await world.person("sophie")
    await world.member("sophie", "igny", Role.DPO)
    return world.token("sophie")


async def test_a_dpo_sees_the_towns_people_and_reads_its_audit_log(
    gql: GraphQLClient, world: World
) -> None:
    # given Sophie, the DPO of Igny
    sophie = await dpo_of_igny(world)
    # when she reads Igny's people and audit log
    people = (await gql(PEOPLE, token=sophie)).ok()
    own = await gql(AUDIT, {"t": "igny"}, token=sophie)
    every = await gql(AUDIT, {"t": None}, token=sophie)
    other = await gql(AUDIT, {"t": "bievres"}, token=sophie)
    # then she sees Igny's team with her own role, and Igny's entries only
    members = {(m["person"]["username"], m["role"]) for m in people["town"]["members"]}
    assert members == {("camille", "MANAGER"), ("louis", "STAFF"), ("sophie", "DPO")}
    assert {p["username"] for p in people["people"]} == {"camille", "louis", "sophie"}
    assert own.ok()["auditLog"]["entries"]
    towns = {e["town"]["slug"] for e in every.ok()["auditLog"]["entries"] if e["town"]}
    assert towns == {"igny"}
    assert other.codes == ["FORBIDDEN"]


async def test_a_dpo_opens_none_of_the_towns_files(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    # given Sophie, the DPO of Igny, and Igny's workspace
    sophie = await dpo_of_igny(world)
    igny = await own_workspace(services, world.towns["igny"].id)
    # when she looks for files every way the API offers
    listed = (await gql(FILES, token=sophie)).ok()
    opened = await gql(WORKSPACE, {"w": igny}, token=sophie)
    through_town = await gql(TOWN_FILES, token=sophie)
    recent = await gql(RECENT, token=sophie)
    download = await gql.http.get(
        f"/download/{igny}", params={"path": "/x.pdf"}, headers=bearer(sophie)
    )
    # then every one is refused, before any file server is asked
    assert listed["workspaces"] == []
    assert opened.codes == ["FORBIDDEN"]
    assert through_town.codes == ["FORBIDDEN"] and through_town.data == {"town": None}
    assert recent.codes == ["FORBIDDEN"] and recent.data == {"town": None}
    assert download.status_code == 403


async def test_a_dpo_reads_and_writes_none_of_the_towns_agenda(
    gql: GraphQLClient, world: World
) -> None:
    # given Sophie, the DPO of Igny (and Louis, who works there)
    sophie = await dpo_of_igny(world)
    # when she asks for Igny's agenda, hers, or books an event there
    named = await gql(AGENDA, {"t": ["igny"]}, token=sophie)
    merged = (await gql(AGENDA, {"t": None}, token=sophie)).ok()
    created = await gql(CREATE, token=sophie)
    report = (await gql(OWN_REPORT, token=sophie)).ok()
    # then Igny's calendar is never read for her, nor written
    assert named.codes == ["FORBIDDEN"]
    assert merged["agenda"] == {"events": [], "errors": []}
    assert created.codes == ["FORBIDDEN"]
    assert report["allocation"]["rows"] == []
    # while Louis's agenda still reads Igny (and says no calendar server is configured here)
    louis = (await gql(AGENDA, {"t": None}, token=world.token("louis"))).ok()
    assert [e["town"]["slug"] for e in louis["agenda"]["errors"]] == ["igny"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
