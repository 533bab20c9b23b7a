"""A strict double of Keycloak 26's token endpoint and admin REST, served over HTTP on loopback.

It answers the calls the directory connector makes, with Keycloak's status codes and error
bodies, and refuses what Keycloak refuses. Where each rule comes from (keycloak/keycloak):

- token endpoint, client authentication: ``services/.../protocol/oidc/endpoints/TokenEndpoint``
  and ``authentication/authenticators/client/ClientIdAndSecretAuthenticator`` (401
  ``unauthorized_client`` for a wrong secret, ``invalid_client`` for an unknown client; newer
  releases may say ``invalid_client`` for both, the connector treats them alike).
- bearer on every admin call (401 ``{"error":"HTTP 401 Unauthorized"}``), roles of
  ``realm-management`` (403 ``{"error":"HTTP 403 Forbidden"}``): ``services/.../admin/AdminRoot``
  and ``admin/permissions`` (users: view/manage-users; groups ride on the users roles;
  organisations: manage-realm; the full realm representation: view-realm or manage-realm).
- users: ``services/.../admin/UsersResource`` and ``UserResource`` (201 + Location; 409
  ``User exists with same username|email``; usernames and e-mails stored in lower case;
  ``max`` defaults to 100; ``execute-actions-email`` checks e-mail, enabled, client,
  redirect URI and action names before sending, 500 when the mail cannot be sent).
- groups: ``GroupsResource``, ``GroupResource`` (``children`` pages with ``max`` default 10,
  ``members`` with ``max`` default 100; ``subGroups`` is empty in listings since Keycloak 23,
  ``subGroupCount`` says how many; 409 ``Top level group named 'x' already exists.`` /
  ``Sibling group named 'x' already exists.``), ``RealmAdminResource#getGroupByPath``.
- organisations: ``services/.../organization/admin/resource/OrganizationsResource``,
  ``OrganizationMemberResource``, ``organization/utils/Organizations#checkEnabled`` (404
  ``Organizations not enabled for this realm.``), ``model/jpa/.../JpaOrganizationProvider``
  (``search`` matches name or domain, ``exact`` compares equal, ``q=alias:x`` by alias,
  sorted by name, ``max`` defaults to 10; 409 on duplicate name or alias; domains optional
  but validated). Member add reads the body as a string, trims it and strips one pair of
  quotes (keycloak/keycloak#34401), so a JSON object is an unknown user: 404 in 26.7.

Tokens are opaque strings here (Keycloak issues RS256 JWTs); the admin side only checks that
they are ones it issued and that they have not expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import threading
import time
import uuid
from base64 import b64decode
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

REALM = "entente"
CLIENT_ID = "entente-hub"
DEFAULT_ROLES = frozenset({"manage-users", "view-users", "manage-realm"})
TOKEN_LIFESPAN = 300
# Required actions enabled in a fresh Keycloak 26 realm.
REQUIRED_ACTIONS = frozenset(
    {
        "UPDATE_PASSWORD",
        "VERIFY_EMAIL",
        "CONFIGURE_TOTP",
        "UPDATE_PROFILE",
        "VERIFY_PROFILE",
        "update_user_locale",
        "webauthn-register",
        "webauthn-register-passwordless",
        "CONFIGURE_RECOVERY_AUTHN_CODES",
    }
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(status: int, body: Any = None, **headers: str) -> web.Response:
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.json_response(body, status=status, headers=headers)


class KeycloakRefusal(Exception):
    """Raised inside a handler: becomes the response Keycloak would give."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def _error(status: int, message: str) -> KeycloakRefusal:
    """Keycloak's ``ErrorResponse.error``: ``{"errorMessage": …}``."""
    return KeycloakRefusal(status, {"errorMessage": message})


def _web_error(status: int, message: str) -> KeycloakRefusal:
    """A JAX-RS ``WebApplicationException`` through ``KeycloakErrorHandler``: ``{"error": …}``."""
    return KeycloakRefusal(status, {"error": message})


