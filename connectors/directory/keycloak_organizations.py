"""Keycloak organisations, one per town (its alias is the town's slug): found across pages,
made, named after the town, and given members. Part of ``connectors.directory.keycloak``.

One call goes through the connection's raw async helper instead of a python-keycloak method:
adding a member, because ``a_organization_user_add`` posts the id unquoted, which is not JSON
(Keycloak 26 reads a quoted or bare id since keycloak/keycloak#34401; the quoted form is what
its own admin client sends since keycloak/keycloak#44193 and what a filtering proxy lets
through). Renaming goes through it too: ``a_update_organization`` expects a JSON answer to
Keycloak's 204.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakPostError, KeycloakPutError, raise_error_from_response

from connectors.errors import Conflict, Unavailable

BACKEND = "keycloak"
T = TypeVar("T")


class Caller(Protocol):
    """The directory's one way to call Keycloak, its errors translated."""

    def __call__(self, what: str, call: Callable[[], Awaitable[T]]) -> Awaitable[T]: ...


class Organizations:
    def __init__(
        self,
        admin: KeycloakAdmin,
        connection: KeycloakOpenIDConnection,
        realm: str,
        call: Caller,
        page_size: int,
        enabled: bool | None,
    ) -> None:
        """``enabled=None`` reads ``organizationsEnabled`` from the realm on first use."""
        self._admin = admin
        self._connection = connection
        self.realm = realm
        self._call = call
        self._page_size = page_size
        self._enabled = enabled

    async def enabled(self) -> bool:
        """``GET /admin/realms/{realm}``: its ``organizationsEnabled`` (once, then remembered).

        The full representation needs ``view-realm`` or ``manage-realm``; without either
        Keycloak answers with the realm name only, which reads here as "no organisations".
        """
        if self._enabled is None:
            rep = await self._call(
                f"read realm {self.realm}", lambda: self._admin.a_get_realm(self.realm)
            )
            self._enabled = bool(rep.get("organizationsEnabled", False))
        return self._enabled

    async def find(self, slug: str) -> dict[str, Any] | None:
        """``GET organizations?first&max``, page by page, for the one whose alias is the slug.

        Exact search only matches names and domains, and ``max`` defaults to 10, so every page
        is asked for explicitly.
        """
        first = 0
        while True:
            query = {"first": first, "max": self._page_size, "briefRepresentation": "true"}
            page = await self._call(
                "list organizations", functools.partial(self._admin.a_get_organizations, query)
            )
            for org in page:
                if org.get("alias") == slug:
                    return dict(org)
            if len(page) < self._page_size:
                return None
            first += self._page_size

    async def _rename(self, org_id: str, name: str) -> None:
        """``GET organizations/{id}``, then ``PUT`` it back with the new name: the whole
        representation, since Keycloak sets every field from it (domains included).
        python-keycloak's ``a_update_organization`` expects a JSON answer to the 204."""
        current = await self._call(
            f"read organization {org_id}", lambda: self._admin.a_get_organization(org_id)
        )

        async def put() -> None:
            url = f"admin/realms/{self.realm}/organizations/{org_id}"
            body = json.dumps({**current, "name": name})
            response = await self._connection.a_raw_put(url, data=body)
            raise_error_from_response(response, KeycloakPutError, expected_codes=[204])

        await self._call(f"rename organization {org_id}", put)

    async def ensure(self, slug: str, name: str) -> str:
        found = await self.find(slug)
        if found is not None:
            if found.get("name") != name:
                await self._rename(str(found["id"]), name)
            return str(found["id"])
        payload = {"name": name, "alias": slug, "enabled": True, "domains": []}
        try:
            created = await self._call(
                f"create organization {slug}",
                lambda: self._admin.a_create_organization(payload),
            )
        except Conflict:
            found = await self.find(slug)
            if found is None:
                raise  # the name belongs to another organisation
            return str(found["id"])
        if not created:
            raise Unavailable(f"create organization {slug}: no Location", backend=BACKEND)
        return str(created)

    async def add_member(self, org_id: str, person_id: str) -> None:
        """``POST organizations/{id}/members`` with the id as a JSON string, via ``a_raw_post``."""

        async def post() -> None:
            url = f"admin/realms/{self.realm}/organizations/{org_id}/members"
            response = await self._connection.a_raw_post(url, data=json.dumps(person_id))
            raise_error_from_response(response, KeycloakPostError, expected_codes=[201])

        with contextlib.suppress(Conflict):  # already a member
            await self._call(f"add {person_id} to organization {org_id}", post)
