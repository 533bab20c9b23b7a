"""Two real hub processes on one PostgreSQL and one Redis behave as one service: a sign-in
begun on one ends on the other, tokens hold on both, sign-in limits are shared, the same towns
provisioned through both at once end with nothing twice, and what each process keeps in memory
(verified tokens, calendar sync tokens) stays right when the other one changes the data.

The directory is the Keycloak double (over HTTP), files the session's WsgiDAV, calendars its
Radicale; each replica has its own data folder, holding the same signing key (as replicas
mount the same Secret), and the flow secret is given to both in HUB_FLOW_SECRET.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from hub.embedded.process import EmbeddedServer, free_port
from hub.identity.keys import LocalSigningKey
from tests.doubles.keycloak import KeycloakDouble
from tests.servers.radicale import radicale_home
from tests.support.database import (
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    create_postgres_database,
    drop_postgres_database,
)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "replicas-test-password"  # a test value
TOWNS = 5
PROVISION = """mutation P($slug: String!, $name: String!, $insee: String!) {
  provisionTown(input: {slug: $slug, name: $name, inseeCode: $insee}) {
    slug provisioning { state steps { name done error } } } }"""
ME = "query { me { person { username } } }"


def _required(variable: str, value: str | None) -> str:
    if not value:
        if REQUIRE_POSTGRES or os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must start PostgreSQL and Redis (.ci/services): {variable} is unset")
        pytest.skip(f"{variable} is not set (run .ci/services)")
    return value


@dataclass
class Replica:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def graphql(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        reply = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        body: dict[str, Any] = reply.json()
        return body

    def token(self, username: str) -> str:
        return _hub(self.env, "token", username).splitlines()[-1]


@dataclass
class Service:
    a: Replica
    b: Replica
    dsn: str
    keycloak: KeycloakDouble
    radicale: EmbeddedServer
    wsgidav: EmbeddedServer

    def rows(self, sql: str, *args: object) -> list[Any]:
        async def read() -> list[Any]:
            connection = await asyncpg.connect(self.dsn)
            try:
                return list(await connection.fetch(sql, *args))
            finally:
                await connection.close()

        return asyncio.run(read())


def _hub(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        text=True,
        capture_output=True,
        check=True,
    )
    return done.stdout.strip()


def _start(env: dict[str, str]) -> Replica:
    url = f"http://127.0.0.1:{env['HUB_PORT']}"
    log = (Path(env["HUB_DATA_DIR"]) / "hub.log").open("wb")  # read it when a test fails
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, "a replica exited at start-up"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Replica(url, env, process)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("a replica did not start")


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory,
    keycloak_double: KeycloakDouble,
    radicale: EmbeddedServer,
    wsgidav: EmbeddedServer,
) -> Iterator[Service]:
    _required("HUB_TEST_DATABASE_URL", POSTGRES_URL)
    redis = _required("HUB_TEST_REDIS_URL", os.environ.get("HUB_TEST_REDIS_URL"))
    keycloak_double.reset()
    url, name = asyncio.run(create_postgres_database())
    root = tmp_path_factory.mktemp("replicas")
    # the same signing key in both data folders, as both replicas would mount one Secret
    key = LocalSigningKey(root / "a" / "keys")
    key.public_jwk()
    (root / "b" / "keys").mkdir(parents=True)
    shutil.copy2(key.path, root / "b" / "keys" / key.path.name)
    common = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    common.update(
        HUB_DATABASE_URL=url,
        HUB_REDIS_URL=redis,
        HUB_REDIS_PREFIX=f"replicas-{secrets.token_hex(4)}:",
        HUB_FLOW_SECRET=secrets.token_urlsafe(32),
        HUB_PUBLIC_URL="http://127.0.0.1",
        HUB_LOG_LEVEL="warning",
        HUB_SIGNIN_ACCOUNT_LIMIT="3",
        HUB_CALDAV_URL=radicale_home(radicale),
        HUB_CALDAV_USERNAME=radicale.username,
        HUB_CALDAV_PASSWORD=radicale.password,
        HUB_WEBDAV_URL=wsgidav.url,
        HUB_WEBDAV_USERNAME=wsgidav.username,
        HUB_WEBDAV_PASSWORD=wsgidav.password,
        HUB_KEYCLOAK_URL=keycloak_double.url,
        HUB_KEYCLOAK_REALM=keycloak_double.realm,
        HUB_KEYCLOAK_CLIENT_ID=keycloak_double.client_id,
        HUB_KEYCLOAK_CLIENT_SECRET=keycloak_double.client_secret,
        HUB_BACKEND_TIMEOUT="5",
    )
    env_a = {**common, "HUB_DATA_DIR": str(root / "a"), "HUB_PORT": str(free_port())}
    env_b = {**common, "HUB_DATA_DIR": str(root / "b"), "HUB_PORT": str(free_port())}
    _hub(env_a, "migrate")
    _hub(
        env_a, "create-admin", "admin", "admin@replicas.example", "--password-stdin", stdin=PASSWORD
    )
    replicas: list[Replica] = []
    try:
        replicas = [_start(env_a), _start(env_b)]
        dsn = "postgresql://" + url.split("://", 1)[1]
        yield Service(*replicas, dsn, keycloak_double, radicale, wsgidav)
    finally:
        for replica in replicas:
            replica.process.terminate()
            replica.process.wait(timeout=30)
        asyncio.run(drop_postgres_database(name))


def _login_csrf(http: httpx.Client, base: str) -> str:
    page = http.get(f"{base}/auth/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert page.status_code == 200 and found
    return found.group(1)


def test_a_sign_in_begun_on_one_replica_ends_on_the_other(service: Service) -> None:
    with httpx.Client() as http:
        # given the sign-in form served by A (its CSRF token in A's flow cookie)
        csrf = _login_csrf(http, service.a.url)
        # when the form is sent to B
        done = http.post(
            f"{service.b.url}/auth/login",
            data={"username": "admin", "password": PASSWORD, "csrf": csrf, "next": "/"},
        )
        # then B signs the person in, and the session holds on A too
        assert done.status_code == 303, done.text[:500]
        for replica in (service.a, service.b):
            home = http.get(f"{replica.url}/")
            assert home.status_code == 200 and "Bonjour" in home.text


def test_a_token_from_one_replica_holds_on_the_other(service: Service) -> None:
    token = service.a.token("admin")
    for replica in (service.a, service.b):
        assert replica.graphql(ME, {}, token)["data"]["me"]["person"]["username"] == "admin"
    keys = [httpx.get(f"{r.url}/.well-known/jwks.json").json() for r in (service.a, service.b)]
    assert keys[0] == keys[1] and keys[0]["keys"]


def test_sign_in_attempts_are_counted_across_replicas(service: Service) -> None:
    # given three wrong passwords for one account, alternating replicas (the limit is 3)
    _hub(
        service.a.env,
        "create-admin",
        "victim",
        "victim@replicas.example",
        "--password-stdin",
        stdin=PASSWORD,
    )
    statuses = []
    for replica in (service.a, service.b, service.a, service.b):
        with httpx.Client() as http:
            csrf = _login_csrf(http, replica.url)
            answer = http.post(
                f"{replica.url}/auth/login",
                data={"username": "victim", "password": "wrong password", "csrf": csrf},
            )
            statuses.append(answer.status_code)
    # then the fourth, on B, is refused for too many attempts
    assert statuses == [401, 401, 401, 429]


def test_the_same_towns_provisioned_through_both_at_once_exist_once(service: Service) -> None:
    token = service.a.token("admin")
    towns = [(f"rep-{n}", f"Réplique {n}", f"9{n}100") for n in range(TOWNS)]

    def provision(job: tuple[Replica, tuple[str, str, str]]) -> dict[str, Any]:
        replica, (slug, name, insee) = job
        return replica.graphql(PROVISION, {"slug": slug, "name": name, "insee": insee}, token)

    # when each town is provisioned through A and B at the same moment
    jobs = [(replica, town) for town in towns for replica in (service.a, service.b)]
    with ThreadPoolExecutor(len(jobs)) as pool:
        answers = list(pool.map(provision, jobs))
    # then both answers say each town is ready
    assert [a.get("errors") for a in answers] == [None] * len(jobs)
    assert {a["data"]["provisionTown"]["provisioning"]["state"] for a in answers} == {"COMPLETE"}
    slugs = [slug for slug, _, _ in towns]
    # and the database holds each town, workspace and step once
    assert service.rows("SELECT count(*) FROM town WHERE slug = ANY($1)", slugs)[0][0] == TOWNS
    assert (
        service.rows(
            "SELECT count(*) FROM workspace w JOIN town t ON t.id = w.owner_town_id "
            "WHERE t.slug = ANY($1)",
            slugs,
        )[0][0]
        == TOWNS
    )
    # and each backend step ran once per town (its audit entry), not once per replica
    ran = service.rows(
        "SELECT target, action, count(*) FROM audit_entry "
        "WHERE action LIKE 'town.provision.%' AND target = ANY($1) GROUP BY target, action",
        slugs,
    )
    assert sorted((r[0], r[1], r[2]) for r in ran) == sorted(
        (slug, f"town.provision.{step}", 1)
        for slug in slugs
        for step in ("directory", "files", "calendar")
    )
    # and the directory, the file server and the calendar server have each town once
    groups = [g.name for g in service.keycloak.groups.values()]
    organizations = [o.alias for o in service.keycloak.organizations.values()]
    for slug in slugs:
        assert groups.count(slug) == 1 and organizations.count(slug) == 1
    for url, auth in (
        (service.wsgidav.url + "/", (service.wsgidav.username, service.wsgidav.password)),
        (radicale_home(service.radicale), (service.radicale.username, service.radicale.password)),
    ):
        listing = httpx.request("PROPFIND", url, headers={"Depth": "1"}, auth=auth).text
        for slug in slugs:
            assert len(re.findall(rf"/{slug}/</", listing)) == 1, (url, slug)


ADD = """mutation A($input: AddStaffInput!) { addStaff(input: $input) { id } }"""
OFFBOARD = "mutation O($person: ID!) { offboardStaff(person: $person) { active } }"
AGENDA = """query G($towns: [String!]) { agenda(start: "2026-11-16T00:00:00+01:00",
  end: "2026-11-23T00:00:00+01:00", towns: $towns) { events { title } errors { code } } }"""
EVENT = """mutation E($input: EventInput!) { createEvent(input: $input) { id } }"""


def test_caches_stay_right_when_the_other_replica_changes_data(service: Service) -> None:
    admin = service.a.token("admin")
    town = ("rep-cache", "Réplique cache", "95999")
    answer = service.a.graphql(
        PROVISION, {"slug": town[0], "name": town[1], "insee": town[2]}, admin
    )
    assert answer["data"]["provisionTown"]["provisioning"]["state"] == "COMPLETE", answer
    zoe = {
        "username": "zoe",
        "displayName": "Zoé Lefèvre",
        "email": "zoe@replicas.example",
        "towns": [{"town": town[0], "role": "STAFF"}],
    }
    person = service.a.graphql(ADD, {"input": zoe}, admin)["data"]["addStaff"]["id"]
    # given Zoé's token verified and remembered by A, and A's sync of the town's calendar
    token = service.a.token("zoe")
    assert service.a.graphql(ME, {}, token)["data"]["me"]["person"]["username"] == "zoe"
    empty = service.a.graphql(AGENDA, {"towns": [town[0]]}, admin)["data"]["agenda"]
    assert empty == {"events": [], "errors": []}
    # when B writes an event in that calendar
    event = {
        "town": town[0],
        "title": "Conseil municipal",
        "start": "2026-11-17T18:00:00+01:00",
        "end": "2026-11-17T20:00:00+01:00",
    }
    assert "errors" not in service.b.graphql(EVENT, {"input": event}, admin)
    # then A's next agenda shows it
    seen = service.a.graphql(AGENDA, {"towns": [town[0]]}, admin)["data"]["agenda"]
    assert seen["events"] == [{"title": "Conseil municipal"}]
    # when B offboards Zoé
    assert service.b.graphql(OFFBOARD, {"person": person}, admin)["data"]["offboardStaff"] == {
        "active": False
    }
    # then A refuses her remembered token at once
    refused = service.a.graphql(ME, {}, token)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["UNAUTHENTICATED"]
