"""provisionTown: idempotent, validated, audited, resumable."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from connectors.errors import Unavailable
from hub.services import Services
from hub.towns.provisioning import TownRef
from tests.support.graphql import GraphQLClient
from tests.support.world import World

PROVISION = """
mutation Provision($input: ProvisionTownInput!) {
  provisionTown(input: $input) {
    id slug name inseeCode
    workspace { name towns { slug } }
    provisioning { state steps { name done error } }
  }
}
"""
TOWNS = "query { towns { slug name } }"  # the minimal form; scripts use Towns.graphql
AUDIT = "query { auditLog(first: 20) { entries { actor action target outcome town { slug } } } }"


def town_input(slug: str = "massy", name: str = "Massy", insee: str = "91377") -> dict[str, object]:
    return {"input": {"slug": slug, "name": name, "inseeCode": insee}}


async def test_admin_provisions_a_town_with_its_workspace(gql: GraphQLClient, world: World) -> None:
    await world.person("admin", hub_admin=True)

    town = (await gql(PROVISION, town_input(), token=world.token("admin"))).ok()["provisionTown"]

    assert (town["slug"], town["name"], town["inseeCode"]) == ("massy", "Massy", "91377")
    assert town["workspace"] == {"name": "Massy", "towns": [{"slug": "massy"}]}
    assert town["provisioning"]["state"] == "COMPLETE"


async def test_same_slug_and_data_returns_the_same_town(gql: GraphQLClient, world: World) -> None:
    await world.person("admin", hub_admin=True)
    token = world.token("admin")

    first = (await gql(PROVISION, town_input(), token=token)).ok()["provisionTown"]
    second = (await gql(PROVISION, town_input(), token=token)).ok()["provisionTown"]

    assert first["id"] == second["id"]
    assert len((await gql(TOWNS, token=token)).ok()["towns"]) == 1


async def test_same_slug_other_name_is_a_conflict_and_changes_nothing(
    gql: GraphQLClient, world: World
) -> None:
    await world.person("admin", hub_admin=True)
    token = world.token("admin")
    await gql(PROVISION, town_input(), token=token)

    reply = await gql(PROVISION, town_input(name="Massy-Palaiseau"), token=token)

    assert reply.codes == ["CONFLICT"]
    assert (await gql(TOWNS, token=token)).ok()["towns"] == [{"slug": "massy", "name": "Massy"}]


async def test_an_insee_code_belongs_to_one_town(gql: GraphQLClient, world: World) -> None:
    await world.person("admin", hub_admin=True)
    token = world.token("admin")
    await gql(PROVISION, town_input(), token=token)

    reply = await gql(PROVISION, town_input(slug="massy-bis"), token=token)

    assert reply.codes == ["CONFLICT"]


@pytest.mark.parametrize("insee", ["9131", "913120", "20004", "96001", "00001", "2C004", "abcde"])
async def test_invalid_insee_codes_are_refused(
    gql: GraphQLClient, world: World, insee: str
) -> None:
    await world.person("admin", hub_admin=True)

    reply = await gql(PROVISION, town_input(insee=insee), token=world.token("admin"))

    assert reply.codes == ["BAD_INPUT"]
    assert reply.errors[0]["extensions"]["field"] == "inseeCode"
    assert (await gql(TOWNS, token=world.token("admin"))).ok()["towns"] == []


@pytest.mark.parametrize("insee", ["2A004", "2b033", "97411", "97611", "98735", "01001"])
async def test_corsica_and_overseas_codes_are_accepted(
    gql: GraphQLClient, world: World, insee: str
) -> None:
    await world.person("admin", hub_admin=True)

    reply = await gql(PROVISION, town_input(insee=insee), token=world.token("admin"))

    assert reply.ok()["provisionTown"]["inseeCode"] == insee.upper()


@pytest.mark.parametrize("slug", ["a", "Igny", "igny_2", "-igny", "igny-", "x" * 64, "ïgny"])
async def test_invalid_slugs_are_refused(gql: GraphQLClient, world: World, slug: str) -> None:
    await world.person("admin", hub_admin=True)

    reply = await gql(PROVISION, town_input(slug=slug), token=world.token("admin"))

    assert reply.codes == ["BAD_INPUT"]


async def test_only_hub_admins_provision(gql: GraphQLClient, world: World) -> None:
    await world.town("igny", "Igny", "91312")
    await world.person("ines")
    from hub.people.models import Role

    await world.member("ines", "igny", Role.TOWN_ADMIN)

    reply = await gql(PROVISION, town_input(), token=world.token("ines"))

    assert reply.codes == ["FORBIDDEN"]


async def test_every_attempt_is_in_the_audit_log(gql: GraphQLClient, world: World) -> None:
    await world.person("admin", hub_admin=True)
    token = world.token("admin")

    await gql(PROVISION, town_input(), token=token)
    await gql(PROVISION, town_input(), token=token)
    await gql(PROVISION, town_input(name="Autre"), token=token)
    await gql(PROVISION, town_input(slug="palaiseau", insee="9131"), token=token)

    entries = (await gql(AUDIT, token=token)).ok()["auditLog"]["entries"]
    provisions = [
        (e["target"], e["outcome"], e["town"]) for e in entries if e["action"] == "town.provision"
    ]
    assert provisions == [
        ("palaiseau", "BAD_INPUT", None),
        ("massy", "CONFLICT", None),
        ("massy", "ok", {"slug": "massy"}),
        ("massy", "ok", {"slug": "massy"}),
    ]
    assert {e["actor"] for e in entries} == {"admin"}


@dataclass
class FlakyStep:
    """A backend step that fails until told to work (an in-process fake backend)."""

    name: str = "files"
    working: bool = False
    runs: int = 0

    async def run(self, town: TownRef) -> None:
        self.runs += 1
        if not self.working:
            raise Unavailable("PROPFIND /massy: ClientConnectorError", backend="webdav")


async def test_a_failed_step_is_recorded_and_resumed(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    step = FlakyStep()
    services.provisioning_steps = [step]
    await world.person("admin", hub_admin=True)
    token = world.token("admin")

    failed = (await gql(PROVISION, town_input(), token=token)).ok()["provisionTown"]
    step.working = True
    resumed = (await gql(PROVISION, town_input(), token=token)).ok()["provisionTown"]
    again = (await gql(PROVISION, town_input(), token=token)).ok()["provisionTown"]

    assert failed["provisioning"] == {
        "state": "FAILED",
        "steps": [
            {
                "name": "files",
                "done": False,
                # a short sentence; the raw exception is in the log only
                "error": "The file server (WebDAV) is not answering; try again later.",
            }
        ],
    }
    assert resumed["id"] == failed["id"]
    assert resumed["provisioning"] == {
        "state": "COMPLETE",
        "steps": [{"name": "files", "done": True, "error": None}],
    }
    assert again["provisioning"]["state"] == "COMPLETE"
    assert step.runs == 2  # a done step is not run again
