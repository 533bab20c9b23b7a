"""Security headers on every response: a strict CSP without 'unsafe-inline', no framing, and
HSTS when the hub is served over https."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

IDE_PATH = "/graphql"
# One year; no includeSubDomains: the hub may live at a town's own domain, whose other
# hosts are not the hub's to force onto https.
HSTS = (b"strict-transport-security", b"max-age=31536000")


def content_security_policy(form_targets: list[str]) -> str:
    forms = " ".join(["'self'", *form_targets])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action {forms}"
    )


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SecurityHeaders:
    """Adds the headers a response does not set itself, as it starts.

    A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's
    BaseHTTPMiddleware runs the app in a task group and relays the body through a stream,
    which cost about a millisecond on every GraphQL request."""

    def __init__(self, app: ASGIApp, *, issuer: str | None, ide: bool, https: bool) -> None:
        self.app = app
        self.ide = ide
        # Signing out posts a form that redirects to the provider: form-action must allow it.
        policy = content_security_policy([origin(issuer)] if issuer else [])
        self.headers = [
            (b"content-security-policy", policy.encode("latin-1")),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            *([HSTS] if https else []),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # GraphiQL (development only) is one page of inline scripts
        is_ide_page = self.ide and scope["path"] == IDE_PATH and scope["method"] == "GET"
        added = self.headers[1:] if is_ide_page else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in added if header[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