@dataclass
class User:
    id: str
    username: str
    email: str | None
    first_name: str | None
    last_name: str | None
    enabled: bool = True
    email_verified: bool = False
    created: int = field(default_factory=lambda: int(time.time() * 1000))
    groups: set[str] = field(default_factory=set)
    action_emails: list[dict[str, Any]] = field(default_factory=list)

    def brief(self) -> dict[str, Any]:
        rep: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            "enabled": self.enabled,
            "emailVerified": self.email_verified,
            "createdTimestamp": self.created,
            "totp": False,
            "disableableCredentialTypes": [],
            "requiredActions": [],
            "notBefore": 0,
        }
        for key, value in (
            ("firstName", self.first_name),
            ("lastName", self.last_name),
            ("email", self.email),
        ):
            if value:
                rep[key] = value
        return rep

    def full(self) -> dict[str, Any]:
        access = {"manageGroupMembership": True, "view": True, "mapRoles": True}
        return {**self.brief(), "access": {**access, "impersonate": False, "manage": True}}


@dataclass
class Group:
    id: str
    name: str
    parent_id: str | None
    attributes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Organization:
    id: str
    name: str
    alias: str
    enabled: bool = True
    description: str | None = None
    domains: list[dict[str, Any]] = field(default_factory=list)
    attributes: dict[str, list[str]] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)

    def rep(self, brief: bool) -> dict[str, Any]:
        rep: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "alias": self.alias,
            "enabled": self.enabled,
            "domains": [dict(d) for d in self.domains],
        }
        if self.description is not None:
            rep["description"] = self.description
        if not brief:
            rep["attributes"] = {k: list(v) for k, v in self.attributes.items()}
        return rep


