"""Shared bits of the data-protection tests: operations, a territory with a DPO."""

from __future__ import annotations

import json
from typing import Any

import httpx

from hub.people.models import Role
from tests.support.graphql import GraphQLClient, operation
from tests.support.territory import essonne
from tests.support.world import World

EXPORT = operation("scripts/PrivacyExport")
ERASE = operation("scripts/PrivacyErase")
PERSONAL_DATA = operation("scripts/PrivacyPersonalData")
OFFBOARD = "mutation($p: ID!) { offboardStaff(person: $p) { active } }"


async def with_dpo(world: World) -> World:
    """The demo's shape and Sophie, DPO of Igny and Vauhallan."""
    await essonne(world)
    await world.person("sophie")
    await world.member("sophie", "igny", Role.DPO)
    await world.member("sophie", "vauhallan", Role.DPO)
    return world


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def export(gql: GraphQLClient, token: str, person: str) -> dict[str, Any]:
    return dict((await gql(EXPORT, {"person": person}, token=token)).ok()["exportPersonalData"])


async def fetch_json(http: httpx.AsyncClient, url: str, token: str) -> dict[str, Any]:
    response = await http.get(url, headers=bearer(token))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = json.loads(response.content)
    return found


async def offboard(gql: GraphQLClient, world: World, username: str) -> None:
    reply = await gql(OFFBOARD, {"p": world.people[username].id}, token=world.token("admin"))
    assert reply.ok()["offboardStaff"]["active"] is False
