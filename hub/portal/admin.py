"""The admins' console: towns and their provisioning, people and roles, the audit log.

Hub admins see every town; a town admin sees the towns they manage. The API decides who may
do what; these pages only hide the forms that would be refused anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from hub.portal import drift, mandates
from hub.portal.i18n import N_
from hub.portal.nav import page
from hub.portal.web import Refused, Visit

ROLES = ("STAFF", "MANAGER", "TOWN_ADMIN", "DPO", "ELECTED")
SHARE_FORMAT = N_("La part du temps est un pourcentage entre 0 et 100, par exemple 30.")


def share_value(text: str) -> float | None:
    """A share typed as a percentage ("30", "30 %", "12,5") as the API's fraction."""
    cleaned = text.replace("%", "").replace(",", ".").replace("\u00a0", "").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError as exc:
        raise BadShare from exc
    if not 0 <= value <= 100:
        raise BadShare
    return round(value / 100, 4)


class BadShare(ValueError):
    """A share that is not a percentage between 0 and 100."""


def refuse_share(v: Visit, target: str) -> Response:
    """Back to the form's page, saying what a share is."""
    v.flash(v.language.gettext(SHARE_FORMAT), "error")
    return RedirectResponse(target, status_code=303)


async def town_or_refusal(v: Visit, slug: str) -> dict[str, Any]:
    """The town's page data (Town.graphql), or the page that says it cannot be shown."""
    answer = await v.run("Town", {"slug": slug})
    found: dict[str, Any] | None = answer.data.get("town")
    if found is None:
        v.refuse_unless_ok(answer, missing=N_("Cette commune n'existe pas."))
        raise Refused(404, "Cette commune n'existe pas.")
    return found


