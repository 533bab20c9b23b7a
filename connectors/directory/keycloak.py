"""The directory on Keycloak (26.x), through python-keycloak's async ``a_*`` methods.

The hub signs in as the service account of a confidential client (client credentials grant);
that account needs the ``realm-management`` roles ``manage-users`` and ``view-users``, plus
``manage-realm`` when organisations are used (Keycloak guards every organisation endpoint with
it).

Layout in the realm: one top-level group (``/entente`` by default) with a child group per town
(``/entente/{slug}``) and, where the realm has ``organizationsEnabled``, one organisation per
town whose alias is the slug (``connectors.directory.keycloak_organizations``). Membership is
kept in both.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import (
    KeycloakError,
)

from connectors.directory.keycloak_organizations import Organizations
from connectors.directory.port import (
    Account,
    CreatedPerson,
    DirectoryPerson,
    TownGroup,
    TownHolding,
)
from connectors.errors import (
    Conflict,
    ConnectorError,
    NotFound,
    Unavailable,
    for_status,
)

BACKEND = "keycloak"
INVITATION_ACTIONS = ("UPDATE_PASSWORD", "VERIFY_EMAIL")

T = TypeVar("T")


def _message(exc: KeycloakError) -> str:
    body = exc.response_body
    if isinstance(body, bytes):
        try:
            decoded = json.loads(body)
        except ValueError:
            return body.decode("utf-8", "replace")[:200] or str(exc)
        if isinstance(decoded, dict):
            for key in ("errorMessage", "error_description", "error"):
                if isinstance(decoded.get(key), str):
                    return str(decoded[key])
    return str(exc.error_message or exc)


def translate(exc: KeycloakError, what: str) -> ConnectorError:
    """The connector error for a python-keycloak error, chosen by its HTTP status."""
    code = exc.response_code
    detail = f"{what}: {_message(exc)}"
    if code is None:
        return Unavailable(detail, backend=BACKEND)
    # 409 is Keycloak's "exists already" (user, group, member)
    return for_status(code, detail, backend=BACKEND, conflict_on=(409,))


def _split_name(display_name: str) -> tuple[str, str]:
    # Keycloak has no display name: keep everything up to the first space as the first name so
    # that "first last" joins back to the same text.
    first, _, last = display_name.strip().partition(" ")
    return first, last.strip()


class KeycloakDirectory:
    """A :class:`connectors.directory.port.Directory` on one Keycloak realm."""

    def __init__(
        self,
        server_url: str,
        realm: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        organizations: bool | None = None,
        parent_group: str = "entente",
        page_size: int = 100,
        invitation_client_id: str | None = None,
        invitation_redirect_uri: str | None = None,
        invitation_lifespan: int = 7 * 24 * 3600,
    ) -> None:
        """``organizations=None`` reads ``organizationsEnabled`` from the realm on first use."""
        self.realm = realm
        self._parent_name = parent_group
        self._parent_id: str | None = None
        self._page_size = page_size
        self._towns: dict[str, TownGroup] = {}
        self._invitation_client_id = invitation_client_id
        self._invitation_redirect_uri = invitation_redirect_uri
        self._invitation_lifespan = invitation_lifespan
        self._connection = KeycloakOpenIDConnection(
            server_url=server_url.rstrip("/") + "/",
            realm_name=realm,
            client_id=client_id,
            client_secret_key=client_secret,
            grant_type="client_credentials",
            timeout=timeout,  # type: ignore[arg-type]  # httpx takes a float; the hint says int
        )
        self._admin = KeycloakAdmin(connection=self._connection)
        self._organizations = Organizations(
            self._admin, self._connection, realm, self._call, page_size, organizations
        )

    async def _call(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except KeycloakError as exc:
            raise translate(exc, what) from exc
        except (TypeError, ValueError, KeyError) as exc:
            # python-keycloak raises these when the answer is not the JSON it expects.
            raise Unavailable(f"{what}: unexpected answer ({exc})", backend=BACKEND) from exc

    # -- people ---------------------------------------------------------------------------

    async def create_person(self, person: DirectoryPerson, *, invite: bool = True) -> CreatedPerson:
        """``POST users`` (201 + Location), then ``PUT users/{id}/execute-actions-email``."""
        first, last = _split_name(person.display_name)
        payload = {
            "username": person.username,
            "email": person.email,
            "firstName": first,
            "lastName": last,
            "enabled": True,
            "emailVerified": False,
        }
        person_id = await self._call(
            f"create user {person.username}", lambda: self._admin.a_create_user(payload)
        )
        if not invite:
            return CreatedPerson(id=person_id, invitation_sent=False)
        try:
            await self.send_invitation(person_id)
        except ConnectorError as exc:
            return CreatedPerson(id=person_id, invitation_sent=False, invitation_error=str(exc))
        return CreatedPerson(id=person_id, invitation_sent=True)

    async def send_invitation(self, person_id: str) -> None:
        """``PUT users/{id}/execute-actions-email`` with UPDATE_PASSWORD and VERIFY_EMAIL."""
        await self._call(
            f"send invitation to {person_id}",
            lambda: self._admin.a_send_update_account(
                person_id,
                list(INVITATION_ACTIONS),
                client_id=self._invitation_client_id,
                lifespan=self._invitation_lifespan,
                redirect_uri=self._invitation_redirect_uri,
            ),
        )

    async def find_person(self, username: str) -> str | None:
        """``GET users?username={u}&exact=true&briefRepresentation=true``."""
        query = {
            "username": username,
            "exact": "true",
            "briefRepresentation": "true",
            "first": 0,
            "max": 2,
        }
        users = await self._call(f"find user {username}", lambda: self._admin.a_get_users(query))
        wanted = username.lower()  # Keycloak stores usernames in lower case
        for user in users:
            if str(user.get("username", "")).lower() == wanted:
                return str(user["id"])
        return None

    async def update_person(self, person_id: str, display_name: str, email: str) -> None:
        """``PUT users/{id}`` with firstName, lastName and email."""
        first, last = _split_name(display_name)
        payload = {"firstName": first, "lastName": last, "email": email}
        await self._call(
            f"update user {person_id}", lambda: self._admin.a_update_user(person_id, payload)
        )

    async def disable_person(self, person_id: str) -> None:
        """``PUT users/{id}`` with ``enabled: false``."""
        await self._call(f"disable user {person_id}", lambda: self._admin.a_disable_user(person_id))

    async def enable_person(self, person_id: str) -> None:
        """``PUT users/{id}`` with ``enabled: true``."""
        await self._call(f"enable user {person_id}", lambda: self._admin.a_enable_user(person_id))

    async def delete_person(self, person_id: str) -> None:
        """``DELETE users/{id}``; Keycloak drops the account's groups and organisations with
        it. A 404 means the account is gone already, which is what was asked."""
        with contextlib.suppress(NotFound):
            await self._call(
                f"delete user {person_id}", lambda: self._admin.a_delete_user(person_id)
            )

    # -- towns ----------------------------------------------------------------------------

    async def _group_by_path(self, path: str) -> dict[str, Any] | None:
        try:
            return await self._call(
                f"find group /{path}", lambda: self._admin.a_get_group_by_path(path)
            )
        except NotFound:
            return None

    async def _ensure_group(self, path: str, name: str, parent_id: str | None) -> str:
        found = await self._group_by_path(path)
        if found is not None:
            return str(found["id"])
        try:
            created = await self._call(
                f"create group /{path}",
                lambda: self._admin.a_create_group({"name": name}, parent=parent_id),
            )
        except Conflict:
            # Someone created it between our lookup and our POST: theirs is ours.
            found = await self._group_by_path(path)
            if found is None:
                raise
            return str(found["id"])
        if not created:
            raise Unavailable(f"create group /{path}: no Location in the answer", backend=BACKEND)
        return str(created)

    async def _parent_group_id(self) -> str:
        if self._parent_id is None:
            self._parent_id = await self._ensure_group(self._parent_name, self._parent_name, None)
        return self._parent_id

    async def organizations_enabled(self) -> bool:
        return await self._organizations.enabled()

    async def ensure_town_group(self, slug: str, name: str) -> TownGroup:
        """``GET group-by-path/{parent}/{slug}``, else ``POST groups/{parent}/children``; then
        the organisation: ``GET organizations?first&max``, else ``POST organizations``."""
        parent_id = await self._parent_group_id()
        group_id = await self._ensure_group(f"{self._parent_name}/{slug}", slug, parent_id)
        org_id = None
        if await self.organizations_enabled():
            org_id = await self._organizations.ensure(slug, name)
        town = TownGroup(group_id=group_id, organization_id=org_id)
        self._towns[slug] = town
        return town

    async def _town(self, slug: str) -> TownGroup:
        town = self._towns.get(slug)
        if town is not None:
            return town
        group = await self._group_by_path(f"{self._parent_name}/{slug}")
        if group is None:
            raise NotFound(f"town group {slug} does not exist", backend=BACKEND)
        org = await self._organizations.find(slug) if await self.organizations_enabled() else None
        town = TownGroup(group_id=str(group["id"]), organization_id=str(org["id"]) if org else None)
        self._towns[slug] = town
        return town

    @contextlib.contextmanager
    def _forget_town_on_not_found(self, slug: str) -> Iterator[None]:
        # The remembered ids may point at a group someone deleted: look them up again next time.
        try:
            yield
        except NotFound:
            self._towns.pop(slug, None)
            raise

    async def add_member(self, slug: str, person_id: str) -> None:
        """``PUT users/{uid}/groups/{gid}``, then ``POST organizations/{id}/members``."""
        town = await self._town(slug)
        with self._forget_town_on_not_found(slug):
            await self._call(
                f"add {person_id} to {slug}",
                lambda: self._admin.a_group_user_add(person_id, town.group_id),
            )
            if town.organization_id is not None:
                await self._organizations.add_member(town.organization_id, person_id)

    async def remove_member(self, slug: str, person_id: str) -> None:
        """``DELETE users/{uid}/groups/{gid}``, then ``DELETE organizations/{id}/members/{uid}``.

        Keycloak answers 204 to leaving a group one is not in, and 404 to removing a
        non-member from an organisation: both mean the person is out.
        """
        town = await self._town(slug)
        with self._forget_town_on_not_found(slug):
            await self._call(
                f"remove {person_id} from {slug}",
                lambda: self._admin.a_group_user_remove(person_id, town.group_id),
            )
        if town.organization_id is not None:
            org_id = town.organization_id
            with contextlib.suppress(NotFound):
                await self._call(
                    f"remove {person_id} from organization {org_id}",
                    lambda: self._admin.a_organization_user_remove(person_id, org_id),
                )

    async def list_members(self, slug: str) -> list[str]:
        """``GET groups/{id}/members?first&max&briefRepresentation=true``, page by page."""
        town = await self._town(slug)
        with self._forget_town_on_not_found(slug):
            return [account.id for account in await self._group_accounts(slug, town.group_id)]

    async def _pages(
        self, what: str, fetch: Callable[[dict[str, Any]], Awaitable[list[dict[str, Any]]]]
    ) -> list[Account]:
        accounts: list[Account] = []
        first = 0
        while True:
            query = {"first": first, "max": self._page_size, "briefRepresentation": "true"}
            page = await self._call(what, functools.partial(fetch, query))
            accounts.extend(Account(str(u["id"]), str(u.get("username", ""))) for u in page)
            if len(page) < self._page_size:
                return accounts
            first += self._page_size

    async def _group_accounts(self, slug: str, group_id: str) -> list[Account]:
        return await self._pages(
            f"list members of {slug}",
            lambda query: self._admin.a_get_group_members(group_id, query),
        )

    async def inspect_town(self, slug: str) -> TownHolding:
        """``GET group-by-path/{parent}/{slug}`` and ``GET groups/{id}/members``; then
        ``GET organizations`` (for the alias) and ``GET organizations/{id}/members``, page by
        page. Read afresh, not from what this connector remembers: drift is exactly where
        that memory is wrong (it is refreshed here)."""
        self._towns.pop(slug, None)
        group = await self._group_by_path(f"{self._parent_name}/{slug}")
        members = await self._group_accounts(slug, str(group["id"])) if group else []
        holding = TownHolding(group=group is not None, group_members=tuple(members))
        org = None
        if await self.organizations_enabled():
            org = await self._organizations.find(slug)
            holding = replace(holding, organizations=True)
        if org is not None:
            org_id = str(org["id"])
            org_members = await self._pages(
                f"list members of organization {slug}",
                lambda query: self._admin.a_get_organization_members(org_id, query),
            )
            holding = replace(
                holding,
                organization_name=str(org.get("name", "")),
                organization_members=tuple(org_members),
            )
        if group is not None:
            self._towns[slug] = TownGroup(str(group["id"]), str(org["id"]) if org else None)
        return holding

    async def close(self) -> None:
        """Close the HTTP client python-keycloak opened."""
        await self._connection.aclose()
