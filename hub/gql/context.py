"""What every resolver gets: the caller, a database session and the request's loaders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from hub.errors import Unauthenticated
from hub.gql.loaders import Loaders
from hub.identity.principal import Principal

if TYPE_CHECKING:
    from hub.services import Services


class Context(BaseContext):
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal | None,
        services: Services,
        auth_problem: str | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self._principal = principal
        self._auth_problem = auth_problem
        self.services = services
        # Root fields of a query run concurrently; one AsyncSession must be used sequentially.
        self.lock = asyncio.Lock()

    @cached_property
    def loaders(self) -> Loaders:
        """Built on first use: most requests (a listing, a mutation) load no relation."""
        return Loaders(self.session, self.lock)

    @property
    def principal(self) -> Principal:
        """The signed-in caller; every resolver goes through here, so access fails closed."""
        if self._principal is None:
            raise Unauthenticated(
                self._auth_problem or "Sign in first: send 'Authorization: Bearer <token>'."
            )
        return self._principal

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        async with self.lock:
            yield self.session


Info = StrawberryInfo[Context, None]
