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
    """The files modified most recently in ``workspaces`` (``RecentFiles``), each with its
    workspace and its folder."""
    found = [
        {
            **entry,
            "workspace": {"id": workspace["id"], "name": workspace["name"]},
            "folder_path": posixpath.dirname(entry["path"]),
        }
        for workspace in workspaces
        for entry in workspace.get("recentFiles") or []
        if entry.get("modifiedAt") and not entry.get("folder")
    ]
    # ISO 8601 instants in UTC sort as text.
    return sorted(found, key=lambda entry: str(entry["modifiedAt"]), reverse=True)[:count]


def uploader(language: Language, limit: int) -> dict[str, Any]:
    """What the page's script needs to post files to /graphql/upload itself."""
    name, reason = "{name}", "{reason}"
    messages: dict[str, str | dict[str, str]] = {
        code: language.gettext(text) for code, text in BY_CODE.items()
    }
    messages |= {
        "TOO_LARGE": language.gettext(TOO_LARGE, limit=language.size(limit)),
        "BAD_NAME": language.gettext(BAD_NAME),
        "CONFLICT": language.gettext(EXISTS),
        "NOT_STORED": language.gettext(NOT_STORED, name=name, reason=reason),
        # Plurals as the page's script chooses them (Intl.PluralRules): "one" and "other".
        "SENDING": language.plural_forms(
            "Envoi de %(num)d fichier…", "Envoi de %(num)d fichiers…", num="{total}"
        ),
        "DONE": language.plural_forms(
            "Envoi terminé : %(num)d fichier déposé sur %(total)s.",
            "Envoi terminé : %(num)d fichiers déposés sur %(total)s.",
            num="{done}",
            total="{total}",
        ),
        "REPLACE": language.gettext(N_("Remplacer")),
        "KEEP_BOTH": language.gettext(N_("Garder les deux")),
        "ON_FILE": language.gettext(N_("%(action)s : %(name)s"), action="{action}", name=name),
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
        clash = v.field("clash")
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
                    {
                        "workspace": workspace,
                        "path": folder.rstrip("/") + "/",
                        "file": file,
                        "overwrite": clash == "replace",
                        "keepBoth": clash == "keep-both",
                    },
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

    @router.get("/files/{workspace}/move")
    async def choose_folder(
        v: Visit = Depends(visit), workspace: str = "", path: str = "", into: str = ""
    ) -> Response:
        """The folder picker: the folders of ``into``, to go down into or to move to."""
        nav = await page(v)
        moved = clean(path)
        here = clean(into or posixpath.dirname(moved))
        answer = await v.run("Folder", {"id": workspace, "path": here})
        found = answer.data.get("workspace")
        if found is None:
            v.refuse_unless_ok(answer, missing=N_("Ce dossier n'existe pas."))
        folders = [
            e for e in (found or {}).get("entries") or [] if e["folder"] and e["path"] != moved
        ]
        return v.render(
            "move.html",
            {
                "nav": nav,
                "workspace": found,
                "moved": moved,
                "parent": posixpath.dirname(moved),
                "name": posixpath.basename(moved),
                "destination": here,
                "crumbs": crumbs(here),
                "folders": sorted(folders, key=lambda e: e["name"].lower()),
                "same_place": here == posixpath.dirname(moved),
                "inside_itself": here == moved or here.startswith(moved + "/"),
            },
        )

    @router.post("/files/{workspace}/move")
    async def move(workspace: str, v: Visit = Depends(visit)) -> Response:
        source = clean(v.field("from"))
        name = posixpath.basename(source)
        if v.field("into"):
            to = clean(posixpath.join(clean(v.field("into")), name))
            success = N_("« %(name)s » a été déplacé vers « %(to)s ».")
        else:
            renamed = v.field("name")
            if not renamed or "/" in renamed:
                v.flash(v.language.gettext(BAD_NAME), "error")
                return v.done(folder_url(workspace, posixpath.dirname(source)))
            to = clean(posixpath.join(posixpath.dirname(source), renamed))
            success = N_("« %(name)s » s'appelle maintenant « %(to)s ».")
        target = folder_url(workspace, posixpath.dirname(source))
        answer = await v.run("MoveEntry", {"workspace": workspace, "from": source, "to": to})
        if not answer.ok:
            return v.failed(target, answer.problems)
        shown = to if v.field("into") else posixpath.basename(to)
        return v.done(folder_url(workspace, posixpath.dirname(to)), success, name=name, to=shown)

    @router.get("/files/{workspace}/delete")
    async def confirm_delete(
        workspace: str, v: Visit = Depends(visit), path: str = "", kind: str = "file"
    ) -> Response:
        nav = await page(v)
        path = clean(path)
        if kind == "folder":
            title = v.language.gettext("Supprimer un dossier")
            question = v.language.gettext(
                "Supprimer le dossier « %(name)s » et tout ce qu'il contient ? "
                "Cette action est définitive.",
                name=posixpath.basename(path),
            )
        else:
            title = v.language.gettext("Supprimer un fichier")
            question = v.language.gettext(
                "Supprimer le fichier « %(name)s » ? Cette action est définitive.",
                name=posixpath.basename(path),
            )
        return v.render(
            "confirm.html",
            {
                "nav": nav,
                "title": title,
                "question": question,
                "confirm": v.language.gettext("Supprimer"),
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
