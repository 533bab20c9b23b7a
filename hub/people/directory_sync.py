"""Mirroring the hub's people and memberships into the directory, one call at a time.

Every call runs inside the hub's own transaction (services flush, `audited` commits): if the
directory fails, the hub's change is rolled back and the caller gets BACKEND_UNAVAILABLE.
Directory operations are idempotent, so repeating the same mutation converges — an account a
failed attempt left in the directory is found and adopted, not duplicated.

In embedded mode the directory is the hub's own tables (``LocalDirectory``): the transaction
that writes a person's row and memberships has put them "in the directory" already, and the
account's id follows from the username. Mirroring then costs nothing: no lookup of the person
or the town through sessions of the directory's own (two connections, three round trips each,
for every person added), only the id written with the person's row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from connectors.directory.port import Directory, DirectoryPerson
from connectors.errors import Conflict as DirectoryConflict
from connectors.errors import ConnectorError, RequestError
from hub.backend_errors import Wording, api_error
from hub.errors import BackendUnavailable, Conflict
from hub.people.local_directory import LocalDirectory
from hub.people.models import Person
from hub.towns.provisioning import TownRef

T = TypeVar("T")


@dataclass
class DirectorySync:
    directory: Directory
    timeout: float
    # Set when the directory created an account but could not e-mail its invitation: the
    # account stands, and the refusal is audited so an administrator can resend it.
    invitation_error: str | None = None

    async def _call(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call()
        except (ConnectorError, TimeoutError) as exc:
            error = api_error(exc, Wording(what=what, server="directory"))
            if isinstance(exc, DirectoryConflict):
                raise Conflict(f"The directory refused to {what}: {exc}") from exc
            if isinstance(error, BackendUnavailable) or not isinstance(exc, RequestError):
                raise error from exc
            # any other refusal: the hub's change is undone, whatever the directory said
            raise BackendUnavailable(
                f"The directory refused to {what}; nothing was changed ({exc})."
            ) from exc

    @property
    def hub_is_directory(self) -> bool:
        """Embedded mode: the hub's rows are the accounts and the town's members."""
        return isinstance(self.directory, LocalDirectory)

    def name(self, person: Person) -> None:
        """Give a person without a directory id the one the hub's own directory derives from
        the username, so that a new person's row is written with it at once; other
        directories name an account only when they create it (``account``)."""
        if not person.directory_id and isinstance(self.directory, LocalDirectory):
            person.directory_id = self.directory.account_id(person.username)

    async def account(self, person: Person) -> str:
        """The person's directory id, creating (or adopting) the account when needed."""
        self.name(person)
        if person.directory_id:
            return person.directory_id
        existing = await self._call(
            "look the person up", lambda: self.directory.find_person(person.username)
        )
        if existing is None:
            described = DirectoryPerson(person.username, person.display_name, person.email)
            created = await self._call(
                "create the account",
                lambda: self.directory.create_person(described, invite=False),
            )
            existing = created.id
            self.invitation_error = await self._invite(existing)
        person.directory_id = existing
        return existing

    async def _invite(self, account: str) -> str | None:
        """Send the invitation; why it failed, or None. Apart from creating the account: the
        directory sends the e-mail before it answers, and a slow mail server must not undo an
        account that exists (the refusal is audited, and the invitation can be sent again)."""
        try:
            async with asyncio.timeout(self.timeout):
                await self.directory.send_invitation(account)
        except TimeoutError:
            return "the directory did not confirm the invitation e-mail in time"
        except ConnectorError as exc:
            return str(exc)
        return None

    async def join(self, person: Person, slug: str) -> None:
        """Put the person in the town's group. The callers have read the town in the same
        transaction, whose membership row is the hub's own directory's."""
        account = await self.account(person)
        if self.hub_is_directory:
            return
        await self._call(
            f"add {person.username} to {slug}", lambda: self.directory.add_member(slug, account)
        )

    async def leave(self, person: Person, slug: str) -> None:
        account = await self.account(person)
        if self.hub_is_directory:
            return
        await self._call(
            f"remove {person.username} from {slug}",
            lambda: self.directory.remove_member(slug, account),
        )

    async def disable(self, person: Person) -> None:
        account = await self.account(person)
        await self._call(
            f"disable {person.username}", lambda: self.directory.disable_person(account)
        )

    async def delete(self, person: Person) -> None:
        """Delete the person's account, if the directory has one (never creates it)."""
        account = person.directory_id or await self._call(
            "look the person up", lambda: self.directory.find_person(person.username)
        )
        if account is not None:
            await self._call(
                f"delete the account of {person.username}",
                lambda: self.directory.delete_person(account),
            )


@dataclass
class DirectoryStep:
    """The provisioning step that gives a town its group (and organisation) in the directory."""

    directory: Directory
    name: str = "directory"

    async def run(self, town: TownRef) -> None:
        await self.directory.ensure_town_group(town.slug, town.name)
