"""Nextcloud administration: groups over OCS v2 and team folders through the groupfolders
app, on the same transport (one session per server) as the Nextcloud file stores."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from connectors.errors import NotFound, RequestError, Unavailable
from connectors.http import Transport

_OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}


class NextcloudAdmin:
    """Groups (OCS provisioning API) and team folders (groupfolders app), as an admin."""

    backend = "nextcloud"

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        timeout: float = 10.0,
        transport: Transport | None = None,
    ) -> None:
        """``transport`` is the server's shared one (the file stores'); without it the admin
        makes its own and closes it with itself."""
        self._base_url = url.rstrip("/")
        self._owns_transport = transport is None
        self._http = transport or Transport(
            backend=self.backend, username=username, password=password, timeout=timeout
        )

    async def _ocs(
        self,
        method: str,
        path: str,
        *,
        what: str,
        form: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """One OCS call; returns (meta statuscode, data). HTTP errors carrying an OCS
        envelope are returned too, so callers can read codes like 102 (exists)."""
        reply = await self._http.request(
            method,
            self._base_url + path,
            what=what,
            ok=(200, 400, 403, 404),
            headers=_OCS_HEADERS,
            data=form,
            json=body,
        )
        status, raw = reply.status, reply.body
        try:
            meta = json.loads(raw)["ocs"]
            code = int(meta["meta"]["statuscode"])
        except (ValueError, KeyError, TypeError) as exc:
            if status == 404:
                raise NotFound(f"{what}: not found", backend=self.backend) from exc
            raise Unavailable(
                f"{what}: not an OCS answer ({status})", backend=self.backend
            ) from exc
        return code, meta.get("data")

    async def ensure_group(self, gid: str) -> None:
        """``POST /ocs/v2.php/cloud/groups`` (form ``groupid``); 102 (exists) is fine."""
        code, _ = await self._ocs(
            "POST", "/ocs/v2.php/cloud/groups", what=f"ensure group {gid}", form={"groupid": gid}
        )
        if code not in (100, 200, 102):
            raise RequestError(f"ensure group {gid}: OCS status {code}", backend=self.backend)

    async def group_exists(self, gid: str) -> bool:
        """``GET /ocs/v2.php/cloud/groups/{gid}`` (its members): 404 when there is none."""
        code, _ = await self._ocs(
            "GET", f"/ocs/v2.php/cloud/groups/{quote(gid, safe='')}", what=f"read group {gid}"
        )
        if code == 404:
            return False
        if code not in (100, 200):
            raise RequestError(f"read group {gid}: OCS status {code}", backend=self.backend)
        return True

    async def team_folders(self) -> dict[int, dict[str, Any]]:
        """``GET /index.php/apps/groupfolders/folders`` (an object keyed by id, or ``[]``)."""
        code, data = await self._ocs(
            "GET", "/index.php/apps/groupfolders/folders", what="list team folders"
        )
        if code not in (100, 200):
            raise RequestError(f"list team folders: OCS status {code}", backend=self.backend)
        if isinstance(data, list):  # PHP serialises an empty keyed array as []
            return {int(folder["id"]): folder for folder in data}
        return {int(key): folder for key, folder in (data or {}).items()}

    async def ensure_team_folder(self, mount_point: str, group: str) -> int:
        """Find or ``POST folders {mountpoint}``, then ``POST folders/{id}/groups {group}``
        unless the group is already there; returns the folder id."""
        folders = await self.team_folders()
        found = [
            (folder_id, folder)
            for folder_id, folder in folders.items()
            if folder.get("mount_point") == mount_point
        ]
        if found:
            folder_id, folder = found[0]
        else:
            code, data = await self._ocs(
                "POST",
                "/index.php/apps/groupfolders/folders",
                what=f"create team folder {mount_point}",
                body={"mountpoint": mount_point},
            )
            if code not in (100, 200) or not isinstance(data, dict):
                raise RequestError(
                    f"create team folder {mount_point}: OCS status {code}", backend=self.backend
                )
            folder_id, folder = int(data["id"]), data
        if group not in (folder.get("groups") or {}):
            code, _ = await self._ocs(
                "POST",
                f"/index.php/apps/groupfolders/folders/{folder_id}/groups",
                what=f"give {group} team folder {mount_point}",
                body={"group": group},
            )
            if code not in (100, 200):
                raise RequestError(
                    f"give {group} team folder {mount_point}: OCS status {code}",
                    backend=self.backend,
                )
        return folder_id

    async def rename_team_folder(self, folder_id: int, mount_point: str) -> None:
        """``POST /index.php/apps/groupfolders/folders/{id}/mountpoint {mountpoint}``."""
        code, _ = await self._ocs(
            "POST",
            f"/index.php/apps/groupfolders/folders/{folder_id}/mountpoint",
            what=f"rename team folder {folder_id}",
            body={"mountpoint": mount_point},
        )
        if code not in (100, 200):
            raise RequestError(
                f"rename team folder {folder_id}: OCS status {code}", backend=self.backend
            )

    async def unbind_team_folder(self, folder_id: int, group: str) -> None:
        """``DELETE /index.php/apps/groupfolders/folders/{id}/groups/{group}``."""
        code, _ = await self._ocs(
            "DELETE",
            f"/index.php/apps/groupfolders/folders/{folder_id}/groups/{quote(group, safe='')}",
            what=f"take {group} off team folder {folder_id}",
        )
        if code not in (100, 200):
            raise RequestError(
                f"take {group} off team folder {folder_id}: OCS status {code}",
                backend=self.backend,
            )

    async def aclose(self) -> None:
        if self._owns_transport:
            await self._http.aclose()
