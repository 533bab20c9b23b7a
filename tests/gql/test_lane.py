"""``/graphql``'s own lane (hub.lane): what the full app's stack did there, the lane still does."""

from __future__ import annotations

import logging

import pytest

from hub import app as hub_app
from hub.gql.errors import INTERNAL_MESSAGE
from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World


async def leak(*_: object) -> None:
    """Fails before any resolver: strawberry's view does not catch what its context raises."""
    raise RuntimeError("password=hunter2 in a stack trace")


async def test_an_exception_escaping_the_view_is_masked_in_the_api_shape(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hub_app, "authenticate", leak)

    with caplog.at_level(logging.ERROR, logger="hub.lane"):
        response = await gql.http.post(
            "/graphql",
            json={"query": "query { towns { slug } }"},
            headers={"Authorization": "Bearer whatever: it is never read"},
        )

    assert response.status_code == 500
    assert response.json() == {
        "data": None,
        "errors": [{"message": INTERNAL_MESSAGE, "extensions": {"code": "INTERNAL"}}],
    }
    assert "hunter2" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "hunter2" in caplog.text  # the details go to the log only


async def test_the_lane_answers_with_the_security_headers_and_without_the_flow_cookie(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    # a browser that started a sign-in carries the flow's cookie on its API calls too
    gql.http.cookies.set("entente_flow", "not-a-signed-session")

    response = await gql.http.post(
        "/graphql",
        json={"query": "query { towns { slug } }"},
        headers={"Authorization": f"Bearer {world.token('admin')}"},
    )

    assert response.status_code == 200
    assert response.json()["data"]["towns"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_still_go_through_the_app_and_are_refused(
    gql: GraphQLClient, method: str
) -> None:
    response = await gql.http.request(method, "/graphql", json={"query": "{ __typename }"})

    assert response.status_code == 405
    assert response.headers["x-content-type-options"] == "nosniff"
