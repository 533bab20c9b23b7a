"""Calling the files API as a client does: named operations, multipart uploads, downloads."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.graphql import GraphQLClient, Reply, operation

WORKSPACES = operation("scripts/FilesWorkspaces")
FOLDER = operation("scripts/FilesFolder")
CREATE_FOLDER = operation("scripts/FilesCreateFolder")
UPLOAD = operation("scripts/FilesUpload")
MOVE = operation("scripts/FilesMove")
DELETE = operation("scripts/FilesDelete")
SHARE = operation("scripts/FilesShare")
RECENT = operation("scripts/FilesRecent")


async def workspace_ids(gql: GraphQLClient, token: str) -> dict[str, str]:
    """Workspace name -> id, as the caller sees them."""
    data = (await gql(WORKSPACES, token=token)).ok()
    return {w["name"]: w["id"] for w in data["workspaces"]}


async def names(gql: GraphQLClient, token: str, workspace: str, path: str = "/") -> list[str]:
    data = (await gql(FOLDER, {"id": workspace, "path": path}, token=token)).ok()
    return [e["name"] for e in data["workspace"]["entries"]]


def multipart_fields(variables: dict[str, Any], query: str = UPLOAD) -> dict[str, str]:
    return {
        "operations": json.dumps({"query": query, "variables": {**variables, "file": None}}),
        "map": json.dumps({"0": ["variables.file"]}),
    }


async def upload(
    gql: GraphQLClient,
    token: str,
    workspace: str,
    path: str,
    content: bytes,
    *,
    filename: str = "fichier.txt",
    overwrite: bool = False,
    keep_both: bool = False,
) -> Reply:
    fields = multipart_fields(
        {"workspace": workspace, "path": path, "overwrite": overwrite, "keepBoth": keep_both}
    )
    response = await gql.http.post(
        "/graphql/upload",
        data=fields,
        files={"0": (filename, content, "text/plain")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    return Reply(response.status_code, body.get("data"), body.get("errors") or [])


async def download(
    http: httpx.AsyncClient, url: str, token: str, headers: dict[str, str | bytes] | None = None
) -> httpx.Response:
    return await http.get(url, headers={"Authorization": f"Bearer {token}", **(headers or {})})
