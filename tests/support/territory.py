"""The demo's shape, small: three towns, a pooled manager, a staff member, a town admin."""

from __future__ import annotations

from hub.people.models import Role
from tests.support.world import World


async def essonne(world: World) -> World:
    await world.town("igny", "Igny", "91312")
    await world.town("bievres", "Bièvres", "91064")
    await world.town("vauhallan", "Vauhallan", "91635")
    await world.person("admin", hub_admin=True)
    for name in ("camille", "louis", "ines"):
        await world.person(name)
    await world.member("camille", "igny", Role.MANAGER, 0.5)
    await world.member("camille", "bievres", Role.MANAGER, 0.3)
    await world.member("camille", "vauhallan", Role.MANAGER, 0.2)
    await world.member("louis", "igny", Role.STAFF)
    await world.member("ines", "bievres", Role.TOWN_ADMIN)
    return world
