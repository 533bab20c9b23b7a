"""The admins' console: towns and their provisioning, people and roles, the audit log.

Hub admins see every town; a town admin sees the towns they manage. The API decides who may
do what; these pages only hide the forms that would be refused anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hub.portal.i18n import N_
from hub.portal.nav import page
from hub.portal.web import Refused, Visit

ROLES = ("STAFF", "MANAGER", "TOWN_ADMIN")
AUDIT_PAGE = 25


def share_value(text: str) -> float | None:
    """A share typed as a percentage ("30", "30 %", "12,5") as the API's fraction."""
    cleaned = text.replace("%", "").replace(",", ".").strip()
    if not cleaned:
        return None
    try:
        return round(float(cleaned) / 100, 4)
    except ValueError as exc:
        raise Refused(400, "La part du temps doit être un pourcentage, par exemple 30.") from exc


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get("/admin")
    async def towns(v: Visit = Depends(visit)) -> Response:
        nav = await page(v)
        if not nav.admin:
            raise Refused(403, "Cette page est réservée aux administrateurs.")
        answer = await v.run("AdminTowns")
        v.refuse_unless_ok(answer)
        shown = [t for t in answer.data["towns"] if nav.administers(t["slug"])]
        return v.render("admin_towns.html", {"nav": nav, "towns": shown})

    @router.post("/admin/towns")
    async def provision(v: Visit = Depends(visit)) -> Response:
        values = {
            "slug": v.field("slug").lower(),
            "name": v.field("name"),
            "inseeCode": v.field("inseeCode"),
        }
        answer = await v.run("ProvisionTown", {"input": values})
        if not answer.ok:
            return v.failed("/admin", answer.problems)
        state = answer.data["provisionTown"]["provisioning"]["state"]
        if state == "COMPLETE":
            return v.done("/admin", "La commune « %(name)s » est prête.", name=values["name"])
        v.flash(
            v.language.gettext(
                "La commune « %(name)s » est créée, mais une étape a échoué : "
                "voyez le détail et relancez.",
                name=values["name"],
            ),
            "error",
        )
        return v.done("/admin")

    @router.get("/towns/{slug}")
    async def town(slug: str, v: Visit = Depends(visit)) -> Response:
        nav = await page(v)
        answer = await v.run("Town", {"slug": slug})
        found = answer.data.get("town")
        if found is None:
            v.refuse_unless_ok(answer, missing=N_("Cette commune n'existe pas."))
            raise Refused(404, "Cette commune n'existe pas.")
        members = sorted(found["members"], key=lambda m: m["person"]["displayName"])
        return v.render(
            "town.html",
            {
                "nav": nav,
                "town": found,
                "members": members,
                "manages": nav.administers(slug),
                "roles": ROLES,
            },
        )

    @router.post("/towns/{slug}/staff")
    async def add_staff(slug: str, v: Visit = Depends(visit)) -> Response:
        target = f"/towns/{slug}"
        role = v.field("role")
        values = {
            "username": v.field("username").lower(),
            "displayName": v.field("displayName"),
            "email": v.field("email"),
            "towns": [
                {
                    "town": slug,
                    "role": role if role in ROLES else "STAFF",
                    "share": share_value(v.field("share")),
                }
            ],
        }
        answer = await v.run("AddStaff", {"input": values})
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "%(name)s a été ajouté(e).", name=values["displayName"])

    @router.post("/towns/{slug}/members")
    async def set_membership(slug: str, v: Visit = Depends(visit)) -> Response:
        target = f"/towns/{slug}"
        role = v.field("role")
        answer = await v.run(
            "SetMembership",
            {
                "person": v.field("person"),
                "town": slug,
                "role": role if role in ROLES else "STAFF",
                "share": share_value(v.field("share")),
            },
        )
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "Le rôle a été enregistré.")

    @router.post("/towns/{slug}/members/remove")
    async def remove_membership(slug: str, v: Visit = Depends(visit)) -> Response:
        target = f"/towns/{slug}"
        answer = await v.run("RemoveMembership", {"person": v.field("person"), "town": slug})
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "La personne a été retirée de la commune.")

    @router.get("/admin/people")
    async def people(v: Visit = Depends(visit), search: str = "") -> Response:
        nav = await page(v)
        if not nav.admin:
            raise Refused(403, "Cette page est réservée aux administrateurs.")
        answer = await v.run("People", {"search": search or None})
        v.refuse_unless_ok(answer)
        return v.render(
            "people.html", {"nav": nav, "people": answer.data["people"], "search": search}
        )

    @router.get("/admin/people/offboard")
    async def confirm_offboard(v: Visit = Depends(visit), person: str = "") -> Response:
        nav = await page(v)
        answer = await v.run("People", {"search": None})
        v.refuse_unless_ok(answer)
        found = next((p for p in answer.data["people"] if p["id"] == person), None)
        if found is None:
            raise Refused(404, "Cette personne n'existe pas.")
        return v.render(
            "confirm.html",
            {
                "nav": nav,
                "title": v.language.gettext("Départ d'un agent"),
                "question": v.language.gettext(
                    "Désactiver le compte de %(name)s dans toutes les communes ? "
                    "Ses fichiers et agendas restent aux communes.",
                    name=found["displayName"],
                ),
                "action": "/admin/people/offboard",
                "fields": {"person": person},
                "cancel": "/admin/people",
            },
        )

    @router.post("/admin/people/offboard")
    async def offboard(v: Visit = Depends(visit)) -> Response:
        answer = await v.run("OffboardStaff", {"person": v.field("person")})
        if not answer.ok:
            return v.failed("/admin/people", answer.problems)
        return v.done("/admin/people", "Le compte a été désactivé.")

    @router.get("/admin/audit")
    async def audit(v: Visit = Depends(visit), town: str = "", after: str = "") -> Response:
        nav = await page(v)
        if not nav.admin:
            raise Refused(403, "Cette page est réservée aux administrateurs.")
        answer = await v.run(
            "AuditLog", {"town": town or None, "first": AUDIT_PAGE, "after": after or None}
        )
        v.refuse_unless_ok(answer)
        log = answer.data["auditLog"]
        following = None
        if log["next"]:
            following = "/admin/audit?" + urlencode(
                {k: val for k, val in (("town", town), ("after", log["next"])) if val}
            )
        return v.render(
            "audit.html",
            {
                "nav": nav,
                "entries": log["entries"],
                "town": town,
                "towns": [t for t in nav.towns if nav.administers(t["slug"])],
                "following": following,
                "first_page": "/admin/audit" + (f"?{urlencode({'town': town})}" if town else ""),
                "paged": bool(after),
            },
        )
