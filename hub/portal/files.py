"""Files: browse a workspace, upload (several files, with progress), new folder, move, delete."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from hub.portal.i18n import N_
from hub.portal.nav import page
from hub.portal.web import Visit


def clean(path: str) -> str:
    """A workspace path as the API wants it (the API checks it again)."""
    joined = posixpath.normpath("/" + path.strip().lstrip("/"))
    return "/" if joined in ("/", "//", ".") else joined


def folder_url(workspace: str, path: str) -> str:
    return f"/files/{workspace}?" + urlencode({"path": clean(path)})


def crumbs(path: str) -> list[tuple[str, str]]:
    """(name, path) from the root to ``path``."""
    trail, current = [], ""
    for part in [p for p in clean(path).split("/") if p]:
        current += "/" + part
        trail.append((part, current))
    return trail


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get("/files")
    async def workspaces(v: Visit = Depends(visit)) -> Response:
        nav = await page(v)
        answer = await v.run("Workspaces")
        return v.render(
            "workspaces.html",
            {
                "nav": nav,
                "workspaces": answer.data.get("workspaces") or [],
                "problems": v.explain(answer.problems),
            },
        )

    @router.get("/files/{workspace}")
    async def folder(v: Visit = Depends(visit), workspace: str = "", path: str = "/") -> Response:
        nav = await page(v)
        path = clean(path)
        answer = await v.run("Folder", {"id": workspace, "path": path})
        found = answer.data.get("workspace")
        if found is None:
            v.refuse_unless_ok(answer, missing=N_("Cet espace de fichiers n'existe pas."))
        entries = sorted(
            (found or {}).get("entries") or [], key=lambda e: (not e["folder"], e["name"].lower())
        )
        return v.render(
            "folder.html",
            {
                "nav": nav,
                "workspace": found,
                "folder": path,
                "parent": posixpath.dirname(path) if path != "/" else None,
                "crumbs": crumbs(path),
                "entries": entries,
                "problems": v.explain(answer.problems),
            },
        )

    @router.post("/files/{workspace}/upload")
    async def upload(request: Request, workspace: str, v: Visit = Depends(visit)) -> Response:
        folder = clean(v.field("path", "/"))
        target = folder_url(workspace, folder)
        sent = [f for f in (v.form.getlist("files") if v.form else []) if isinstance(f, UploadFile)]
        sent = [f for f in sent if f.filename]
        problems = []
        stored = 0
        for file in sent:
            answer = await v.run(
                "UploadFile",
                {
                    "workspace": workspace,
                    "path": posixpath.join(folder, file.filename or "fichier"),
                    "file": file,
                },
            )
            problems.extend(answer.problems)
            stored += 0 if answer.problems else 1
        if problems:
            v.failed(target, problems)
        if stored:
            v.flash(
                v.language.ngettext("%(num)d fichier déposé.", "%(num)d fichiers déposés.", stored)
            )
        elif not sent:
            v.flash(v.language.gettext("Choisissez au moins un fichier."), "error")
        if wants_json(request):  # the progress bar's request: the page reloads itself
            return JSONResponse({"stored": stored, "failed": len(sent) - stored, "next": target})
        return v.done(target)

    @router.post("/files/{workspace}/folder")
    async def new_folder(workspace: str, v: Visit = Depends(visit)) -> Response:
        folder = clean(v.field("path", "/"))
        name = v.field("name")
        target = folder_url(workspace, folder)
        answer = await v.run(
            "CreateFolder", {"workspace": workspace, "path": posixpath.join(folder, name)}
        )
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "Le dossier « %(name)s » a été créé.", name=name)

    @router.post("/files/{workspace}/move")
    async def move(workspace: str, v: Visit = Depends(visit)) -> Response:
        source = clean(v.field("from"))
        destination = v.field("to")
        # A bare name renames in place; a path moves.
        if "/" not in destination:
            destination = posixpath.join(posixpath.dirname(source), destination)
        to = clean(destination)
        target = folder_url(workspace, posixpath.dirname(source))
        answer = await v.run("MoveEntry", {"workspace": workspace, "from": source, "to": to})
        if not answer.ok:
            return v.failed(target, answer.problems)
        name = posixpath.basename(source)
        return v.done(target, "« %(name)s » a été déplacé vers %(to)s.", name=name, to=to)

    @router.get("/files/{workspace}/delete")
    async def confirm_delete(workspace: str, v: Visit = Depends(visit), path: str = "") -> Response:
        nav = await page(v)
        path = clean(path)
        return v.render(
            "confirm.html",
            {
                "nav": nav,
                "title": v.language.gettext("Supprimer"),
                "question": v.language.gettext(
                    "Supprimer « %(name)s » ? Un dossier est supprimé avec tout son contenu.",
                    name=posixpath.basename(path),
                ),
                "action": f"/files/{workspace}/delete",
                "fields": {"path": path},
                "cancel": folder_url(workspace, posixpath.dirname(path)),
            },
        )

    @router.post("/files/{workspace}/delete")
    async def delete(workspace: str, v: Visit = Depends(visit)) -> Response:
        path = clean(v.field("path"))
        target = folder_url(workspace, posixpath.dirname(path))
        answer = await v.run("DeleteEntry", {"workspace": workspace, "path": path})
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "« %(name)s » a été supprimé.", name=posixpath.basename(path))
