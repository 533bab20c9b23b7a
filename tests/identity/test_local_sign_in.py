"""Embedded mode's own sign-in form: argon2id passwords, CSRF, rotated session cookies."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.identity.passwords import hash_password
from hub.identity.sessions import COOKIE, CSRF_HEADER, find_session
from hub.people.models import Person
from hub.services import Services
from tests.support.graphql import GraphQLClient
from tests.support.world import World

ME = {"query": "query { me { person { username } } }"}


async def with_password(
    services: Services, world: World, username: str, password: str, *, active: bool = True
) -> Person:
    person = await world.person(username, active=active)
    async with services.sessions() as session:
        row = await session.get(Person, person.id)
        assert row is not None
        row.password_hash = hash_password(password)
        await session.commit()
    return person


async def form_csrf(http: httpx.AsyncClient, next_path: str = "/") -> str:
    page = await http.get("/auth/login", params={"next": next_path})
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


async def sign_in(
    http: httpx.AsyncClient, username: str, password: str, next_path: str = "/"
) -> httpx.Response:
    csrf = await form_csrf(http, next_path)
    return await http.post(
        "/auth/login",
        data={
            "username": username,
            "password": password,
            "csrf": csrf,
            "next": next_path,
        },
    )


async def test_right_password_opens_a_session(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    await with_password(services, world, "camille", "correct horse")

    response = await sign_in(gql.http, "camille", "correct horse", "/agenda")

    assert response.status_code == 303 and response.headers["location"] == "/agenda"
    cookie_header = response.headers["set-cookie"].lower()
    assert "httponly" in cookie_header and "samesite=lax" in cookie_header
    assert "secure" not in cookie_header  # plain http on loopback
    async with services.sessions() as session:
        opened = await find_session(session, gql.http.cookies.get(COOKIE))
    assert opened is not None
    me = await gql.http.post("/graphql", json=ME, headers={CSRF_HEADER: opened.csrf_token})
    assert me.json() == {"data": {"me": {"person": {"username": "camille"}}}}


async def test_each_sign_in_gets_a_new_cookie(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    await with_password(services, world, "camille", "correct horse")

    await sign_in(gql.http, "camille", "correct horse")
    first = gql.http.cookies.get(COOKIE)
    await sign_in(gql.http, "camille", "correct horse")
    second = gql.http.cookies.get(COOKIE)

    assert first and second and first != second


async def test_wrong_password_unknown_user_and_disabled_account_are_refused(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    await with_password(services, world, "camille", "correct horse")
    await with_password(services, world, "gone", "correct horse", active=False)

    for username, password in [("camille", "wrong"), ("nobody", "x"), ("gone", "correct horse")]:
        response = await sign_in(gql.http, username, password)
        assert response.status_code == 401
        assert "Identifiant ou mot de passe incorrect" in response.text
        assert COOKIE not in gql.http.cookies

    async with services.sessions() as session:
        refusals = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "session.refused"))
        )
    assert len(refusals) == 3


async def test_the_form_needs_its_csrf_token(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    await with_password(services, world, "camille", "correct horse")

    response = await gql.http.post(
        "/auth/login",
        data={
            "username": "camille",
            "password": "correct horse",
            "csrf": "forged",
        },
    )

    assert response.status_code == 400
    assert COOKIE not in gql.http.cookies


async def test_next_never_leaves_the_site(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    await with_password(services, world, "camille", "correct horse")

    for target in ["//evil.example/", "https://evil.example/", "/\\evil.example"]:
        response = await sign_in(gql.http, "camille", "correct horse", target)
        assert response.headers["location"] == "/"


async def test_sign_out_needs_the_csrf_token_and_ends_the_session(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    await with_password(services, world, "camille", "correct horse")
    await sign_in(gql.http, "camille", "correct horse")
    cookie = gql.http.cookies.get(COOKIE)
    async with services.sessions() as session:
        opened = await find_session(session, cookie)
    assert opened is not None

    forged = await gql.http.post("/auth/logout", data={"csrf": "forged"})
    async with services.sessions() as session:
        still = await find_session(session, cookie)
    real = await gql.http.post("/auth/logout", data={"csrf": opened.csrf_token})
    async with services.sessions() as session:
        after = await find_session(session, cookie)

    assert forged.status_code == 303 and still is not None
    assert real.status_code == 303 and real.headers["location"] == "/auth/login"
    assert after is None
