"""The API's own lane: ``/graphql`` requests skip the stack the portal's pages need.

Every API call went through Starlette's error middleware, FastAPI's telemetry and body-limit
layers, the sign-in flow's session cookie (parsed, and re-signed on the way out), the
exception middleware, FastAPI's exit stack and the router, before reaching strawberry's view,
which needs none of them: its errors are answered in GraphQL's shape by the view itself, its
body is bounded by ``BodyLimit``, and it never reads the flow's cookie. In a profile of a
trivial authenticated query, that stack held about a sixth of the hub's samples.

So ``HubApp`` sends ``GET``/``POST /graphql`` straight to ``SecurityHeaders`` → ``BodyLimit``
→ ``Masked`` → the view (the full app's two layers, in their order), and everything else
(other methods included) through the full app as before. ``Masked`` stands in for
Starlette's last-resort handler: an exception that escapes the view is logged and answered
INTERNAL, in the API's error shape, without details.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.edge import problem
from hub.errors import HubError
from hub.gql.errors import INTERNAL_MESSAGE

log = logging.getLogger(__name__)
LANE_PATH = "/graphql"
LANE_METHODS = frozenset({"GET", "POST"})


class Masked:
    """Answers INTERNAL for an exception escaping ``app`` before its response started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if started:
                raise  # the server closes the connection: a half-sent answer cannot be mended
            await problem(HubError(INTERNAL_MESSAGE))(scope, receive, send)


class HubApp(FastAPI):
    """FastAPI with the API's lane (``lane``, set once the app is built)."""

    lane: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.lane
        if (
            lane is not None
            and scope["type"] == "http"
            and scope["path"] == LANE_PATH
            and scope["method"] in LANE_METHODS
        ):
            scope["app"] = self  # what Starlette sets: the view reads the services from it
            await lane(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
