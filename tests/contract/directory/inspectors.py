"""What a directory holds, read behind the connector's back: one view over the Keycloak
double's memory and one over a real Keycloak's admin API (as its bootstrap admin), so the same
contract tests check both.

The ``inspector`` fixture (a plugin of the suite, see tests/conftest.py) gives either, emptied.
An inspector answers in the double's terms: accounts as ``Account``, a town's group and
organisation by slug, members as sets of directory ids.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from keycloak.exceptions import KeycloakGetError

from tests.doubles.keycloak import KeycloakDouble
from tests.servers.keycloak import KeycloakServer

PARENT = "entente"


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    email: str | None
    first_name: str | None
    last_name: str | None
    enabled: bool


class Inspector(Protocol):
    name: str
    url: str
    realm: str
    client_id: str
    client_secret: str

    def reset(self) -> None: ...
    def account(self, username: str) -> Account | None: ...
    def account_count(self) -> int: ...
    def group_id(self, slug: str) -> str | None: ...
    def group_members(self, slug: str) -> set[str]: ...
    def organization_id(self, slug: str) -> str | None: ...
    def organization_name(self, slug: str) -> str | None: ...
    def organization_members(self, slug: str) -> set[str]: ...
    def organization_count(self) -> int: ...
    def invitations(self, username: str) -> list[list[str]]:
        """The required actions of each invitation e-mail the account was sent."""
        ...

    def set_organizations(self, enabled: bool) -> None:
        """Turn the realm's organisations on or off."""
        ...

    def set_mail_working(self, working: bool) -> None:
        """Let the realm send mail, or make every send fail."""
        ...

    # Changes made behind the hub's back, as an administrator would in Keycloak's console.
    def leave_group(self, slug: str, account_id: str) -> None:
        """Take the account out of the town's group (not its organisation)."""
        ...

    def delete_group(self, slug: str) -> None: ...
    def rename_organization(self, slug: str, name: str) -> None: ...


class DoubleInspector:
    name = "double"

    def __init__(self, kc: KeycloakDouble) -> None:
        self.kc = kc
        self.url, self.realm = kc.url, kc.realm
        self.client_id, self.client_secret = kc.client_id, kc.client_secret

    def reset(self) -> None:
        self.kc.reset()
        self.client_secret = self.kc.client_secret

    def account(self, username: str) -> Account | None:
        user = self.kc.user_by_username(username)
        if user is None:
            return None
        return Account(
            user.id, user.username, user.email, user.first_name, user.last_name, user.enabled
        )

    def account_count(self) -> int:
        return len(self.kc.users)

    def group_id(self, slug: str) -> str | None:
        group = self.kc.group_by_path(f"/{PARENT}/{slug}")
        return group.id if group else None

    def group_members(self, slug: str) -> set[str]:
        gid = self.group_id(slug)
        return self.kc.group_members(gid) if gid else set()

    def organization_id(self, slug: str) -> str | None:
        org = self.kc.organization_by_alias(slug)
        return org.id if org else None

    def organization_name(self, slug: str) -> str | None:
        org = self.kc.organization_by_alias(slug)
        return org.name if org else None

    def organization_members(self, slug: str) -> set[str]:
        org = self.kc.organization_by_alias(slug)
        return set(org.members) if org else set()

    def organization_count(self) -> int:
        return len(self.kc.organizations)

    def invitations(self, username: str) -> list[list[str]]:
        user = self.kc.user_by_username(username)
        return [list(mail["actions"]) for mail in user.action_emails] if user else []

    def set_organizations(self, enabled: bool) -> None:
        self.kc.organizations_enabled = enabled

    def set_mail_working(self, working: bool) -> None:
        self.kc.smtp_configured = working

    def leave_group(self, slug: str, account_id: str) -> None:
        gid = self.group_id(slug)
        assert gid is not None
        self.kc.users[account_id].groups.discard(gid)

    def delete_group(self, slug: str) -> None:
        gid = self.group_id(slug)
        assert gid is not None
        del self.kc.groups[gid]
        for user in self.kc.users.values():
            user.groups.discard(gid)

    def rename_organization(self, slug: str, name: str) -> None:
        org = self.kc.organization_by_alias(slug)
        assert org is not None
        org.name = name


def _action_token_actions(body: str) -> list[str] | None:
    """The required actions an execute-actions e-mail's link carries (its ``key`` is a JWT
    whose payload lists them as ``rqac``)."""
    found = re.search(r"action-token\?key=([A-Za-z0-9_\-.]+)", body)
    if not found:
        return None
    payload = found.group(1).split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    actions = decoded.get("rqac")
    return [str(a) for a in actions] if isinstance(actions, list) else None


