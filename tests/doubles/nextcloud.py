"""A strict Nextcloud double: a real HTTP server (aiohttp.web, own thread, 127.0.0.1).

Fixture: ``nextcloud_double`` (session) -> ``NextcloudDouble`` with ``url``, ``username``,
``password``, ``requests`` (method, decoded path) log, ``groups``, ``folders``, ``upload_dirs()``
and ``quota_free`` (bytes, None = unlimited).

What it models, and where each rule comes from upstream:
- Auth: HTTP Basic for the one user; WebDAV without it -> 401 + ``WWW-Authenticate`` (sabre/dav
  auth plugin). OCS v2 without it -> HTTP 401, ``statuscode`` 997 (OCS V2Response maps 997->401).
- OCS (``/ocs/v2.php/cloud/groups``, ``/cloud/groups/{gid}``, ``/cloud/users``): JSON envelope
  ``{"ocs": {"meta": …, "data": …}}`` only when ``Accept: application/json`` (else XML, as
  Nextcloud); v2 status mapping: success 200/statuscode 200; 102 (group exists) and 101 (no
  name) -> HTTP 400 (codes < 200 map to 400); 404 -> 404 (provisioning_api GroupsController).
- ``OCS-APIRequest: true`` missing -> HTTP 412 ``{"message": "CSRF check failed"}``, the shape
  Nextcloud's SecurityMiddleware answers (nextcloud/server#2753). Real Nextcloud lets a
  cookie-less Basic-auth call through without the header; the docs require it, so the double
  always does (stricter, never laxer).
- Team folders (groupfolders app, ``/index.php/apps/groupfolders/…``): OCSController on a
  non-OCS route, so a v1 envelope (HTTP 200, ``statuscode`` 100); ``GET folders`` returns an
  object keyed by id, and ``[]`` when there is none (PHP's empty array); ``POST folders
  {mountpoint}`` returns the folder; ``POST folders/{id}/groups {group}`` -> ``{"success":
  true}``, ``DELETE folders/{id}/groups/{group}`` takes it off; ``POST
  folders/{id}/mountpoint {mountpoint}`` renames; JSON or form bodies
  (AppFramework reads both).
- WebDAV files (``/remote.php/dav/files/{user}/…``, sabre/dav + Nextcloud's dav app): stored in
  a folder. PROPFIND Depth 0/1 (missing/infinity -> 1, Nextcloud disables infinity), 207 with a
  200 propstat and a 404 propstat for unknown props; ``d:getetag`` quoted, ``oc:fileid``,
  ``oc:permissions``, ``oc:size`` (folders too), ``nc:mount-type``; ``getcontentlength`` and
  ``getcontenttype`` only on files (404 propstat on folders). MKCOL: 405 exists, 409 no
  parent, 415 with a body. PUT: 409 no parent, 507 over quota, written to a part file then
  renamed (Nextcloud's .part upload), so an interrupted PUT leaves nothing. GET: one Range
  -> 206, unsatisfiable -> 416 (a multi-range request gets the whole file). MOVE:
  ``Destination`` required (400), other server -> 502, ``Overwrite`` T/F (412 if F and the
  target exists), 409 no parent, 201 created / 204 replaced. DELETE: 404, 204.
  ``.htaccess`` is refused with 403 (Nextcloud's forbidden file names). OPTIONS: 200 with
  ``DAV``/``Allow``; on the DAV root only, ``DASL: <DAV:basicsearch>``.
- File search: ``SEARCH /remote.php/dav/`` (``nextcloud_search``, with its upstream sources).
- Chunked upload v2 (``/remote.php/dav/uploads/{user}/…``, developer manual "Chunked file
  upload v2"): only v2 is modelled, so every MKCOL and PUT needs ``Destination`` (400); chunk
  names are integers 1…10000 (400); a chunk over 5 GiB -> 413; ``OC-Total-Length`` over the
  quota -> 507; ``MOVE …/.file`` assembles in numeric order and refuses (400) a chunk under
  5 MiB that is not the last (the documented, fixed S3 multipart minimum, not a setting), or a
  total different from ``OC-Total-Length``; the upload folder is removed afterwards;
  DELETE of the folder aborts.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import mimetypes
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

import defusedxml.ElementTree as DefusedET
import pytest
from aiohttp import web

from hub.embedded.process import free_port
from tests.doubles.nextcloud_search import Refused, Search

DAV, OC, NC = "DAV:", "http://owncloud.org/ns", "http://nextcloud.org/ns"
PREFIX = {DAV: "d", OC: "oc", NC: "nc"}
MIN_CHUNK = 5 * 1024 * 1024
NOT_HANDLED = "There was no plugin in the system that was willing to handle this {method} method."
MAX_CHUNK = 5 * 1024 * 1024 * 1024
KNOWN_PROPS = [
    (DAV, "resourcetype"),
    (DAV, "getetag"),
    (DAV, "getcontentlength"),
    (DAV, "getcontenttype"),
    (DAV, "getlastmodified"),
    (OC, "fileid"),
    (OC, "permissions"),
    (OC, "size"),
    (NC, "mount-type"),
]


@dataclass
class NextcloudDouble:
    url: str
    username: str
    password: str
    data_dir: Path
    quota_free: int | None = None
    groups: set[str] = field(default_factory=lambda: {"admin"})
    folders: dict[int, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    # Seconds the server takes to answer once it has assembled a chunked upload (a large
    # file takes Nextcloud a while: it writes the whole file before it answers).
    assembly_seconds: float = 0.0

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files" / self.username

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads" / self.username

    def upload_dirs(self) -> list[str]:
        return sorted(p.name for p in self.uploads_dir.iterdir())


# --- helpers -----------------------------------------------------------------------------


def _ocs(
    request: web.Request, *, code: int, data: Any, message: str = "", v2: bool = True
) -> web.Response:
    ok = code in (100, 200)
    if v2:
        if code == 997:
            http = 401
        elif code == 998:
            http = 404
        elif code in (996, 999):
            http = 500
        elif code < 200 or code > 600:
            http = 400
        else:
            http = code
        statuscode = code
    else:
        http = 401 if code == 997 else 200
        statuscode = 100 if code == 200 else code
    meta = {
        "status": "ok" if ok else "failure",
        "statuscode": statuscode,
        "message": message or ("OK" if ok else ""),
        "totalitems": "",
        "itemsperpage": "",
    }
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response({"ocs": {"meta": meta, "data": data}}, status=http)
    inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in meta.items())
    body = f'<?xml version="1.0"?>\n<ocs><meta>{inner}</meta><data/></ocs>'
    return web.Response(status=http, text=body, content_type="text/xml")


def _etag(stat_result: Any) -> str:
    raw = f"{stat_result.st_ino}-{stat_result.st_mtime_ns}-{stat_result.st_size}"
    return '"' + hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest() + '"'


def _dav_error(status: int, message: str) -> web.Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
        f"<s:message>{escape(message)}</s:message></d:error>"
    )
    return web.Response(status=status, text=body, content_type="application/xml")


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- the application ---------------------------------------------------------------------


class _App:
    def __init__(self, state: NextcloudDouble) -> None:
        self.state = state
        self.next_folder_id = 1

    def build(self) -> web.Application:
        app = web.Application(middlewares=[self.log, self.auth], client_max_size=MAX_CHUNK)
        user = "{user}"
        app.router.add_route("*", "/ocs/v2.php/cloud/groups", self.groups)
        app.router.add_route("*", "/ocs/v2.php/cloud/groups/{gid}", self.group)
        app.router.add_route("*", "/ocs/v2.php/cloud/users", self.users)
        app.router.add_route("*", "/index.php/apps/groupfolders/folders", self.gf_folders)
        app.router.add_route("*", "/index.php/apps/groupfolders/folders/{id}", self.gf_folder)
        app.router.add_route(
            "*", "/index.php/apps/groupfolders/folders/{id}/groups", self.gf_groups
        )
        app.router.add_route("*", "/remote.php/dav", self.dav_root)
        app.router.add_route("*", "/remote.php/dav/", self.dav_root)
        app.router.add_route(
            "*", "/index.php/apps/groupfolders/folders/{id}/mountpoint", self.gf_mountpoint
        )
        app.router.add_route(
            "*", "/index.php/apps/groupfolders/folders/{id}/groups/{gid}", self.gf_group
        )
        app.router.add_route("*", f"/remote.php/dav/files/{user}" + "{path:.*}", self.files)
        app.router.add_route("*", f"/remote.php/dav/uploads/{user}/" + "{path:.*}", self.uploads)
        return app

    @web.middleware
    async def log(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.state.requests.append((request.method, request.path))
        response: web.StreamResponse = await handler(request)
        return response

    def _authenticated(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.state.username and password == self.state.password

    @web.middleware
    async def auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        ocs = path.startswith(("/ocs/", "/index.php/apps/"))
        if not self._authenticated(request):
            if path.startswith("/ocs/v2.php/"):
                return _ocs(request, code=997, data=[], message="Current user is not logged in")
            if ocs:
                return web.json_response({"message": "Current user is not logged in"}, status=401)
            refused = _dav_error(401, "No public access to this resource.")
            refused.headers["WWW-Authenticate"] = 'Basic realm="Nextcloud", charset="UTF-8"'
            return refused
        if ocs and request.headers.get("OCS-APIRequest", "").lower() != "true":
            return web.json_response({"message": "CSRF check failed"}, status=412)
        if not ocs and request.match_info.get("user", self.state.username) != self.state.username:
            return _dav_error(404, "Principal not found")
        response: web.StreamResponse = await handler(request)
        return response

    async def _form(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return body if isinstance(body, dict) else {}
        return dict(await request.post())

    # --- OCS provisioning ----------------------------------------------------------------

    async def groups(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            search = request.query.get("search", "")
            found = sorted(g for g in self.state.groups if search in g)
            return _ocs(request, code=200, data={"groups": found})
        if request.method == "POST":
            gid = str((await self._form(request)).get("groupid", "")).strip()
            if not gid:
                return _ocs(request, code=101, data=[], message="Invalid group name")
            if gid in self.state.groups:
                return _ocs(request, code=102, data=[], message="group exists")
            self.state.groups.add(gid)
            return _ocs(request, code=200, data=[])
        return web.Response(status=405)

    async def group(self, request: web.Request) -> web.Response:
        gid = request.match_info["gid"]
        if request.method != "GET":
            return web.Response(status=405)
        if gid not in self.state.groups:
            return _ocs(
                request, code=404, data=[], message="The requested group could not be found"
            )
        members = [self.state.username] if gid == "admin" else []
        return _ocs(request, code=200, data={"users": members})

    async def users(self, request: web.Request) -> web.Response:
        if request.method != "GET":
            return web.Response(status=405)
        return _ocs(request, code=200, data={"users": [self.state.username]})

    # --- groupfolders --------------------------------------------------------------------

    async def gf_folders(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            folders = {str(k): v for k, v in self.state.folders.items()}
            return _ocs(request, code=200, data=folders or [], v2=False)
        if request.method == "POST":
            mount_point = str((await self._form(request)).get("mountpoint", "")).strip()
            if not mount_point:
                return _ocs(request, code=400, data=[], message="missing mountpoint", v2=False)
            folder_id = self.next_folder_id
            self.next_folder_id += 1
            folder = {
                "id": folder_id,
                "mount_point": mount_point,
                "groups": [],
                "quota": -3,
                "size": 0,
                "acl": False,
                "manage": [],
            }
            self.state.folders[folder_id] = folder
            return _ocs(request, code=200, data=folder, v2=False)
        return web.Response(status=405)

    def _gf(self, request: web.Request) -> dict[str, Any] | None:
        try:
            return self.state.folders.get(int(request.match_info["id"]))
        except ValueError:
            return None

    async def gf_folder(self, request: web.Request) -> web.Response:
        folder = self._gf(request)
        if folder is None:
            return _ocs(request, code=404, data=[], message="Folder not found", v2=False)
        if request.method == "GET":
            return _ocs(request, code=200, data=folder, v2=False)
        if request.method == "DELETE":
            del self.state.folders[folder["id"]]
            return _ocs(request, code=200, data={"success": True}, v2=False)
        return web.Response(status=405)

    async def gf_groups(self, request: web.Request) -> web.Response:
        folder = self._gf(request)
        if folder is None:
            return _ocs(request, code=404, data=[], message="Folder not found", v2=False)
        if request.method != "POST":
            return web.Response(status=405)
        group = str((await self._form(request)).get("group", "")).strip()
        if not group:
            return _ocs(request, code=400, data=[], message="missing group", v2=False)
        groups = folder["groups"] if isinstance(folder["groups"], dict) else {}
        groups[group] = 31
        folder["groups"] = groups
        return _ocs(request, code=200, data={"success": True}, v2=False)

    async def gf_group(self, request: web.Request) -> web.Response:
        """``FolderController::removeGroup``: DELETE ``folders/{id}/groups/{group}``."""
        folder = self._gf(request)
        if folder is None:
            return _ocs(request, code=404, data=[], message="Folder not found", v2=False)
        if request.method != "DELETE":
            return web.Response(status=405)
        groups = folder["groups"] if isinstance(folder["groups"], dict) else {}
        groups.pop(request.match_info["gid"], None)
        folder["groups"] = groups
        return _ocs(request, code=200, data={"success": True}, v2=False)

    async def gf_mountpoint(self, request: web.Request) -> web.Response:
        """``FolderController::renameFolder``: POST with ``mountpoint``."""
        folder = self._gf(request)
        if folder is None:
            return _ocs(request, code=404, data=[], message="Folder not found", v2=False)
        if request.method != "POST":
            return web.Response(status=405)
        mount_point = str((await self._form(request)).get("mountpoint", "")).strip()
        if not mount_point:
            return _ocs(request, code=400, data=[], message="missing mountpoint", v2=False)
        folder["mount_point"] = mount_point
        return _ocs(request, code=200, data={"success": True}, v2=False)

    # --- WebDAV files --------------------------------------------------------------------

    def _local(self, relative: str) -> Path | None:
        parts = [p for p in relative.split("/") if p]
        if any(p in (".", "..") for p in parts):
            return None
        return self.state.files_dir.joinpath(*parts)

    def _href(self, path: Path) -> str:
        relative = path.relative_to(self.state.files_dir).as_posix()
        href = f"/remote.php/dav/files/{self.state.username}/" + (
            "" if relative == "." else relative
        )
        if path.is_dir() and not href.endswith("/"):
            href += "/"
        return quote(href)

    def _props(self, path: Path) -> dict[tuple[str, str], str | None]:
        st = path.stat()
        folder = path.is_dir()
        props: dict[tuple[str, str], str | None] = {
            (DAV, "resourcetype"): "<d:collection/>" if folder else "",
            (DAV, "getetag"): escape(_etag(st)),
            (DAV, "getlastmodified"): formatdate(st.st_mtime, usegmt=True),
            (DAV, "displayname"): escape(path.name),
            (OC, "fileid"): str(st.st_ino),
            (OC, "permissions"): "RGDNVCK" if folder else "RGDNVW",
            (OC, "size"): str(_folder_size(path) if folder else st.st_size),
            (NC, "mount-type"): "",
        }
        if not folder:
            props[(DAV, "getcontentlength")] = str(st.st_size)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            props[(DAV, "getcontenttype")] = escape(content_type)
        return props

    def _response_xml(self, path: Path, wanted: list[tuple[str, str]]) -> str:
        props = self._props(path)
        found = "".join(
            f"<{PREFIX[ns]}:{name}>{props[(ns, name)]}</{PREFIX[ns]}:{name}>"
            for ns, name in wanted
            if (ns, name) in props
        )
        missing = "".join(
            f'<x:{name} xmlns:x="{escape(ns)}"/>' for ns, name in wanted if (ns, name) not in props
        )
        xml = f"<d:response><d:href>{self._href(path)}</d:href>"
        xml += (
            f"<d:propstat><d:prop>{found}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
        )
        if missing:
            xml += (
                f"<d:propstat><d:prop>{missing}</d:prop>"
                "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>"
            )
        return xml + "</d:response>"

    @staticmethod
    def _wanted(body: bytes) -> list[tuple[str, str]]:
        if not body.strip():
            return list(KNOWN_PROPS)
        tree = DefusedET.fromstring(body)
        prop = tree.find(f"{{{DAV}}}prop")
        if prop is None:
            return list(KNOWN_PROPS)
        wanted = []
        for element in prop:
            ns, _, name = element.tag[1:].partition("}")
            wanted.append((ns, name))
        return wanted

    async def dav_root(self, request: web.Request) -> web.StreamResponse:
        if request.method == "OPTIONS":
            return self._options(search=True)
        if request.method != "SEARCH":
            return _dav_error(501, NOT_HANDLED.format(method=request.method))
        content_type = request.headers.get("Content-Type", "")
        if "text/xml" not in content_type and "application/xml" not in content_type:
            return _dav_error(501, NOT_HANDLED.format(method=request.method))
        try:
            found, select = Search(self.state.files_dir, self.state.username).run(
                await request.read()
            )
        except Refused as refused:
            return _dav_error(refused.status, str(refused))
        return self._multistatus([self._response_xml(path, select) for path in found])

    @staticmethod
    def _options(*, search: bool = False) -> web.Response:
        response = web.Response(status=200)
        response.headers["DAV"] = "1, 3, extended-mkcol, access-control"
        response.headers["Allow"] = (
            "OPTIONS, GET, HEAD, DELETE, PROPFIND, PUT, PROPPATCH, COPY, MOVE, REPORT"
            + (", SEARCH" if search else "")
        )
        if search:
            response.headers["DASL"] = "<DAV:basicsearch>"
        return response

    def _multistatus(self, responses: list[str]) -> web.Response:
        namespaces = " ".join(f'xmlns:{p}="{escape(ns)}"' for ns, p in PREFIX.items())
        body = f'<?xml version="1.0"?>\n<d:multistatus {namespaces}>' + "".join(responses)
        return web.Response(
            status=207,
            body=(body + "</d:multistatus>").encode(),
            content_type="application/xml",
            charset="utf-8",
        )

    async def files(self, request: web.Request) -> web.StreamResponse:
        path = self._local(request.match_info["path"])
        if path is None:
            return _dav_error(400, "Invalid path")
        if request.method == "OPTIONS":
            return self._options()
        if request.method == "SEARCH":  # the search plugin handles the DAV root only
            return _dav_error(501, NOT_HANDLED.format(method=request.method))
        handler = {
            "PROPFIND": self.propfind,
            "MKCOL": self.mkcol,
            "PUT": self.put,
            "GET": self.get,
            "MOVE": self.move,
            "DELETE": self.delete,
        }.get(request.method)
        if handler is None:
            return _dav_error(405, f"{request.method} is not allowed here")
        return await handler(request, path)

    async def propfind(self, request: web.Request, path: Path) -> web.StreamResponse:
        try:
            wanted = self._wanted(await request.read())
        except DefusedET.ParseError:
            return _dav_error(400, "The request body had an invalid XML body")
        if not path.exists():
            return _dav_error(404, "File not found")
        depth = request.headers.get("Depth", "1")
        items = [path]
        if depth != "0" and path.is_dir():
            items += sorted(path.iterdir())
        return self._multistatus([self._response_xml(item, wanted) for item in items])

    async def mkcol(self, request: web.Request, path: Path) -> web.StreamResponse:
        if await request.read():
            return _dav_error(415, "The request body for the MKCOL request must be empty")
        if path.exists():
            return _dav_error(405, "The resource you tried to create already exists")
        if not path.parent.is_dir():
            return _dav_error(409, "Parent node does not exist")
        path.mkdir()
        return web.Response(status=201)

    def _quota_ok(self, size: int) -> bool:
        return self.state.quota_free is None or size <= self.state.quota_free

    async def put(self, request: web.Request, path: Path) -> web.StreamResponse:
        if path.name.lower() == ".htaccess":
            return _dav_error(403, ".htaccess is a forbidden file or folder name")
        if not path.parent.is_dir():
            return _dav_error(409, "Files cannot be created in non-existent collections")
        if path.is_dir():
            return _dav_error(409, "A folder has this name")
        declared = request.headers.get("OC-Total-Length") or request.headers.get("Content-Length")
        if declared is not None and not self._quota_ok(int(declared)):
            return _dav_error(507, "Insufficient space")
        part = self.state.data_dir / "parts" / f"{uuid.uuid4().hex}.part"
        part.parent.mkdir(parents=True, exist_ok=True)
        try:
            with part.open("wb") as handle:
                async for chunk in request.content.iter_chunked(64 * 1024):
                    handle.write(chunk)
            if request.content_length is not None and part.stat().st_size != request.content_length:
                return _dav_error(400, "Expected filesize does not match")
            existed = path.exists()
            part.replace(path)
        finally:
            part.unlink(missing_ok=True)
        response = web.Response(status=204 if existed else 201)
        response.headers["ETag"] = _etag(path.stat())
        response.headers["OC-FileId"] = str(path.stat().st_ino)
        return response

    async def get(self, request: web.Request, path: Path) -> web.StreamResponse:
        if not path.exists():
            return _dav_error(404, "File not found")
        if path.is_dir():
            return _dav_error(501, "GET is only implemented on File objects")
        size = path.stat().st_size
        start, end, status = 0, size - 1, 200
        wanted = request.headers.get("Range", "")
        if wanted.startswith("bytes=") and "," not in wanted:
            first, _, last = wanted[6:].partition("-")
            if first:
                start, end = int(first), min(int(last), size - 1) if last else size - 1
            elif last:
                start = max(size - int(last), 0)
            if start >= size or start > end:
                refused = web.Response(status=416)
                refused.headers["Content-Range"] = f"bytes */{size}"
                return refused
            status = 206
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = web.StreamResponse(status=status)
        response.content_type = content_type
        response.content_length = end - start + 1
        response.headers["ETag"] = _etag(path.stat())
        response.headers["Accept-Ranges"] = "bytes"
        if status == 206:
            response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        await response.prepare(request)
        with path.open("rb") as handle:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                block = handle.read(min(64 * 1024, remaining))
                if not block:
                    break
                remaining -= len(block)
                await response.write(block)
        await response.write_eof()
        return response

    def _destination(self, request: web.Request) -> Path | web.Response:
        raw = request.headers.get("Destination")
        if not raw:
            return _dav_error(400, "The destination header was not supplied")
        parts = urlsplit(raw)
        if parts.netloc and parts.netloc != request.host:
            return _dav_error(502, "The destination node is not on the same server")
        prefix = f"/remote.php/dav/files/{self.state.username}/"
        decoded = unquote(parts.path)
        if not decoded.startswith(prefix):
            return _dav_error(502, "The destination node is not on the same server")
        local = self._local(decoded[len(prefix) :])
        if local is None:
            return _dav_error(400, "Invalid destination")
        return local

    @staticmethod
    def _overwrite(request: web.Request) -> bool | None:
        value = request.headers.get("Overwrite", "T").upper()
        return {"T": True, "F": False}.get(value)

    async def move(self, request: web.Request, path: Path) -> web.StreamResponse:
        target = self._destination(request)
        if isinstance(target, web.Response):
            return target
        overwrite = self._overwrite(request)
        if overwrite is None:
            return _dav_error(400, "The HTTP Overwrite header should be either T or F")
        if not path.exists():
            return _dav_error(404, "File not found")
        if target == path:
            return _dav_error(403, "Source and destination uri are identical.")
        if not target.parent.is_dir():
            return _dav_error(409, "The destination node is not found")
        existed = target.exists()
        if existed and not overwrite:
            return _dav_error(412, "The destination node already exists")
        if existed:
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        path.replace(target)
        return web.Response(status=204 if existed else 201)

    async def delete(self, request: web.Request, path: Path) -> web.StreamResponse:
        if not path.exists():
            return _dav_error(404, "File not found")
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        return web.Response(status=204)

    # --- chunked upload v2 ---------------------------------------------------------------

    async def uploads(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.match_info["path"].split("/") if p]
        if not parts or any(p in (".", "..") for p in parts) or len(parts) > 2:
            return _dav_error(404, "Not found")
        folder = self.state.uploads_dir / parts[0]
        # the manual's abort example sends DELETE without it; everything else needs it
        if request.method != "DELETE" and "Destination" not in request.headers:
            return _dav_error(400, "Destination header is required for chunked upload v2")
        if len(parts) == 1:
            if request.method == "MKCOL":
                if folder.exists():
                    return _dav_error(405, "The resource you tried to create already exists")
                target = self._destination(request)
                if isinstance(target, web.Response):
                    return target
                total = request.headers.get("OC-Total-Length")
                if total is not None and not self._quota_ok(int(total)):
                    return _dav_error(507, "Insufficient space")
                folder.mkdir(parents=True)
                self.state.uploads[parts[0]] = {"total": total or ""}
                return web.Response(status=201)
            if request.method == "DELETE":
                if not folder.exists():
                    return _dav_error(404, "File not found")
                shutil.rmtree(folder)
                self.state.uploads.pop(parts[0], None)
                return web.Response(status=204)
            return _dav_error(405, f"{request.method} is not allowed here")
        if not folder.is_dir():
            return _dav_error(404, "Upload not found")
        name = parts[1]
        if request.method == "PUT":
            return await self._put_chunk(request, folder, name)
        if request.method == "MOVE" and name == ".file":
            return await self._assemble(request, folder)
        if request.method == "GET":
            return _dav_error(403, "Chunks cannot be downloaded")
        return _dav_error(405, f"{request.method} is not allowed here")

    async def _put_chunk(self, request: web.Request, folder: Path, name: str) -> web.Response:
        if not name.isdigit() or not 1 <= int(name) <= 10000:
            return _dav_error(400, "Chunk name must be a number between 1 and 10000")
        total = request.headers.get("OC-Total-Length")
        if total is not None and not self._quota_ok(int(total)):
            return _dav_error(507, "Insufficient space")
        if (request.content_length or 0) > MAX_CHUNK:
            return _dav_error(413, "Chunks must be smaller than 5 GiB")
        data = await request.read()
        (folder / str(int(name))).write_bytes(data)
        return web.Response(status=201)

    async def _assemble(self, request: web.Request, folder: Path) -> web.StreamResponse:
        target = self._destination(request)
        if isinstance(target, web.Response):
            return target
        overwrite = self._overwrite(request)
        if overwrite is None:
            return _dav_error(400, "The HTTP Overwrite header should be either T or F")
        chunks = sorted(folder.iterdir(), key=lambda p: int(p.name))
        sizes = [c.stat().st_size for c in chunks]
        if any(size < MIN_CHUNK for size in sizes[:-1]):
            return _dav_error(400, "Chunks must be at least 5 MiB, except the last one")
        expected = self.state.uploads.get(folder.name, {}).get("total") or request.headers.get(
            "OC-Total-Length"
        )
        if expected and int(expected) != sum(sizes):
            return _dav_error(400, f"Chunks do not sum up to {expected} but {sum(sizes)} bytes")
        if not target.parent.is_dir():
            return _dav_error(409, "The destination node is not found")
        existed = target.exists()
        if existed and not overwrite:
            return _dav_error(412, "The destination node already exists")
        part = self.state.data_dir / "parts" / f"{uuid.uuid4().hex}.part"
        part.parent.mkdir(parents=True, exist_ok=True)
        with part.open("wb") as out:
            for chunk in chunks:
                out.write(chunk.read_bytes())
        part.replace(target)
        shutil.rmtree(folder)
        self.state.uploads.pop(folder.name, None)
        await asyncio.sleep(self.state.assembly_seconds)
        return web.Response(status=204 if existed else 201)


# --- the server thread and fixture -------------------------------------------------------


class ServerThread:
    """Run an aiohttp application on 127.0.0.1 in a thread with its own event loop."""

    def __init__(self, app: web.Application, port: int) -> None:
        self.app = app
        self.port = port
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="nextcloud-double", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app, access_log=None)
        try:
            self.loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", self.port)
            self.loop.run_until_complete(site.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("Nextcloud double did not start")
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


def start_nextcloud_double(data_dir: Path) -> tuple[NextcloudDouble, ServerThread]:
    port = free_port()
    state = NextcloudDouble(
        url=f"http://127.0.0.1:{port}",
        username="entente-admin",
        password=uuid.uuid4().hex,
        data_dir=data_dir,
    )
    state.files_dir.mkdir(parents=True)
    state.uploads_dir.mkdir(parents=True)
    server = ServerThread(_App(state).build(), port)
    server.start()
    return state, server


@pytest.fixture(scope="session")
def nextcloud_double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NextcloudDouble]:
    state, server = start_nextcloud_double(tmp_path_factory.mktemp("nextcloud"))
    try:
        yield state
    finally:
        server.stop()


__all__ = ["NextcloudDouble", "ServerThread", "nextcloud_double", "start_nextcloud_double"]
