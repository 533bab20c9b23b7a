"""The two HTTP routes files need beside ``/graphql``: streamed downloads and uploads.

``GET /download/{workspace}?path=…`` streams a file (Range, Content-Disposition); with
``&inline=1`` an image or a PDF opens in the browser instead (``hub.files.viewing``). It is
authenticated like the API, by a bearer token or the portal's cookie; a GET changes nothing,
so it needs no CSRF token. This is the ``Entry.downloadUrl`` of every file.

``POST /graphql/upload`` is the only place the GraphQL multipart request spec is accepted
(``/graphql`` keeps ``multipart_uploads_enabled=False``): a multipart form is a request any
web page can make a browser send with its cookies (CVE-2024-47082), so here a cookie must come
with the session's ``X-CSRF-Token`` header, which another site cannot set, or the caller
uses a bearer token. It takes exactly one ``uploadFile`` mutation, and the file part goes
from the socket to the file server as it arrives.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from python_multipart.multipart import parse_options_header
from strawberry.schema.base import BaseSchema

from hub.edge import caller, problem
from hub.errors import BadInput, HubError
from hub.files.download import open_download
from hub.files.multipart import MAX_JSON_PART, MultipartStream, StreamedFile, upload_operation
from hub.gql.context import Context
from hub.gql.errors import http_body
from hub.services import Services

UPLOAD_PATH = "/graphql/upload"
# Everything of a multipart upload that is not the file: two capped JSON parts, part headers.
MULTIPART_OVERHEAD = 2 * MAX_JSON_PART + 16 * 1024


def files_router(schema: BaseSchema) -> APIRouter:
    """Downloads, and uploads run through ``schema`` (the app's own, with its limits)."""
    router = APIRouter()

    @router.get("/download/{workspace_id}", include_in_schema=False)
    async def download(
        request: Request, workspace_id: str, path: str = Query(), inline: str = Query("")
    ) -> Response:
        services: Services = request.app.state.services
        try:
            async with services.sessions() as session:
                principal = await caller(request, session, services)
                delivery = await open_download(
                    session,
                    principal,
                    services.backends.files,
                    workspace_id,
                    path,
                    request.headers.get("range"),
                    inline=inline == "1",
                )
        except HubError as exc:
            return problem(exc)
        if delivery.download is None:
            return Response(status_code=delivery.status, headers=delivery.headers)
        return StreamingResponse(
            delivery.body(), status_code=delivery.status, headers=delivery.headers
        )

    @router.post(UPLOAD_PATH, include_in_schema=False)
    async def upload(request: Request) -> Response:
        services: Services = request.app.state.services
        kind, options = parse_options_header(request.headers.get("content-type"))
        if kind != b"multipart/form-data" or not options.get(b"boundary"):
            return problem(_bad("Send the upload as multipart/form-data (GraphQL multipart)."))
        async with services.sessions() as session:
            try:
                principal = await caller(request, session, services)
                parts = MultipartStream(request.stream(), options[b"boundary"])
                wanted = upload_operation(
                    await parts.read_json("operations"), await parts.read_json("map")
                )
                name, filename, content_type = await parts.next_part()
                if name != wanted.part:
                    raise _bad(f"The file part must follow 'map' and be named '{wanted.part}'.")
            except HubError as exc:
                return problem(exc)
            file = StreamedFile(parts, filename, content_type)
            file.min_size = _declared_file_size(request)
            result = await schema.execute(
                wanted.query,
                variable_values={**wanted.variables, wanted.variable: file},
                context_value=Context(session, principal, services),
                operation_name=wanted.operation_name,
            )
        return JSONResponse(http_body(result))

    return router


def _declared_file_size(request: Request) -> int | None:
    """A lower bound of the file's size from ``Content-Length`` (to refuse an announced
    oversized upload before reading it; the bytes received are counted anyway)."""
    length = request.headers.get("content-length", "")
    return max(0, int(length) - MULTIPART_OVERHEAD) if length.isdigit() else None


def _bad(message: str) -> HubError:
    return BadInput(message)
