"""Security headers on every response: a strict CSP without 'unsafe-inline', no framing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import Request, Response

IDE_PATH = "/graphql"


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


def security_headers(
    issuer: str | None, *, ide: bool
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    # Signing out posts a form that redirects to the provider: form-action must allow it.
    policy = content_security_policy([origin(issuer)] if issuer else [])

    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        is_ide_page = ide and request.url.path == IDE_PATH and request.method == "GET"
        if not is_ide_page:  # GraphiQL (development only) is one page of inline scripts
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return middleware
