"""The routes beside ``/graphql`` for data protection: an export's files, the register.

Authenticated like the API (a bearer token or the portal's cookie, ``hub.edge``); every file
is an attachment, sandboxed and never cached, as file downloads are (``hub.files.download``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from hub.db.base import utcnow
from hub.edge import caller, problem
from hub.errors import HubError, NotFound
from hub.files.download import DOWNLOAD_POLICY, attachment
from hub.privacy.downloads import open_export
from hub.privacy.register import build_register
from hub.privacy.register_files import KINDS, filename, render
from hub.privacy.retention import readable_town
from hub.privacy.stored import read_chunks
from hub.services import Services

NO_STORE = {"Cache-Control": "no-store"}


def _file_headers(name: str) -> dict[str, str]:
    return {
        **NO_STORE,
        "Content-Disposition": attachment(name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_POLICY,
    }


def privacy_router() -> APIRouter:
    router = APIRouter()

    @router.get("/privacy/exports/{export_id}/{name}", include_in_schema=False)
    async def export_file(request: Request, export_id: str, name: str) -> Response:
        services: Services = request.app.state.services
        try:
            async with services.sessions() as session:
                principal = await caller(request, session, services)
                found = await open_export(session, principal, export_id, name)
        except HubError as exc:
            return problem(exc, headers=NO_STORE)
        headers = {**_file_headers(found.filename), "Content-Length": str(found.size)}
        return StreamingResponse(
            read_chunks(services.sessions, found.export_id, found.part, found.chunks),
            media_type=found.content_type,
            headers=headers,
        )

    @router.get("/privacy/register/{slug}.{kind}", include_in_schema=False)
    async def register_file(request: Request, slug: str, kind: str) -> Response:
        services: Services = request.app.state.services
        try:
            if kind not in KINDS:
                raise NotFound("The register comes as .md, .html or .csv.")
            async with services.sessions() as session:
                principal = await caller(request, session, services)
                town = await readable_town(session, principal, slug)
                register = await build_register(session, services.settings, town, utcnow())
        except HubError as exc:
            return problem(exc, headers=NO_STORE)
        return Response(
            render(register, kind),
            media_type=KINDS[kind],
            headers=_file_headers(filename(register, kind)),
        )

    return router
