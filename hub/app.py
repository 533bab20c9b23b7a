"""The ASGI application: GraphQL, the published signing keys, health, and the portal."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

import orjson
from cross_web import HTTPException
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response
from starlette.routing import Route, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from hub import __version__
from hub.allocation.routes import allocation_router
from hub.body_limit import BodyLimit
from hub.config import Settings
from hub.edge import problem
from hub.embedded.process import stored_secret
from hub.errors import HubError, TooLarge
from hub.feeds.routes import feeds_router
from hub.files.web import UPLOAD_PATH, files_router
from hub.gql.context import Context
from hub.gql.errors import http_body
from hub.gql.limits import QueryLimits
from hub.gql.schema import build_schema
from hub.identity.principal import Principal
from hub.identity.routes import auth_router
from hub.identity.web import authenticate
from hub.lane import HubApp, Masked
from hub.portal.files import UPLOAD_ROUTE
from hub.portal.routes import not_found, portal_router
from hub.portal.security import SecurityHeaders
from hub.portal.web import TOO_LARGE_FORM, error_page
from hub.privacy.routes import privacy_router
from hub.services import Services, build_services

log = logging.getLogger(__name__)
STATIC = Path(str(files("hub.portal") / "static"))


class HubGraphQL(GraphQL[Context, None]):
    """``/graphql``: strawberry's ASGI view as a plain route. Through FastAPI's router, the
    context came from a dependency with ``yield``, and FastAPI's routing and dependency
    machinery cost ~0.5 ms of every API call (measured on the listing benchmark); here the
    request's database session is opened around the view and closed once the response is
    sent."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        services: Services = scope["app"].state.services
        async with services.sessions() as session:
            scope[_SESSION] = session
            try:
                response = await self.run(Request(scope, receive))
            except HTTPException as exc:
                # a request that is not GraphQL at all (no JSON, a GET query, a wrong method):
                # answered in GraphQL's error shape with a code, not as bare text
                response = JSONResponse(
                    {"errors": [{"message": exc.reason, "extensions": {"code": "BAD_INPUT"}}]},
                    status_code=exc.status_code,
                )
            await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        services: Services = request.app.state.services
        session: AsyncSession = request.scope[_SESSION]
        principal: Principal | None = None
        problem: str | None = None
        try:
            principal = await authenticate(cast(Request, request), session, services)
        except HubError as exc:
            problem = exc.message
        # Authentication only read, so its transaction goes on into the resolvers: ending it
        # here would cost a round trip (and a pool check-in and pre-ping) on every request.
        # Reads see committed data either way; each mutation commits or rolls back its own.
        return Context(session, principal, services, auth_problem=problem)

    async def process_result(
        self, request: Request | WebSocket, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        return http_body(result)

    def encode_json(self, data: object) -> bytes:
        # a 200-entry listing is ~60 kB of JSON: orjson writes it ~8x faster than json.dumps
        return orjson.dumps(data)


_SESSION = "entente.session"
# Routes whose body is mostly a file, streamed and counted by the route itself.
STREAMED = re.compile(
    "|".join(compile_path(path)[0].pattern.rstrip("$") for path in (UPLOAD_PATH, UPLOAD_ROUTE))
)


def too_large(scope: Scope, limit: int) -> Response:
    """The 413 of ``BodyLimit``: a page in French for a portal form, else the API's error."""
    request = Request(scope)
    if "text/html" in request.headers.get("accept", "") and not scope["path"].startswith(
        "/graphql"
    ):
        return error_page(request, 413, TOO_LARGE_FORM)
    return problem(TooLarge(f"The request body is larger than {limit} bytes (HUB_MAX_BODY_BYTES)."))


def settle_garbage_collector() -> None:
    """What start-up built lives as long as the process (the schema, SQLAlchemy's and
    strawberry's structures, the connectors): frozen out of the collector's sight, so that a
    collection triggered by a request's allocations no longer walks it. Under load, full
    collections walking it were the largest single cost of a request listing 1 000 towns
    (README "Scale")."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# A request allocates thousands of short-lived objects: collect the young generation every
# 20 000 allocations rather than 700, the older ones as often as Python does relative to it.
GC_THRESHOLDS = (20_000, 10, 10)


def create_app(
    settings: Settings,
    services: Services | None = None,
    *,
    startup: Callable[[Services], Awaitable[None]] | None = None,
    close_services: bool = False,
) -> FastAPI:
    """Build the app; ``services`` is built in the lifespan unless given (tests give theirs).

    ``startup`` runs in the server's event loop before the first request (the demo's seed).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None or close_services
        app.state.services = services or build_services(settings)
        try:
            if startup is not None:
                await startup(app.state.services)
            settle_garbage_collector()
            yield
        finally:
            if owned:
                await app.state.services.aclose()

    app = HubApp(
        title="Entente",
        version=__version__,
        lifespan=lifespan,
        docs_url=None if settings.production else "/docs",
        redoc_url=None,
        openapi_url=None if settings.production else "/openapi.json",
    )
    if services is not None:
        app.state.services = services

    graphql = HubGraphQL(
        build_schema(production=settings.production, limits=QueryLimits.of(settings)),
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
    )
    # GET and POST take the API's lane (hub.lane); the route answers the other methods
    app.router.routes.insert(0, Route("/graphql", graphql, methods=["GET", "POST"]))
    app.include_router(auth_router(settings))
    app.include_router(allocation_router())
    app.include_router(feeds_router())
    app.include_router(files_router(graphql.schema))
    app.include_router(privacy_router())
    app.include_router(portal_router(settings, graphql.schema))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(StarletteHTTPException, not_found)

    def limited(inner: ASGIApp) -> ASGIApp:
        return BodyLimit(inner, limit=settings.max_body_bytes, streamed=STREAMED, refusal=too_large)

    def headed(inner: ASGIApp) -> ASGIApp:
        return SecurityHeaders(
            inner, issuer=settings.oidc_issuer, ide=not settings.production, https=settings.https
        )

    app.add_middleware(limited)
    app.add_middleware(headed)
    # the same two layers, in the same order, around the API's lane
    app.lane = headed(limited(Masked(graphql)))
    # Carries only the sign-in flow's state (OIDC state/nonce/PKCE verifier, the login form's
    # CSRF token); the portal session itself is the hub's own cookie.
    app.add_middleware(
        SessionMiddleware,
        secret_key=(
            settings.flow_secret.get_secret_value()
            if settings.flow_secret
            else stored_secret(settings.data_dir / "keys" / "flow.secret", 32)
        ),
        session_cookie="entente_flow",
        max_age=15 * 60,
        same_site="lax",
        https_only=settings.https,
    )

    @app.get("/.well-known/jwks.json", include_in_schema=False)
    async def jwks(request: Request) -> JSONResponse:
        key = request.app.state.services.signing_key
        return JSONResponse(key.jwks() if key else {"keys": []})

    @app.get("/healthz", include_in_schema=False)
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    return app
