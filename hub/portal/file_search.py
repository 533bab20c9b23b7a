"""Files: searching by name across my workspaces (``SearchFiles``), the results with their
workspace and folder, and the workspaces searched only in part said in a sentence."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hub.portal.client import Problem
from hub.portal.i18n import N_, Language
from hub.portal.messages import explain_all
from hub.portal.nav import page
from hub.portal.web import Visit

MAX_TEXT = 100
TOO_SHORT = N_("Saisissez au moins deux caractères du nom cherché (cent au plus).")
TOO_WIDE = N_(
    "Vos espaces de fichiers sont trop nombreux pour une seule recherche : choisissez une commune."
)
IN_PART = N_(
    "La recherche dans « %(name)s » s'est arrêtée avant la fin : des fichiers peuvent "
    "manquer. Précisez le nom cherché, ou ouvrez l'espace."
)
FAILED = N_("« %(name)s » n'a pas pu être parcouru : %(reason)s")
SERVER_DOWN = N_("le serveur de fichiers ne répond pas pour le moment ; réessayez plus tard.")
GONE = N_("son dossier est introuvable sur le serveur de fichiers.")


def refusals(problems: list[Problem], language: Language) -> list[str]:
    """Why the search was refused, in sentences that say what to change."""
    said = []
    for problem in problems:
        if problem.code == "BAD_INPUT" and problem.field == "text":
            said.append(language.gettext(TOO_SHORT))
        elif problem.code == "BAD_INPUT" and problem.field == "towns":
            said.append(language.gettext(TOO_WIDE))
        else:
            said.extend(explain_all([problem], language))
    return list(dict.fromkeys(said))


def shortfall(entry: dict[str, Any], language: Language) -> str:
    """The sentence for a workspace searched in part, or not at all."""
    name = entry["workspace"]["name"]
    code = (entry.get("searchError") or {}).get("code")
    if code == "INCOMPLETE":
        return language.gettext(IN_PART, name=name)
    reason = GONE if code == "NOT_FOUND" else SERVER_DOWN
    return language.gettext(FAILED, name=name, reason=language.gettext(reason))


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get("/files/search")
    async def search(v: Visit = Depends(visit), text: str = "", town: str = "") -> Response:
        nav = await page(v)
        text = text.strip()[: MAX_TEXT + 1]
        chosen = town if any(t["slug"] == town for t in nav.towns) else ""
        found: list[dict[str, Any]] = []
        notices: list[str] = []
        problems: list[str] = []
        if text:
            answer = await v.run(
                "SearchFiles", {"text": text, "towns": [chosen] if chosen else None}
            )
            problems = refusals(answer.problems, v.language)
            for entry in answer.data.get("searchFiles") or []:
                if entry.get("searchError"):
                    notices.append(shortfall(entry, v.language))
                else:
                    found.append({**entry, "folder_path": posixpath.dirname(entry["path"])})
        return v.render(
            "search.html",
            {
                "nav": nav,
                "text": text,
                "town": chosen,
                "found": found,
                "notices": notices,
                "problems": problems,
                "searched": bool(text) and not problems,
            },
        )
