"""What the hub needs from a people directory: accounts, town groups and their members."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DirectoryPerson:
    """A person as the hub describes them to the directory."""

    username: str
    display_name: str
    email: str


@dataclass(frozen=True)
class CreatedPerson:
    """The directory's answer to a new account.

    The account exists as soon as ``id`` is set; the invitation e-mail (set a password, verify
    the address) may still have failed, in which case ``invitation_error`` says why and the hub
    can send it again with :meth:`Directory.send_invitation`.
    """

    id: str
    invitation_sent: bool
    invitation_error: str | None = None


@dataclass(frozen=True)
class TownGroup:
    """Where a town lives in the directory: its group, and its organisation when there is one."""

    group_id: str
    organization_id: str | None


@dataclass(frozen=True)
class Account:
    """A directory account as a member list shows it."""

    id: str
    username: str


@dataclass(frozen=True)
class TownHolding:
    """What the directory holds for a town, read as it is (drift detection).

    ``group``: the town's group exists. ``organizations``: the directory keeps organisations
    at all (then ``organization_name`` is None when the town's is missing).
    """

    group: bool
    group_members: tuple[Account, ...] = ()
    organizations: bool = False
    organization_name: str | None = None
    organization_members: tuple[Account, ...] = ()


class Directory(Protocol):
    """A directory of people (Keycloak). Every method raises only ``connectors.errors``."""

    async def create_person(self, person: DirectoryPerson, *, invite: bool = True) -> CreatedPerson:
        """Create an account and, unless ``invite`` is false, send its invitation; Conflict if
        username or e-mail is taken."""
        ...

    async def send_invitation(self, person_id: str) -> None:
        """(Re)send the e-mail that lets the person set a password and verify the address."""
        ...

    async def find_person(self, username: str) -> str | None:
        """The directory id of the account with exactly this username, or None."""
        ...

    async def update_person(self, person_id: str, display_name: str, email: str) -> None:
        """Change the name and e-mail shown for an account."""
        ...

    async def disable_person(self, person_id: str) -> None:
        """Stop the account from signing in (it keeps its groups)."""
        ...

    async def enable_person(self, person_id: str) -> None:
        """Let a disabled account sign in again."""
        ...

    async def delete_person(self, person_id: str) -> None:
        """Delete the account for good, its group and organisation memberships with it (the
        right to erasure); an account already gone is fine."""
        ...

    async def ensure_town_group(self, slug: str, name: str) -> TownGroup:
        """Create the town's group (and organisation) unless they exist, and give the
        organisation the town's name; same ids every time."""
        ...

    async def inspect_town(self, slug: str) -> TownHolding:
        """Read the town's group and organisation with their members; creates nothing, and
        a missing group or organisation is said, not raised."""
        ...

    async def add_member(self, slug: str, person_id: str) -> None:
        """Put the person in the town; adding a member twice is fine."""
        ...

    async def remove_member(self, slug: str, person_id: str) -> None:
        """Take the person out of the town; removing a non-member is fine."""
        ...

    async def list_members(self, slug: str) -> list[str]:
        """Directory ids of everyone in the town."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
