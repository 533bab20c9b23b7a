"""Reading the audit trail: paging and who may read what."""

from __future__ import annotations

from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

PAGE = """
query Page($town: String, $first: Int, $after: String) {
  auditLog(town: $town, first: $first, after: $after) {
    entries { at actor action target outcome town { slug } } next
  }
}
"""


async def test_pages_follow_each_other_without_overlap(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    token = world.token("admin")
    everything = (await gql(PAGE, {"first": 50}, token=token)).ok()["auditLog"]

    pages, after = [], None
    while True:
        page = (await gql(PAGE, {"first": 2, "after": after}, token=token)).ok()["auditLog"]
        pages.append(page["entries"])
        after = page["next"]
        if after is None:
            break

    assert everything["next"] is None
    assert len(everything["entries"]) >= 6  # each town: provisioned, and its directory step
    assert [e for page in pages for e in page] == everything["entries"]
    assert all(len(page) == 2 for page in pages[:-1])
    assert [e["target"] for e in everything["entries"] if e["action"] == "town.provision"] == [
        "vauhallan",
        "bievres",
        "igny",
    ]
    assert all(e["at"].endswith("+00:00") for e in everything["entries"])


async def test_town_admins_read_their_towns_only(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    token = world.token("ines")

    own = (await gql(PAGE, {"town": "bievres"}, token=token)).ok()["auditLog"]["entries"]
    other = await gql(PAGE, {"town": "igny"}, token=token)
    everything = (await gql(PAGE, {}, token=token)).ok()["auditLog"]["entries"]

    assert own and all(e["town"] == {"slug": "bievres"} for e in own)
    assert other.codes == ["FORBIDDEN"]
    assert everything == own


async def test_staff_cannot_read_the_audit_log(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    assert (await gql(PAGE, {}, token=world.token("louis"))).codes == ["FORBIDDEN"]
    assert (await gql(PAGE, {"town": "igny"}, token=world.token("camille"))).codes == ["FORBIDDEN"]


async def test_bad_cursor_and_page_size_are_bad_input(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    token = world.token("admin")

    assert (await gql(PAGE, {"after": "bm9wZQ=="}, token=token)).codes == ["BAD_INPUT"]
    assert (await gql(PAGE, {"first": 0}, token=token)).codes == ["BAD_INPUT"]
    assert (await gql(PAGE, {"first": 1000}, token=token)).codes == ["BAD_INPUT"]