def _query(**values: str) -> str:
    """A page's query string with the values given (empty ones left out)."""
    return "?" + urlencode({name: value for name, value in values.items() if value})


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get("/admin")
    async def towns(
        v: Visit = Depends(visit), search: str = "", state: str = "", after: str = ""
    ) -> Response:
        nav = await page(v)
        if not nav.admin:
            raise Refused(403, "Cette page est réservée aux administrateurs.")
        wanted = search.strip()[:100]
        failed = state == "FAILED"
        answer = await v.run(
            "AdminTowns",
            {
                "search": wanted or None,
                "state": "FAILED" if failed else None,
                "after": after or None,
            },
        )
        v.refuse_unless_ok(answer)
        found = answer.data["townsPage"]
        shown = [t for t in found["towns"] if nav.administers(t["slug"])]
        return v.render(
            "admin_towns.html",
            {
                "nav": nav,
                "towns": shown,
                "drift_reports": await drift.reports(v),
                "mandate_ends": await mandates.upcoming(v),
                "total": found["total"],
                "search": wanted,
                "failed": failed,
                "first_page": not after,
                "next_page": _query(
                    search=wanted, state="FAILED" if failed else "", after=found["next"]
                )
                if found["next"]
                else None,
                "start_page": _query(search=wanted, state="FAILED" if failed else ""),
            },
        )

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
    async def town(slug: str, v: Visit = Depends(visit), find: str = "") -> Response:
        nav = await page(v)
        found = await town_or_refusal(v, slug)
        members = sorted(found["members"], key=lambda m: m["person"]["displayName"])
        manages = nav.administers(slug)
        candidates = None
        wanted = find.strip()[:100]
        if manages and wanted:
            known = {m["person"]["id"] for m in members}
            people = await v.run("People", {"search": wanted})
            candidates = [
                p for p in people.data.get("people") or [] if p["id"] not in known and p["active"]
            ]
        return v.render(
            "town.html",
            {
                "nav": nav,
                "town": found,
                "members": members,
                "manages": manages,
                "roles": ROLES,
                "find": wanted,
                "candidates": candidates,
                "drift_reports": await drift.reports(v, slug) if manages else [],
                "mandate_ends": await mandates.upcoming(v, slug) if manages else [],
            },
        )

    @router.post("/towns/{slug}/staff")
    async def add_staff(slug: str, v: Visit = Depends(visit)) -> Response:
        target = f"/towns/{slug}"
        role = v.field("role")
        try:
            share = share_value(v.field("share"))
        except BadShare:
            return refuse_share(v, target)
        values = {
            "username": v.field("username").lower(),
            "displayName": v.field("displayName"),
            "email": v.field("email"),
            "towns": [
                {
                    "town": slug,
                    "role": role if role in ROLES else "STAFF",
                    "share": share,
                    "mandateEnd": mandates.mandate_end(v, role),
                }
            ],
        }
        answer = await v.run("AddStaff", {"input": values})
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "Le compte de %(name)s a été créé.", name=values["displayName"])

    @router.post("/towns/{slug}/members")
    async def set_membership(slug: str, v: Visit = Depends(visit)) -> Response:
        target = f"/towns/{slug}"
        role = v.field("role")
        try:
            share = share_value(v.field("share"))
        except BadShare:
            return refuse_share(v, target)
        answer = await v.run(
            "SetMembership",
            {
                "person": v.field("person"),
                "town": slug,
                "role": role if role in ROLES else "STAFF",
                "share": share,
                "mandateEnd": mandates.mandate_end(v, role),
            },
        )
        if not answer.ok:
            return v.failed(target, answer.problems)
        if v.field("joining"):
            member = answer.data["setMembership"]
            return v.done(
                target,
                "%(name)s fait maintenant partie de l'équipe de %(town)s.",
                name=member["person"]["displayName"],
                town=member["town"]["name"],
            )
        return v.done(target, "Le rôle a été enregistré.")

    @router.get("/towns/{slug}/members/remove")
    async def confirm_removal(slug: str, v: Visit = Depends(visit), person: str = "") -> Response:
        nav = await page(v)
        found = await town_or_refusal(v, slug)
        member = next((m for m in found["members"] if m["person"]["id"] == person), None)
        if member is None:
            raise Refused(404, "Cette personne ne fait pas partie de l'équipe.")
        return v.render(
            "confirm.html",
            {
                "nav": nav,
                "title": v.language.gettext("Retirer de la commune"),
                "question": v.language.gettext(
                    "Retirer %(name)s de l'équipe de %(town)s ? Ses accès aux fichiers et à "
                    "l'agenda de la commune cessent ; ses documents et ses événements "
                    "restent à la commune.",
                    name=member["person"]["displayName"],
                    town=found["name"],
                ),
                "action": f"/towns/{slug}/members/remove",
                "fields": {"person": person},
                "confirm": v.language.gettext("Retirer de la commune"),
                "cancel": f"/towns/{slug}",
            },
        )

    @router.post("/towns/{slug}/members/remove")
    async def remove_membership(slug: str, v: Visit = Depends(visit)) -> Response:
        target = f"/towns/{slug}"
        answer = await v.run("RemoveMembership", {"person": v.field("person"), "town": slug})
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "La personne a été retirée de la commune.")

    @router.get("/admin/people")
    async def people(v: Visit = Depends(visit), search: str = "", after: str = "") -> Response:
        nav = await page(v)
        if not nav.admin:
            raise Refused(403, "Cette page est réservée aux administrateurs.")
        wanted = search.strip()[:100]
        answer = await v.run("PeoplePage", {"search": wanted or None, "after": after or None})
        v.refuse_unless_ok(answer)
        found = answer.data["peoplePage"]
        return v.render(
            "people.html",
            {
                "nav": nav,
                "people": found["people"],
                "total": found["total"],
                "search": wanted,
                "first_page": not after,
                "next_page": _query(search=wanted, after=found["next"]) if found["next"] else None,
                "start_page": _query(search=wanted),
            },
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
                "title": v.language.gettext("Désactiver le compte"),
                "question": v.language.gettext(
                    "Désactiver le compte de %(name)s dans toutes les communes ? "
                    "Ses fichiers et agendas restent aux communes.",
                    name=found["displayName"],
                ),
                "action": "/admin/people/offboard",
                "fields": {"person": person},
                "confirm": v.language.gettext("Désactiver le compte"),
                "cancel": "/admin/people",
            },
        )

    @router.post("/admin/people/offboard")
    async def offboard(v: Visit = Depends(visit)) -> Response:
        answer = await v.run("OffboardStaff", {"person": v.field("person")})
        if not answer.ok:
            return v.failed("/admin/people", answer.problems)
        return v.done("/admin/people", "Le compte a été désactivé.")
