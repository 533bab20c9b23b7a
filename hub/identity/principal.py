"""Who is calling, with their roles read from the hub's database (never from the request)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from hub.errors import Forbidden
from hub.people.models import Membership, Person, Role


@dataclass(frozen=True)
class Caller:
    """What authentication read about the caller besides their rights, in the same read:
    ``me`` answers from it without reading the person and their memberships again."""

    display_name: str
    email: str
    active: bool
    shares: Mapping[str, float | None] = field(default_factory=dict)  # town id -> share
    mandate_ends: Mapping[str, date] = field(default_factory=dict)  # town id -> ELECTED's end


@dataclass(frozen=True)
class Principal:
    person_id: str
    username: str
    hub_admin: bool
    roles: Mapping[str, Role] = field(default_factory=dict)  # town id -> role
    caller: Caller | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        person: Person,
        memberships: Iterable[Membership],
        on: date,
        *,
        with_caller: bool = False,
    ) -> Principal:
        """Roles held ``on`` that day: an elected official's ends with the mandate."""
        rows = [m for m in memberships if m.current(on)]
        caller = Caller(
            person.display_name,
            person.email,
            person.active,
            {m.town_id: m.share for m in rows},
            {m.town_id: m.mandate_end for m in rows if m.mandate_end is not None},
        )
        return cls(
            person_id=person.id,
            username=person.username,
            hub_admin=person.hub_admin,
            roles={m.town_id: m.role for m in rows},
            caller=caller if with_caller else None,
        )

    def sees_town(self, town_id: str) -> bool:
        """The town, its people and their roles (every role, the DPO's included)."""
        return self.hub_admin or town_id in self.roles

    def works_in(self, town_id: str) -> bool:
        """The town's files and agenda: every role but the DPO's."""
        role = self.roles.get(town_id)
        return self.hub_admin or (role is not None and role is not Role.DPO)

    @property
    def working_towns(self) -> frozenset[str]:
        return frozenset(t for t, role in self.roles.items() if role is not Role.DPO)

    def protects(self, town_id: str) -> bool:
        """Data protection for the town: exports, erasures, retention, the register."""
        return self.hub_admin or self.roles.get(town_id) is Role.DPO

    @property
    def protected_towns(self) -> frozenset[str]:
        return frozenset(t for t, role in self.roles.items() if role is Role.DPO)

    def reads_audit(self, town_id: str) -> bool:
        return self.hub_admin or self.roles.get(town_id) in (Role.TOWN_ADMIN, Role.DPO)

    @property
    def audit_towns(self) -> frozenset[str]:
        """The towns whose audit log the caller reads (hub admins: every town)."""
        return frozenset(t for t in self.roles if self.reads_audit(t))

    def administers(self, town_id: str) -> bool:
        return self.hub_admin or self.roles.get(town_id) is Role.TOWN_ADMIN

    @property
    def administered_towns(self) -> frozenset[str]:
        return frozenset(t for t, role in self.roles.items() if role is Role.TOWN_ADMIN)

    def require_town(self, town_id: str, slug: str) -> None:
        if not self.sees_town(town_id):
            raise Forbidden(f"You are not a member of the town '{slug}'.")

    def require_works_in(self, town_id: str, slug: str) -> None:
        self.require_town(town_id, slug)
        if not self.works_in(town_id):
            raise Forbidden(f"Only the staff of '{slug}' may use its files and agenda.")

    def require_town_admin(self, town_id: str, slug: str) -> None:
        if not self.administers(town_id):
            raise Forbidden(f"Only the administrators of '{slug}' may manage its members.")

    def require_hub_admin(self) -> None:
        if not self.hub_admin:
            raise Forbidden("Only administrators of the shared service may do this.")