class KeycloakDouble:
    """The double's state, its HTTP server, and helpers to inspect and steer it from tests."""

    def __init__(self) -> None:
        self.realm = REALM
        self.client_id = CLIENT_ID
        self.client_secret = secrets.token_urlsafe(18)
        self.url = ""
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self.reset()

    # -- steering -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every user, group, organisation and token; restore the default realm."""
        with self._lock:
            self.users: dict[str, User] = {}
            self.groups: dict[str, Group] = {}
            self.organizations: dict[str, Organization] = {}
            self.tokens: dict[str, float] = {}
            self.requests: list[tuple[str, str, bytes]] = []
            self.organizations_enabled = True
            self.smtp_configured = True
            self.mail_delay = 0.0  # seconds the mail server takes to accept an e-mail
            self.service_account_roles: set[str] = set(DEFAULT_ROLES)
            self.clients: dict[str, list[str]] = {
                "account": [f"/realms/{self.realm}/account/*"],
                CLIENT_ID: ["https://hub.example.org/*"],
            }
            self._failures: list[int] = []
            self._stalled = False

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next ``times`` admin calls with ``status`` (e.g. 503 from a proxy)."""
        with self._lock:
            self._failures.extend([status] * times)

    def clear_failures(self) -> None:
        """Forget the failures ``fail_next`` queued and not yet served."""
        with self._lock:
            self._failures.clear()

    def expire_tokens(self) -> None:
        """Make every issued token stale, as after its lifespan."""
        with self._lock:
            self.tokens.clear()

    @contextlib.contextmanager
    def stalled(self) -> Iterator[None]:
        """Admin calls hang (at most 5 s) until the block ends: a slow Keycloak."""
        with self._lock:
            self._stalled = True
        try:
            yield
        finally:
            with self._lock:
                self._stalled = False
            if self._loop is not None and self._release is not None:
                self._loop.call_soon_threadsafe(self._release.set)

    # -- inspection -----------------------------------------------------------------------

    def user_by_username(self, username: str) -> User | None:
        with self._lock:
            return next((u for u in self.users.values() if u.username == username.lower()), None)

    def group_by_path(self, path: str) -> Group | None:
        with self._lock:
            parent: str | None = None
            found: Group | None = None
            for name in [p for p in path.strip("/").split("/") if p]:
                found = next(
                    (g for g in self.groups.values() if g.parent_id == parent and g.name == name),
                    None,
                )
                if found is None:
                    return None
                parent = found.id
            return found

    def organization_by_alias(self, alias: str) -> Organization | None:
        with self._lock:
            return next((o for o in self.organizations.values() if o.alias == alias), None)

    def group_members(self, group_id: str) -> set[str]:
        with self._lock:
            return {u.id for u in self.users.values() if group_id in u.groups}

    # -- server ---------------------------------------------------------------------------

    def start(self) -> None:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._release = asyncio.Event()
                self._runner = web.AppRunner(self._app(), access_log=None)
                loop.run_until_complete(self._runner.setup())
                site = web.TCPSite(self._runner, "127.0.0.1", 0)
                loop.run_until_complete(site.start())
                host, port = self._runner.addresses[0][:2]
                self.url = f"http://{host}:{port}"
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="keycloak-double", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise TimeoutError("keycloak double did not start")
        if errors:
            raise errors[0]

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            if self._release is not None:
                self._loop.call_soon_threadsafe(self._release.set)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=1024 * 1024)
        realm = "/admin/realms/{realm}"
        add = app.router.add_route
        add("POST", "/realms/{realm}/protocol/openid-connect/token", self._token)
        add("GET", realm, self._get_realm)
        add("GET", realm + "/users", self._list_users)
        add("POST", realm + "/users", self._create_user)
        add("GET", realm + "/users/{uid}", self._get_user)
        add("PUT", realm + "/users/{uid}", self._update_user)
        add("DELETE", realm + "/users/{uid}", self._delete_user)
        add("PUT", realm + "/users/{uid}/execute-actions-email", self._actions_email)
        add("GET", realm + "/users/{uid}/groups", self._user_groups)
        add("PUT", realm + "/users/{uid}/groups/{gid}", self._join_group)
        add("DELETE", realm + "/users/{uid}/groups/{gid}", self._leave_group)
        add("GET", realm + "/groups", self._list_groups)
        add("POST", realm + "/groups", self._create_top_group)
        add("GET", realm + "/groups/{gid}", self._get_group)
        add("GET", realm + "/groups/{gid}/children", self._children)
        add("POST", realm + "/groups/{gid}/children", self._create_child)
        add("GET", realm + "/groups/{gid}/members", self._group_members)
        add("GET", realm + "/group-by-path/{path:.*}", self._group_by_path)
        add("GET", realm + "/organizations", self._list_orgs)
        add("POST", realm + "/organizations", self._create_org)
        add("GET", realm + "/organizations/{oid}", self._get_org)
        add("PUT", realm + "/organizations/{oid}", self._update_org)
        add("DELETE", realm + "/organizations/{oid}", self._delete_org)
        add("GET", realm + "/organizations/{oid}/members", self._org_members)
        add("POST", realm + "/organizations/{oid}/members", self._add_org_member)
        add("DELETE", realm + "/organizations/{oid}/members/{uid}", self._remove_org_member)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        with self._lock:
            self.requests.append((request.method, request.path_qs, body))
        try:
            if request.path.startswith("/admin/"):
                await self._admin_gate(request)
            with self._lock:
                return await handler(request)
        except KeycloakRefusal as refusal:
            return _json(refusal.status, refusal.body)
        except web.HTTPMethodNotAllowed:
            return _json(405, {"error": "HTTP 405 Method Not Allowed"})
        except web.HTTPNotFound:
            return _json(
                404,
                {
                    "error": "Unable to find matching target resource method",
                    "error_description": "For more on this error consult the server log.",
                },
            )

    async def _admin_gate(self, request: web.Request) -> None:
        with self._lock:
            stalled = self._stalled
            failure = self._failures.pop(0) if self._failures else None
        if stalled and self._release is not None:
            self._release.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), 5)
        if failure is not None:
            raise KeycloakRefusal(failure, {"error": "unknown_error"})
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self._lock:
            expiry = self.tokens.get(token)
        if expiry is None or expiry < time.time():
            raise _web_error(401, "HTTP 401 Unauthorized")
        if request.match_info.get("realm") != self.realm:
            # a token of this realm has no rights on another one
            raise _web_error(403, "HTTP 403 Forbidden")

    # -- helpers --------------------------------------------------------------------------

    def _require(self, *roles: str) -> None:
        if not self.service_account_roles.intersection(roles):
            raise _web_error(403, "HTTP 403 Forbidden")

    @staticmethod
    async def _json_body(request: web.Request) -> Any:
        if request.content_type != "application/json":
            raise _web_error(415, "HTTP 415 Unsupported Media Type")
        try:
            return json.loads(await request.read() or b"null")
        except ValueError:
            raise KeycloakRefusal(400, {"error": "unknown_error"}) from None

    @staticmethod
    def _page(request: web.Request, items: list[Any], default_max: int | None) -> list[Any]:
        try:
            first = int(request.query.get("first", "0"))
            raw_max = request.query.get("max")
            top = int(raw_max) if raw_max is not None else default_max
        except ValueError:
            raise _web_error(404, "HTTP 404 Not Found") from None  # JAX-RS param conversion
        first = max(first, 0)
        if top is None or top < 0:
            return items[first:]
        return items[first : first + top]

    @staticmethod
    def _flag(request: web.Request, name: str, default: bool) -> bool:
        value = request.query.get(name)
        return default if value is None else value.lower() == "true"

    def _location(self, request: web.Request, *parts: str) -> str:
        return f"{self.url}/admin/realms/{self.realm}/" + "/".join(parts)

    def _user(self, uid: str) -> User:
        user = self.users.get(uid)
        if user is None:
            raise _web_error(404, "User not found")
        return user

    def _group(self, gid: str) -> Group:
        group = self.groups.get(gid)
        if group is None:
            raise _web_error(404, "Could not find group by id")
        return group

    def _path(self, group: Group) -> str:
        names = [group.name]
        parent = group.parent_id
        while parent is not None:
            names.append(self.groups[parent].name)
            parent = self.groups[parent].parent_id
        return "/" + "/".join(reversed(names))

    def _children_of(self, parent: str | None) -> list[Group]:
        return sorted(
            (g for g in self.groups.values() if g.parent_id == parent), key=lambda g: g.name
        )

    def _group_rep(self, group: Group, brief: bool) -> dict[str, Any]:
        rep: dict[str, Any] = {
            "id": group.id,
            "name": group.name,
            "path": self._path(group),
            "subGroupCount": len(self._children_of(group.id)),
            "subGroups": [],  # Keycloak >= 23 never fills it in listings
        }
        if group.parent_id is not None:
            rep["parentId"] = group.parent_id
        if not brief:
            rep.update(attributes=dict(group.attributes), realmRoles=[], clientRoles={})
            rep["access"] = {"view": True, "viewMembers": True, "manageMembers": True}
            rep["access"].update(manage=True, manageMembership=True)
        return rep

    def _check_email(self, email: str, owner: str | None) -> None:
        if not EMAIL_RE.match(email):
            raise KeycloakRefusal(
                400, {"field": "email", "errorMessage": "invalidEmailMessage", "params": [email]}
            )
        if any(u.email == email and u.id != owner for u in self.users.values()):
            raise _error(409, "User exists with same email")

    # -- token ----------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        if request.match_info["realm"] != self.realm:
            raise _web_error(404, "Realm does not exist")
        form = await request.post()
        if not form.get("grant_type"):
            return _json(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Missing form parameter: grant_type",
                },
            )
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = b64decode(auth[6:]).decode().partition(":")
        bad = "Invalid client or Invalid client credentials"
        if client_id != self.client_id:
            return _json(401, {"error": "invalid_client", "error_description": bad})
        if not isinstance(secret, str) or not secrets.compare_digest(secret, self.client_secret):
            return _json(401, {"error": "unauthorized_client", "error_description": bad})
        if form["grant_type"] != "client_credentials":
            return _json(
                400,
                {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"},
            )
        token = secrets.token_urlsafe(32)
        self.tokens[token] = time.time() + TOKEN_LIFESPAN
        return _json(
            200,
            {
                "access_token": token,
                "expires_in": TOKEN_LIFESPAN,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email",
            },
            **{"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    # -- realm ----------------------------------------------------------------------------

    async def _get_realm(self, request: web.Request) -> web.Response:
        if self.service_account_roles & {"view-realm", "manage-realm"}:
            rep = {
                "id": self.realm,
                "realm": self.realm,
                "enabled": True,
                "organizationsEnabled": self.organizations_enabled,
                "duplicateEmailsAllowed": False,
                "editUsernameAllowed": False,
                "verifyEmail": True,
            }
            return _json(200, rep)
        if self.service_account_roles:
            return _json(200, {"realm": self.realm})
        raise _web_error(403, "HTTP 403 Forbidden")

    # -- users ----------------------------------------------------------------------------

    async def _list_users(self, request: web.Request) -> web.Response:
        self._require("view-users", "manage-users")
        exact = self._flag(request, "exact", False)
        brief = self._flag(request, "briefRepresentation", False)
        users = sorted(self.users.values(), key=lambda u: u.username)
        q = request.query

        def matches(value: str | None, wanted: str) -> bool:
            have = (value or "").lower()
            return have == wanted.lower() if exact else wanted.lower() in have

        if "search" in q:
            term = q["search"].strip("*")
            users = [
                u
                for u in users
                if any(
                    term.lower() in (v or "").lower()
                    for v in (u.username, u.email, u.first_name, u.last_name)
                )
            ]
        for param, attr in (
            ("username", "username"),
            ("email", "email"),
            ("firstName", "first_name"),
            ("lastName", "last_name"),
        ):
            if param in q:
                users = [u for u in users if matches(getattr(u, attr), q[param])]
        if "enabled" in q:
            users = [u for u in users if u.enabled == self._flag(request, "enabled", True)]
        page = self._page(request, users, 100)
        return _json(200, [u.brief() if brief else u.full() for u in page])

    async def _create_user(self, request: web.Request) -> web.Response:
        self._require("manage-users")
        rep = await self._json_body(request)
        if not isinstance(rep, dict):
            raise KeycloakRefusal(400, {"error": "unknown_error"})
        username = str(rep.get("username") or "").strip().lower()
        if not username:
            raise _error(400, "User name is missing")
        if any(u.username == username for u in self.users.values()):
            raise _error(409, "User exists with same username")
        email = str(rep.get("email") or "").strip().lower() or None
        if email is not None:
            self._check_email(email, None)
        user = User(
            id=str(uuid.uuid4()),
            username=username,
            email=email,
            first_name=rep.get("firstName") or None,
            last_name=rep.get("lastName") or None,
            enabled=bool(rep.get("enabled", False)),  # Keycloak's default is disabled
            email_verified=bool(rep.get("emailVerified", False)),
        )
        self.users[user.id] = user
        return _json(201, Location=self._location(request, "users", user.id))

    async def _get_user(self, request: web.Request) -> web.Response:
        self._require("view-users", "manage-users")
        return _json(200, self._user(request.match_info["uid"]).full())

    async def _update_user(self, request: web.Request) -> web.Response:
        self._require("manage-users")
        user = self._user(request.match_info["uid"])
        rep = await self._json_body(request)
        if not isinstance(rep, dict):
            raise KeycloakRefusal(400, {"error": "unknown_error"})
        if "username" in rep and str(rep["username"]).lower() != user.username:
            raise KeycloakRefusal(
                400,
                {
                    "field": "username",
                    "errorMessage": "error-user-attribute-read-only",
                    "params": ["username"],
                },
            )
        if "email" in rep:
            email = str(rep["email"] or "").strip().lower() or None
            if email is not None:
                self._check_email(email, user.id)
            if email != user.email:
                user.email_verified = False
            user.email = email
        if "firstName" in rep:
            user.first_name = rep["firstName"] or None
        if "lastName" in rep:
            user.last_name = rep["lastName"] or None
        if "enabled" in rep:
            user.enabled = bool(rep["enabled"])
        if "emailVerified" in rep:
            user.email_verified = bool(rep["emailVerified"])
        return _json(204)

    async def _delete_user(self, request: web.Request) -> web.Response:
        self._require("manage-users")
        user = self._user(request.match_info["uid"])
        del self.users[user.id]
        for org in self.organizations.values():
            org.members.discard(user.id)
        return _json(204)

    async def _actions_email(self, request: web.Request) -> web.Response:
        self._require("manage-users")
        user = self._user(request.match_info["uid"])
        actions = await self._json_body(request)
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise KeycloakRefusal(400, {"error": "unknown_error"})
        client_id = request.query.get("client_id")
        redirect_uri = request.query.get("redirect_uri")
        if user.email is None:
            raise _error(400, "User email missing")
        if not user.enabled:
            raise _error(400, "User is disabled")
        if redirect_uri is not None and client_id is None:
            raise _error(400, "Client id missing")
        patterns = self.clients.get(client_id or "account")
        if patterns is None:
            raise _error(400, "Client doesn't exist")
        if redirect_uri is not None and not any(
            redirect_uri == p or (p.endswith("*") and redirect_uri.startswith(p[:-1]))
            for p in patterns
        ):
            raise _error(400, "Invalid redirect uri.")
        if not set(actions) <= REQUIRED_ACTIONS:
            raise _error(400, "Provided invalid required actions")
        if self.mail_delay:
            await asyncio.sleep(self.mail_delay)  # Keycloak answers once the mail is sent
        if not self.smtp_configured:
            raise _error(500, "Failed to send execute actions email: Failed to send email")
        user.action_emails.append(
            {
                "actions": list(actions),
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "lifespan": request.query.get("lifespan"),
            }
        )
        return _json(204)

    async def _user_groups(self, request: web.Request) -> web.Response:
        self._require("view-users", "manage-users")
        user = self._user(request.match_info["uid"])
        groups = sorted((self.groups[g] for g in user.groups), key=lambda g: g.name)
        return _json(200, [self._group_rep(g, True) for g in groups])

    def _membership(self, request: web.Request) -> tuple[User, Group]:
        self._require("manage-users")
        user = self._user(request.match_info["uid"])
        group = self.groups.get(request.match_info["gid"])
        if group is None:
            raise _web_error(404, "Group not found")
        return user, group

    async def _join_group(self, request: web.Request) -> web.Response:
        user, group = self._membership(request)
        user.groups.add(group.id)
        return _json(204)

    async def _leave_group(self, request: web.Request) -> web.Response:
        user, group = self._membership(request)
        user.groups.discard(group.id)
        return _json(204)

    # -- groups ---------------------------------------------------------------------------

    async def _list_groups(self, request: web.Request) -> web.Response:
        self._require("query-groups", "view-users", "manage-users")
        brief = self._flag(request, "briefRepresentation", True)
        search = request.query.get("search")
        if search is None:
            groups = self._page(request, self._children_of(None), None)
            return _json(200, [self._group_rep(g, brief) for g in groups])
        exact = self._flag(request, "exact", False)
        hits = [
            g
            for g in self.groups.values()
            if (g.name == search if exact else search.lower() in g.name.lower())
        ]
        # Searching returns each hit inside its ancestors, down from the top-level group.
        tree: dict[str, dict[str, Any]] = {}
        roots: list[dict[str, Any]] = []
        for hit in sorted(hits, key=self._path):
            chain = [hit]
            while chain[-1].parent_id is not None:
                chain.append(self.groups[chain[-1].parent_id])
            above: dict[str, Any] | None = None
            for group in reversed(chain):
                if group.id not in tree:
                    tree[group.id] = self._group_rep(group, brief)
                    (above["subGroups"] if above is not None else roots).append(tree[group.id])
                above = tree[group.id]
        return _json(200, self._page(request, roots, None))

    async def _create_top_group(self, request: web.Request) -> web.Response:
        self._require("manage-users")
        rep = await self._json_body(request)
        name = str((rep or {}).get("name") or "").strip() if isinstance(rep, dict) else ""
        if not name:
            raise _error(400, "Group name is missing")
        if any(g.name == name for g in self._children_of(None)):
            raise _error(409, f"Top level group named '{name}' already exists.")
        group = Group(id=str(uuid.uuid4()), name=name, parent_id=None)
        self.groups[group.id] = group
        return _json(201, Location=self._location(request, "groups", group.id))

    async def _get_group(self, request: web.Request) -> web.Response:
        self._require("view-users", "manage-users")
        return _json(200, self._group_rep(self._group(request.match_info["gid"]), False))

    async def _children(self, request: web.Request) -> web.Response:
        self._require("view-users", "manage-users")
        parent = self._group(request.match_info["gid"])
        children = self._children_of(parent.id)
        search = request.query.get("search")
        if search:
            exact = self._flag(request, "exact", False)
            children = [
                c
                for c in children
                if (c.name == search if exact else search.lower() in c.name.lower())
            ]
        brief = self._flag(request, "briefRepresentation", False)
        return _json(200, [self._group_rep(c, brief) for c in self._page(request, children, 10)])

    async def _create_child(self, request: web.Request) -> web.Response:
        self._require("manage-users")
        parent = self._group(request.match_info["gid"])
        rep = await self._json_body(request)
        name = str((rep or {}).get("name") or "").strip() if isinstance(rep, dict) else ""
        if not name:
            raise _error(400, "Group name is missing")
        if any(c.name == name for c in self._children_of(parent.id)):
            raise _error(409, f"Sibling group named '{name}' already exists.")
        child = Group(id=str(uuid.uuid4()), name=name, parent_id=parent.id)
        self.groups[child.id] = child
        return _json(
            201,
            self._group_rep(child, True),
            Location=self._location(request, "groups", child.id),
        )

    async def _group_members(self, request: web.Request) -> web.Response:
        self._require("view-users", "manage-users")
        group = self._group(request.match_info["gid"])
        brief = self._flag(request, "briefRepresentation", False)
        members = sorted(
            (u for u in self.users.values() if group.id in u.groups), key=lambda u: u.username
        )
        page = self._page(request, members, 100)
        return _json(200, [u.brief() if brief else u.full() for u in page])

    async def _group_by_path(self, request: web.Request) -> web.Response:
        self._require("view-users", "manage-users")
        group = self.group_by_path(request.match_info["path"])
        if group is None:
            raise _web_error(404, "Group path does not exist")
        return _json(200, self._group_rep(group, False))

    # -- organisations --------------------------------------------------------------------

    def _org_gate(self) -> None:
        self._require("manage-realm")
        if not self.organizations_enabled:
            raise _error(404, "Organizations not enabled for this realm.")

    def _org(self, oid: str) -> Organization:
        self._org_gate()
        org = self.organizations.get(oid)
        if org is None:
            raise _error(404, "Organization not found.")
        return org

    async def _list_orgs(self, request: web.Request) -> web.Response:
        self._org_gate()
        orgs = sorted(self.organizations.values(), key=lambda o: o.name)
        query = request.query.get("q")
        search = request.query.get("search")
        if query:
            for pair in query.split(" "):
                key, _, value = pair.partition(":")
                if key == "alias":
                    orgs = [o for o in orgs if o.alias == value]
                elif key:
                    orgs = [o for o in orgs if value in o.attributes.get(key, [])]
        elif search:
            if self._flag(request, "exact", False):
                orgs = [
                    o
                    for o in orgs
                    if o.name == search or any(d["name"] == search for d in o.domains)
                ]
            else:
                term = search.lower()
                orgs = [
                    o
                    for o in orgs
                    if term in o.name.lower() or any(term in d["name"] for d in o.domains)
                ]
        brief = self._flag(request, "briefRepresentation", True)
        return _json(200, [o.rep(brief) for o in self._page(request, orgs, 10)])

    async def _create_org(self, request: web.Request) -> web.Response:
        self._org_gate()
        rep = await self._json_body(request)
        if not isinstance(rep, dict):
            raise _error(400, "Organization cannot be null.")
        name = str(rep.get("name") or "").strip()
        if not name:
            raise _error(400, "Name can not be null")
        alias = str(rep.get("alias") or "").strip()
        if not alias:
            if " " in name:
                raise _error(400, "Name contains a reserved character and cannot be used as alias")
            alias = name
        if any(o.name == name for o in self.organizations.values()):
            raise _error(409, "A organization with the same name already exists.")
        if any(o.alias == alias for o in self.organizations.values()):
            raise _error(409, "A organization with the same alias already exists")
        domains = []
        for domain in rep.get("domains") or []:
            domain_name = str(domain.get("name") or "").lower()
            if not domain_name or not EMAIL_RE.match("nouser@" + domain_name):
                raise _error(400, f"The specified domain is invalid: {domain_name}")
            if any(
                d["name"] == domain_name for o in self.organizations.values() for d in o.domains
            ):
                raise _error(
                    400,
                    f"Domain {domain_name} is already linked to another organization in realm "
                    f"{self.realm}",
                )
            domains.append({"name": domain_name, "verified": bool(domain.get("verified"))})
        org = Organization(
            id=str(uuid.uuid4()),
            name=name,
            alias=alias,
            enabled=bool(rep.get("enabled", True)),
            description=rep.get("description"),
            domains=domains,
            attributes={k: list(v) for k, v in (rep.get("attributes") or {}).items()},
        )
        self.organizations[org.id] = org
        return _json(201, Location=self._location(request, "organizations", org.id))

    async def _get_org(self, request: web.Request) -> web.Response:
        return _json(200, self._org(request.match_info["oid"]).rep(False))

    async def _update_org(self, request: web.Request) -> web.Response:
        """``OrganizationResource#update``: every field from the representation (domains
        left out become none), the name unique."""
        org = self._org(request.match_info["oid"])
        rep = await self._json_body(request)
        if not isinstance(rep, dict):
            raise _error(400, "Organization cannot be null.")
        name = str(rep.get("name") or "").strip()
        if not name:
            raise _error(400, "Name can not be null")
        if any(o.name == name and o.id != org.id for o in self.organizations.values()):
            raise _error(409, "A organization with the same name already exists.")
        org.name = name
        org.enabled = bool(rep.get("enabled", True))
        org.description = rep.get("description")
        org.domains = [
            {"name": str(d.get("name", "")).lower(), "verified": bool(d.get("verified"))}
            for d in rep.get("domains") or []
        ]
        org.attributes = {k: list(v) for k, v in (rep.get("attributes") or {}).items()}
        return _json(204)

    async def _delete_org(self, request: web.Request) -> web.Response:
        org = self._org(request.match_info["oid"])
        del self.organizations[org.id]
        return _json(204)

    async def _org_members(self, request: web.Request) -> web.Response:
        org = self._org(request.match_info["oid"])
        members = sorted((self.users[m] for m in org.members), key=lambda u: u.username)
        reps = [{**u.full(), "membershipType": "UNMANAGED"} for u in members]
        return _json(200, self._page(request, reps, 10))

    async def _add_org_member(self, request: web.Request) -> web.Response:
        org = self._org(request.match_info["oid"])
        if request.content_type != "application/json":
            raise _web_error(415, "HTTP 415 Unsupported Media Type")
        raw = (await request.read()).decode("utf-8", "replace").strip()
        uid = re.sub(r'^"|"$', "", raw)
        if uid not in self.users:
            # Keycloak 26.7 answers a JAX-RS 404 here (26.0-26.4 said 400 "User does not
            # exist"); the contract tests run this against the real server.
            raise _web_error(404, "HTTP 404 Not Found")
        if uid in org.members:
            raise _error(409, "User is already a member of the organization.")
        org.members.add(uid)
        return _json(201, Location=self._location(request, "organizations", org.id, "members", uid))

    async def _remove_org_member(self, request: web.Request) -> web.Response:
        org = self._org(request.match_info["oid"])
        uid = request.match_info["uid"]
        if uid not in org.members:
            raise _web_error(404, "HTTP 404 Not Found")
        org.members.discard(uid)
        return _json(204)


@pytest.fixture(scope="session")
def keycloak_double() -> Iterator[KeycloakDouble]:
    """A running Keycloak double; call ``.reset()`` (or use unique names) between tests."""
    double = KeycloakDouble()
    double.start()
    try:
        yield double
    finally:
        double.stop()
