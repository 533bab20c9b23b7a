"""The GraphQL multipart request spec, read as the body arrives (never spooled to disk).

A request is ``operations`` (the JSON query and variables), ``map`` (which part fills which
variable), then the file parts. Both JSON parts are small and capped; the file part is handed
to the resolver as a ``StreamedFile`` whose ``read`` pulls the next piece of the body, so the
hub holds at most one network read of it at a time.

Only what ``uploadFile`` needs is accepted: one operation, one mutation field, one file.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from hub.errors import BadInput

MAX_JSON_PART = 64 * 1024
UPLOAD_FIELD = "uploadFile"

Event = tuple[str, Any]


class CutOff(Exception):
    """The body ended before the file did (the client went away mid-upload)."""


class MultipartStream:
    """Parts of a multipart body, parsed as it is read from ``body``."""

    def __init__(self, body: AsyncIterator[bytes], boundary: bytes) -> None:
        self._body = body.__aiter__()
        self._events: deque[Event] = deque()
        self._finished = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": lambda d, s, e: self._events.append(("data", bytes(d[s:e]))),
                "on_part_end": lambda: self._events.append(("end", None)),
            },
        )

    def _header_end(self) -> None:
        self._headers[self._header_name.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        self._events.append(("part", self._headers))
        self._headers = {}

    async def next_event(self) -> Event | None:
        """The next event (``part`` with its headers, ``data``, ``end``), None past the end."""
        while not self._events:
            if self._finished:
                return None
            try:
                chunk = await anext(self._body)
            except StopAsyncIteration:
                self._finished = True
                continue
            try:
                self._parser.write(chunk)
            except MultipartParseError as exc:
                raise BadInput("The multipart body is malformed.") from exc
        return self._events.popleft()

    async def next_part(self) -> tuple[str, str | None, str | None]:
        """The next part's name, file name and content type."""
        event = await self.next_event()
        while event is not None and event[0] != "part":
            event = await self.next_event()
        if event is None:
            raise BadInput("The multipart body ended before its file.")
        headers: dict[str, bytes] = event[1]
        _, options = parse_options_header(headers.get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        content_type = headers.get("content-type")
        return (
            name,
            filename.decode("utf-8", "replace") if filename is not None else None,
            content_type.decode("latin-1") if content_type else None,
        )

    async def read_json(self, expected: str) -> Any:
        """The next part, which must be the small JSON part ``expected``."""
        name, _, _ = await self.next_part()
        if name != expected:
            raise BadInput(f"The multipart body must send '{expected}' here, not '{name}'.")
        body = bytearray()
        while (event := await self.next_event()) is not None and event[0] == "data":
            body += event[1]
            if len(body) > MAX_JSON_PART:
                raise BadInput(f"The '{expected}' part is too long.")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise BadInput(f"The '{expected}' part is not JSON.") from exc


class StreamedFile:
    """The file part, read by the resolver as it arrives (the ``Upload`` it receives)."""

    def __init__(self, stream: MultipartStream, filename: str | None, content_type: str | None):
        self._stream = stream
        self.filename = filename
        self.content_type = content_type
        self.min_size: int | None = None
        """At least this many bytes are announced (from the request's Content-Length)."""
        self._done = False

    async def read(self, size: int = -1) -> bytes:
        """The next piece of the file as received (at most one network read), b"" at its end;
        ``size`` is a hint: pieces are never buffered up to it."""
        while not self._done:
            event = await self._stream.next_event()
            if event is None:
                raise CutOff("the request body ended in the middle of the file")
            if event[0] == "data" and event[1]:
                return bytes(event[1])
            if event[0] != "data":
                self._done = True
        return b""


class UploadRequest:
    """The checked ``operations`` and ``map`` of an upload."""

    def __init__(
        self, query: str, name: str | None, variables: dict[str, Any], part: str, variable: str
    ) -> None:
        self.query = query
        self.operation_name = name
        self.variables = variables
        self.part = part
        self.variable = variable


def upload_operation(operations: Any, mapping: Any) -> UploadRequest:
    """Check that the request is one ``uploadFile`` mutation with one file mapped to one
    top-level variable."""
    if not isinstance(operations, dict) or not isinstance(operations.get("query"), str):
        raise BadInput("'operations' must be one operation (batches are not accepted here).")
    query: str = operations["query"]
    variables = operations.get("variables") or {}
    if not isinstance(variables, dict):
        raise BadInput("'variables' must be an object.")
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise BadInput(f"The query does not parse: {exc.message}") from exc
    operations_defined = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations_defined) != 1 or operations_defined[0].operation != OperationType.MUTATION:
        raise BadInput("This endpoint takes exactly one mutation: uploadFile.")
    selections = operations_defined[0].selection_set.selections
    if len(selections) != 1 or not (
        isinstance(selections[0], FieldNode) and selections[0].name.value == UPLOAD_FIELD
    ):
        raise BadInput("This endpoint takes exactly one mutation: uploadFile.")
    if not isinstance(mapping, dict) or len(mapping) != 1:
        raise BadInput("'map' must name exactly one file.")
    ((part, targets),) = mapping.items()
    if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], str):
        raise BadInput("'map' must send the file to exactly one variable.")
    prefix, _, variable = targets[0].partition(".")
    if prefix != "variables" or not variable or "." in variable:
        raise BadInput("'map' must point at a top-level variable, e.g. 'variables.file'.")
    name = operations_defined[0].name
    return UploadRequest(query, name.value if name else None, variables, str(part), variable)
