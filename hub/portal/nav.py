"""What every signed-in page shows around its content: who I am, my towns, the menu."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.portal.web import Visit


@dataclass(frozen=True)
class Nav:
    name: str
    person_id: str
    hub_admin: bool
    memberships: list[dict[str, Any]]
    towns: list[dict[str, str]] = field(default_factory=list)

    @property
    def manager(self) -> bool:
        return any(m["role"] == "MANAGER" for m in self.memberships)

    @property
    def administered(self) -> list[str]:
        return [m["town"]["slug"] for m in self.memberships if m["role"] == "TOWN_ADMIN"]

    @property
    def admin(self) -> bool:
        return self.hub_admin or bool(self.administered)

    def administers(self, slug: str) -> bool:
        return self.hub_admin or slug in self.administered

    @property
    def protected(self) -> list[str]:
        """The towns whose DPO I am."""
        return [m["town"]["slug"] for m in self.memberships if m["role"] == "DPO"]

    @property
    def dpo(self) -> bool:
        """The data-protection page is mine (hub admins act as every town's DPO)."""
        return self.hub_admin or bool(self.protected)

    def protects(self, slug: str) -> bool:
        return self.hub_admin or slug in self.protected

    @property
    def works(self) -> bool:
        """Files and agendas are mine somewhere (a DPO alone has none to show)."""
        return (
            self.hub_admin
            or not self.memberships
            or any(m["role"] != "DPO" for m in self.memberships)
        )

    def works_in(self, slug: str) -> bool:
        """The town's files and agenda are open to me (not to its DPO)."""
        return self.hub_admin or any(
            m["town"]["slug"] == slug and m["role"] != "DPO" for m in self.memberships
        )

    @property
    def town_order(self) -> dict[str, int]:
        """Each town's colour: its place in the alphabetical list of the towns I see."""
        return {town["slug"]: index for index, town in enumerate(self.towns)}


async def page(visit: Visit) -> Nav:
    me = await visit.run("Me")
    visit.refuse_unless_ok(me)
    towns = await visit.run("TownList")
    data = me.data["me"]
    return Nav(
        name=data["person"]["displayName"],
        person_id=data["person"]["id"],
        hub_admin=data["hubAdmin"],
        memberships=data["memberships"],
        towns=sorted(towns.data.get("towns") or [], key=lambda t: t["name"]),
    )
