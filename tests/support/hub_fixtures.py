"""The hub under test: migrated databases, services, and an HTTP client on the real app.

db_kind      "sqlite", and "postgresql" when HUB_TEST_DATABASE_URL is set: every test that
             uses the hub runs once per database
services     the hub's services on empty tables
gql          a GraphQL client over HTTP (ASGI transport) to create_app(...)
world        builds towns and people through the real services
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import Environment, Settings
from hub.services import Services, build_services
from tests.support.database import database_kinds, empty_tables, migrated_engine
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.world import World


@pytest.fixture(scope="session", params=database_kinds())
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
async def hub_engine(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    async for engine in migrated_engine(db_kind, tmp_path_factory.mktemp(f"db-{db_kind}")):
        yield engine


@pytest.fixture(scope="session")
def hub_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("hub-data")
    return Settings(env=Environment.TEST, data_dir=data_dir, host="127.0.0.1", port=8000)


@pytest.fixture
async def services(hub_engine: AsyncEngine, hub_settings: Settings) -> AsyncIterator[Services]:
    await empty_tables(hub_engine)
    yield build_services(hub_settings, engine=hub_engine)


@pytest.fixture
async def gql(services: Services) -> AsyncIterator[GraphQLClient]:
    async with hub_http(services) as http:
        yield GraphQLClient(http)


@pytest.fixture
def world(services: Services) -> World:
    return World(services)
