"""Every GraphQL error leaves with an ``extensions.code`` from the documented set.

Domain errors keep their message; connector outages become BACKEND_UNAVAILABLE; syntax and
validation errors are BAD_INPUT; anything else is masked as INTERNAL and logged in full.
"""

from __future__ import annotations

import logging

from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from connectors.errors import ConnectorError
from graphql import GraphQLError
from hub.backend_errors import api_error
from hub.errors import ErrorCode, HubError

log = logging.getLogger("hub.graphql")

INTERNAL_MESSAGE = "Something went wrong on our side; it has been logged. Try again later."


def classify(error: GraphQLError) -> tuple[ErrorCode, str]:
    original = error.original_error
    if original is None:
        return ErrorCode.BAD_INPUT, error.message
    if isinstance(original, HubError):
        return original.code, original.message
    if isinstance(original, ConnectorError):  # one that escaped its domain's translation
        translated = api_error(original)
        return translated.code, translated.message
    if isinstance(original, GraphQLError):  # e.g. a scalar that failed to parse
        return ErrorCode.BAD_INPUT, original.message
    log.error("unexpected error at %s", error.path, exc_info=original)
    return ErrorCode.INTERNAL, INTERNAL_MESSAGE


def with_code(error: GraphQLError) -> GraphQLError:
    code, message = classify(error)
    extensions: dict[str, object] = {"code": code.value}
    original = error.original_error
    if isinstance(original, HubError) and original.field:
        extensions["field"] = original.field
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def http_body(result: ExecutionResult) -> GraphQLHTTPResponse:
    """The response body, every error coded; parse and validation errors included, which
    strawberry returns before any schema extension could see them."""
    body: GraphQLHTTPResponse = {"data": result.data}
    if result.errors:
        body["errors"] = [with_code(error).formatted for error in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return body