class RealInspector:
    name = "keycloak"

    def __init__(self, server: KeycloakServer) -> None:
        self.server = server
        self.url, self.realm = server.url, server.realm
        self.client_id, self.client_secret = server.client_id, server.client_secret
        self.admin = server.admin

    def reset(self) -> None:
        """Back to the realm as imported: no people, no town groups, no organisations."""
        self.set_organizations(True)
        self.set_mail_working(True)
        for org in self.admin.get_organizations({"max": 1000}):
            self.admin.delete_organization(org["id"])
        for user in self.admin.get_users({"max": 1000}):
            if not user["username"].startswith("service-account-"):
                self.admin.delete_user(user["id"])
        for group in self.admin.get_groups({"max": 1000}):
            if group["name"] != PARENT:
                self.admin.delete_group(group["id"])
        parent = self._parent()
        if parent is None:
            self.admin.create_group({"name": PARENT})
        else:
            for child in self.admin.get_group_children(parent, {"max": 1000}):
                self.admin.delete_group(child["id"])
        self.server.mail.messages.clear()

    def set_organizations(self, enabled: bool) -> None:
        self.admin.update_realm(self.realm, {"organizationsEnabled": enabled})

    def set_mail_working(self, working: bool) -> None:
        smtp = dict(self.admin.get_realm(self.realm)["smtpServer"])
        smtp["port"] = str(self.server.mail.port if working else self.server.dead_port)
        self.admin.update_realm(self.realm, {"smtpServer": smtp})

    def leave_group(self, slug: str, account_id: str) -> None:
        gid = self.group_id(slug)
        assert gid is not None
        self.admin.group_user_remove(account_id, gid)

    def delete_group(self, slug: str) -> None:
        gid = self.group_id(slug)
        assert gid is not None
        self.admin.delete_group(gid)

    def rename_organization(self, slug: str, name: str) -> None:
        org = self._organization(slug)
        assert org is not None
        current = self.admin.get_organization(org["id"])
        self.admin.connection.raw_put(
            f"admin/realms/{self.realm}/organizations/{org['id']}",
            data=json.dumps({**current, "name": name}),
        )

    def _parent(self) -> str | None:
        try:
            return str(self.admin.get_group_by_path(f"/{PARENT}")["id"])
        except KeycloakGetError:
            return None

    def account(self, username: str) -> Account | None:
        for user in self.admin.get_users({"username": username, "exact": True}):
            return Account(
                user["id"],
                user["username"],
                user.get("email"),
                user.get("firstName"),
                user.get("lastName"),
                bool(user["enabled"]),
            )
        return None

    def account_count(self) -> int:
        users = self.admin.get_users({"max": 1000})
        return len([u for u in users if not u["username"].startswith("service-account-")])

    def group_id(self, slug: str) -> str | None:
        try:
            return str(self.admin.get_group_by_path(f"/{PARENT}/{slug}")["id"])
        except KeycloakGetError:
            return None

    def group_members(self, slug: str) -> set[str]:
        gid = self.group_id(slug)
        if gid is None:
            return set()
        return {m["id"] for m in self.admin.get_group_members(gid, {"max": 1000})}

    def _organization(self, slug: str) -> dict[str, Any] | None:
        for org in self.admin.get_organizations({"q": f"alias:{slug}", "max": 1000}):
            if org.get("alias") == slug:
                return dict(org)
        for org in self.admin.get_organizations({"max": 1000}):
            if org.get("alias") == slug:
                return dict(org)
        return None

    def organization_id(self, slug: str) -> str | None:
        org = self._organization(slug)
        return str(org["id"]) if org else None

    def organization_name(self, slug: str) -> str | None:
        org = self._organization(slug)
        return str(org["name"]) if org else None

    def organization_members(self, slug: str) -> set[str]:
        org = self._organization(slug)
        if org is None:
            return set()
        members = self.admin.get_organization_members(org["id"], {"max": 1000})
        return {m["id"] for m in members}

    def organization_count(self) -> int:
        return len(self.admin.get_organizations({"max": 1000}))

    def invitations(self, username: str) -> list[list[str]]:
        account = self.account(username)
        if account is None or not account.email:
            return []
        found = []
        for message in self.server.mail.to(account.email):
            body = message.get_body(preferencelist=("plain", "html"))
            actions = _action_token_actions(body.get_content() if body else "")
            if actions is not None:
                found.append(actions)
        return found


@pytest.fixture(scope="session")
def real_inspector(keycloak_server: KeycloakServer) -> RealInspector:
    return RealInspector(keycloak_server)


@pytest.fixture(params=["double", "keycloak"])
def inspector(request: pytest.FixtureRequest) -> Inspector:
    """The double or the real Keycloak, emptied: every test using it runs on both."""
    found: Inspector
    if request.param == "double":
        found = DoubleInspector(request.getfixturevalue("keycloak_double"))
    else:
        found = request.getfixturevalue("real_inspector")
    found.reset()
    return found
