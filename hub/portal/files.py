"""Files: browse a workspace, upload (several files, with progress), new folder, move, delete."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, UploadFile

from hub.errors import BadInput
from hub.files.multipart import CutOff, MultipartStream, StreamedFile
from hub.portal.client import Problem, operation
from hub.portal.i18n import N_, Language
from hub.portal.messages import BY_CODE, explain_all
from hub.portal.nav import page
from hub.portal.web import Refused, Visit


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


UPLOAD_ROUTE = "/files/{workspace}/upload"
MAX_FIELDS = 8
MAX_FIELD_BYTES = 4096
BAD_FORM = N_("Le formulaire d'envoi n'est pas valide ; rechargez la page et réessayez.")
BAD_NAME = N_(
    "Ce nom de fichier n'est pas accepté (les caractères : * ? \" < > | \\ sont interdits)."
)
EXISTS = N_("Un fichier de ce nom existe déjà dans ce dossier.")
TOO_LARGE = N_("Il dépasse la taille maximale autorisée (%(limit)s).")
NOT_STORED = N_("« %(name)s » n'a pas été déposé. %(reason)s")


@dataclass
class Waiting:
    """An upload's body after its leading fields: the files, still to be read."""

    stream: MultipartStream
    part: tuple[str, str | None, str | None] | None


async def leading_fields(request: Request) -> FormData:
    """The fields before the first file (the CSRF token, the folder); the files stay in the
    body, left in ``request.state.portal_upload``. Browsers send fields in the form's order."""
    kind, options = parse_options_header(request.headers.get("content-type"))
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise Refused(400, BAD_FORM)
    stream = MultipartStream(request.stream(), options[b"boundary"])
    fields: list[tuple[str, str | UploadFile]] = []
    part = None
    for _ in range(MAX_FIELDS):
        part = await following_part(stream)
        if part is None or part[1] is not None:
            break
        value = bytearray()
        while (event := await stream.next_event()) is not None and event[0] == "data":
            value += event[1]
            if len(value) > MAX_FIELD_BYTES:
                raise Refused(400, BAD_FORM)
        fields.append((part[0], value.decode("utf-8", "replace")))
        part = None
    request.state.portal_upload = Waiting(stream, part)
    return FormData(fields)


async def following_part(stream: MultipartStream) -> tuple[str, str | None, str | None] | None:
    """The next part's name, file name and type; None at the end of the body."""
    try:
        return await stream.next_part()
    except BadInput:  # the body ended (or broke off): nothing more to read
        return None


def refusal(language: Language, filename: str, problems: list[Problem], limit: int) -> str:
    """Why this file was not stored, in one sentence that names it."""
    codes = {problem.code for problem in problems}
    fields = {problem.field for problem in problems}
    if "TOO_LARGE" in codes:
        reason = language.gettext(TOO_LARGE, limit=language.size(limit))
    elif "BAD_INPUT" in codes and fields & {"file", "path"}:
        reason = language.gettext(BAD_NAME)
    elif "CONFLICT" in codes:
        reason = language.gettext(EXISTS)
    else:
        reason = " ".join(explain_all(problems, language))
    return language.gettext(NOT_STORED, name=filename, reason=reason)


RECENT = 6


def newest(workspaces: list[dict[str, Any]], count: int = RECENT) -> list[dict[str, Any]]:
    """The most recently modified entries at the roots of ``workspaces`` (``RecentFiles``),
    each with its workspace."""
    found = [
        {**entry, "workspace": {"id": workspace["id"], "name": workspace["name"]}}
        for workspace in workspaces
        for entry in workspace.get("entries") or []
        if entry.get("modifiedAt")
    ]
    # ISO 8601 instants in UTC sort as text.
    return sorted(found, key=lambda entry: str(entry["modifiedAt"]), reverse=True)[:count]


def uploader(language: Language, limit: int) -> dict[str, Any]:
    """What the page's script needs to post files to /graphql/upload itself."""
    name, reason = "{name}", "{reason}"
    messages = {code: language.gettext(text) for code, text in BY_CODE.items()}
    messages |= {
        "TOO_LARGE": language.gettext(TOO_LARGE, limit=language.size(limit)),
        "BAD_NAME": language.gettext(BAD_NAME),
        "CONFLICT": language.gettext(EXISTS),
        "NOT_STORED": language.gettext(NOT_STORED, name=name, reason=reason),
        "SENDING": language.gettext(N_("Envoi de %(total)s fichier(s)…"), total="{total}"),
        "DONE": language.gettext(
            N_("Envoi terminé : %(done)s fichier(s) déposé(s) sur %(total)s."),
            done="{done}",
            total="{total}",
        ),
        "OFFLINE": language.gettext(
            N_("L'envoi a échoué ; vérifiez votre connexion et réessayez.")
        ),
    }
    return {"query": operation("UploadFile"), "limit": limit, "messages": messages}


def routes(router: APIRouter, visit: Callable[..., Any], upload_visit: Callable[..., Any]) -> None:
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
                "uploader": uploader(
                    v.language, v.request.app.state.services.settings.max_upload_bytes
                ),
            },
        )

    @router.post(UPLOAD_ROUTE)
    async def upload(
        request: Request, workspace: str, v: Visit = Depends(upload_visit)
    ) -> Response:
        """The form without JavaScript (the page's script posts each file to /graphql/upload):
        each file part goes from the request body to the file server as it arrives."""
        folder = clean(v.field("path", "/"))
        target = folder_url(workspace, folder)
        waiting: Waiting = request.state.portal_upload
        limit = request.app.state.services.settings.max_upload_bytes
        stored, chosen = 0, 0
        part = waiting.part
        while part is not None:
            name, filename, content_type = part
            file = StreamedFile(waiting.stream, filename, content_type)
            if name == "files" and filename:
                chosen += 1
                answer = await v.run(
                    "UploadFile",
                    {"workspace": workspace, "path": folder.rstrip("/") + "/", "file": file},
                )
                if answer.ok:
                    stored += 1
                else:
                    v.flash(refusal(v.language, filename, answer.problems, limit), "error")
            # what the upload did not take: a refused file, or a part that is not a file,
            # which is as small as the leading fields
            left = None if filename else MAX_FIELD_BYTES
            try:
                while chunk := await file.read():
                    if left is not None and (left := left - len(chunk)) < 0:
                        raise Refused(400, BAD_FORM)
            except CutOff:
                break
            part = await following_part(waiting.stream)
        if stored:
            v.flash(
                v.language.ngettext("%(num)d fichier déposé.", "%(num)d fichiers déposés.", stored)
            )
        elif not chosen:
            v.flash(v.language.gettext("Choisissez au moins un fichier."), "error")
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
