"""An app that has served and is closed leaves nothing alive: the suite builds one per test,
and the ones kept made the garbage collector hold the event loop for seconds."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from hub.app import HubGraphQL, create_app
from hub.gql.schema import HubSchema
from hub.services import Services
from tests.support.memory import forget_finished_apps
from tests.support.world import World


async def test_a_closed_app_and_its_schema_are_collected(services: Services, world: World) -> None:
    await world.town("igny", "Igny", "91312")
    await world.person("admin", hub_admin=True)
    app = create_app(services.settings, services)
    (endpoint,) = [
        r.endpoint for r in app.router.routes if isinstance(r, Route) and r.path == "/graphql"
    ]
    assert isinstance(endpoint, HubGraphQL)
    schema = weakref.ref(endpoint.schema)
    built = weakref.ref(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
    ) as http:
        reply = await http.post(
            "/graphql",
            json={"query": "{ towns { slug name } }"},
            headers={"Authorization": f"Bearer {world.token('admin')}"},
        )
        # an answer through the executor's plain-attribute path, which remembers fields
        assert reply.json() == {"data": {"towns": [{"slug": "igny", "name": "Igny"}]}}
    del app, endpoint, http
    forget_finished_apps()
    gc.collect()
    assert built() is None
    assert schema() is None


async def test_an_app_builds_one_schema_for_the_api_uploads_and_the_portal(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the schemas built counted, wherever they are built
    built: list[HubSchema] = []
    build = HubSchema.__init__

    def counted(self: HubSchema, *args: Any, **kwargs: Any) -> None:
        build(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(HubSchema, "__init__", counted)
    # when an app is built
    app = create_app(services.settings, services)
    # then one schema serves /graphql, and uploads and the portal's pages go through it too
    (endpoint,) = [
        r.endpoint for r in app.router.routes if isinstance(r, Route) and r.path == "/graphql"
    ]
    assert isinstance(endpoint, HubGraphQL)
    assert built == [endpoint.schema]
