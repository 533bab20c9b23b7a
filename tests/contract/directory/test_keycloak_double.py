"""The Keycloak double refuses what Keycloak 26 refuses (see tests/doubles/keycloak.py): each
test runs on the double and on a real Keycloak with the shipped realm, so a difference fails."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.contract.directory.inspectors import Inspector


@pytest.fixture
async def admin(inspector: Inspector) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=inspector.url) as client:
        answer = await client.post(
            f"/realms/{inspector.realm}/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": inspector.client_id,
                "client_secret": inspector.client_secret,
            },
        )
        assert answer.status_code == 200
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        client.base_url = httpx.URL(f"{inspector.url}/admin/realms/{inspector.realm}/")
        yield client


async def _user(admin: httpx.AsyncClient, username: str) -> str:
    answer = await admin.post("users", json={"username": username, "enabled": True})
    assert answer.status_code == 201
    return answer.headers["Location"].rsplit("/", 1)[1]


async def _org(admin: httpx.AsyncClient, alias: str) -> str:
    answer = await admin.post("organizations", json={"name": alias.upper(), "alias": alias})
    assert answer.status_code == 201
    return answer.headers["Location"].rsplit("/", 1)[1]


async def test_a_wrong_secret_gets_keycloaks_401(inspector: Inspector) -> None:
    # given a wrong client secret, when asking for a token, then 401 unauthorized_client
    async with httpx.AsyncClient(base_url=inspector.url) as client:
        answer = await client.post(
            f"/realms/{inspector.realm}/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": inspector.client_id,
                "client_secret": "nope",
            },
        )
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "unauthorized_client",
        "error_description": "Invalid client or Invalid client credentials",
    }


async def test_admin_calls_need_a_bearer(inspector: Inspector) -> None:
    # given no Authorization header, when listing users, then 401
    async with httpx.AsyncClient(base_url=inspector.url) as client:
        answer = await client.get(f"/admin/realms/{inspector.realm}/users")
    assert answer.status_code == 401
    assert answer.json() == {"error": "HTTP 401 Unauthorized"}


async def test_organisation_member_body_is_the_bare_id(admin: httpx.AsyncClient) -> None:
    # given an organisation and a user
    org = await _org(admin, "vic")
    uid = await _user(admin, "anne")
    # when the member is posted as a JSON object, then it names no user: 404
    answer = await admin.post(f"organizations/{org}/members", json={"id": uid})
    assert (answer.status_code, answer.json()) == (404, {"error": "HTTP 404 Not Found"})
    # when posted as a JSON string, then 201; again, then 409
    answer = await admin.post(f"organizations/{org}/members", json=uid)
    assert answer.status_code == 201
    answer = await admin.post(
        f"organizations/{org}/members", content=uid, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 409
    # and removing a non-member is a 404
    other = await _user(admin, "bruno")
    assert (await admin.delete(f"organizations/{org}/members/{other}")).status_code == 404


async def test_organisations_come_ten_at_a_time_unless_asked(admin: httpx.AsyncClient) -> None:
    # given twelve organisations
    for i in range(12):
        await _org(admin, f"town-{i:02}")
    # when listed without max, then ten; with max=20, then twelve
    assert len((await admin.get("organizations")).json()) == 10
    assert len((await admin.get("organizations", params={"max": 20})).json()) == 12
    # and an exact search matches the name, not the alias
    assert (
        await admin.get("organizations", params={"search": "town-03", "exact": "true"})
    ).json() == []
    assert len((await admin.get("organizations", params={"q": "alias:town-03"})).json()) == 1


async def test_organisations_off_is_a_404(inspector: Inspector, admin: httpx.AsyncClient) -> None:
    # given a realm without organisations, when they are listed, then Keycloak's 404
    inspector.set_organizations(False)
    answer = await admin.get("organizations")
    assert answer.status_code == 404
    assert answer.json() == {"errorMessage": "Organizations not enabled for this realm."}


async def test_duplicates_are_409_with_keycloaks_message(admin: httpx.AsyncClient) -> None:
    # given anne and the /entente group
    await _user(admin, "anne")
    await admin.post("groups", json={"name": "entente"})
    # when they are created again, then 409 and Keycloak's wording
    answer = await admin.post("users", json={"username": "ANNE"})
    assert (answer.status_code, answer.json()) == (
        409,
        {"errorMessage": "User exists with same username"},
    )
    answer = await admin.post("groups", json={"name": "entente"})
    assert (answer.status_code, answer.json()) == (
        409,
        {"errorMessage": "Top level group named 'entente' already exists."},
    )
    # (the shipped realm already holds /entente: a second top-level group to be sure)
    assert (await admin.post("groups", json={"name": "other"})).status_code == 201
    assert (await admin.post("groups", json={"name": "other"})).status_code == 409


async def test_group_listings_leave_subgroups_empty(admin: httpx.AsyncClient) -> None:
    # given a top-level group with twelve children
    answer = await admin.post("groups", json={"name": "listed"})
    parent = answer.headers["Location"].rsplit("/", 1)[1]
    for i in range(12):
        answer = await admin.post(f"groups/{parent}/children", json={"name": f"t{i:02}"})
        assert answer.status_code == 201
    # when the top level is listed, then subGroups is empty and subGroupCount counts
    (top,) = [g for g in (await admin.get("groups")).json() if g["name"] == "listed"]
    assert (top["subGroups"], top["subGroupCount"]) == ([], 12)
    # and children come ten at a time unless asked
    assert len((await admin.get(f"groups/{parent}/children")).json()) == 10
    assert len((await admin.get(f"groups/{parent}/children", params={"max": 50})).json()) == 12
    # and a sibling with the same name is a 409
    answer = await admin.post(f"groups/{parent}/children", json={"name": "t00"})
    assert answer.status_code == 409


async def test_invitation_needs_a_mail_address(admin: httpx.AsyncClient) -> None:
    # given a user without e-mail, when the invitation is sent, then 400 "User email missing"
    uid = await _user(admin, "anne")
    answer = await admin.put(f"users/{uid}/execute-actions-email", json=["UPDATE_PASSWORD"])
    assert (answer.status_code, answer.json()) == (400, {"errorMessage": "User email missing"})
