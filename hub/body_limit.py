"""Request bodies are bounded before anyone reads them: 413, code TOO_LARGE.

Every route that reads a body (GraphQL's JSON, the portal's and the sign-in's forms) gets at
most ``HUB_MAX_BODY_BYTES``. A body announced larger (``Content-Length``) is refused before a
byte of it is read; one sent without a length (chunked) is counted as the route reads it, and
once past the limit the route's reading fails and its answer is replaced by the 413. The
upload routes are left to themselves: their files are streamed to the file server and
counted against ``HUB_MAX_UPLOAD_BYTES``, and their other parts are bounded where they are
parsed (``hub.files.multipart``, ``hub.portal.files``).

Starlette has a ``RequestBodyLimitMiddleware``, but it answers in plain text, without the
API's error shape, and relies on the route letting its exception through, which the portal's
pages, turning every failure into a page, do not. Like ``SecurityHeaders``, this is plain ASGI:
when the length is announced and within the limit, the request goes through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """What reading the body raises once it is past the limit."""


Refusal = Callable[[Scope, int], Response]
"""The 413 to send for this request, given the limit."""


class BodyLimit:
    def __init__(self, app: ASGIApp, *, limit: int, streamed: re.Pattern[str], refusal: Refusal):
        self.app = app
        self.limit = limit
        self.streamed = streamed
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.streamed.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.limit:
            await self.refusal(scope, self.limit)(scope, receive, send)
        elif length is not None:
            # the server hands over no more than the announced length
            await self.app(scope, receive, send)
        else:
            await _Counted(self.limit).run(self.app, scope, receive, send, self.refusal)


class _Counted:
    """One request whose body comes without a length, counted as it is read."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.received = 0
        self.exceeded = False
        self.started = False

    async def run(
        self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, refusal: Refusal
    ) -> None:
        async def counted() -> Message:
            if self.exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if self.exceeded and not self.started:
                return  # the route's answer to a body it could not read: the 413 replaces it
            self.started = self.started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, counted, guarded)
        except Exception:
            # a route may wrap the failure in its own; past the limit, it is the 413's
            if not self.exceeded or self.started:
                raise
        if self.exceeded and not self.started:
            await refusal(scope, self.limit)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.isdigit():
                return None
            # past 18 digits, larger than any limit (int() refuses more than 4 300 digits)
            return int(value) if len(value) <= 18 else 10**18
    return None
