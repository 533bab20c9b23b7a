"""The DPO's page, "Protection des données": find a person of the town, export their data,
erase it (confirmed, the consequences spelled out), the register, the retention periods.

For the towns I am the DPO of (hub admins: every town). The API decides; these pages only
offer what it would accept, and say why not otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from hub.portal.dates import parse_instant
from hub.portal.i18n import N_
from hub.portal.nav import Nav, page
from hub.portal.web import Refused, Visit

HOME = "/privacy"
FOR_DPO = N_("Cette page est réservée aux délégués à la protection des données.")
BLOCKS = {
    "SELF": N_("Vous ne pouvez pas effacer vos propres données : demandez-le à un autre délégué."),
    "HUB_ADMIN": N_(
        "Seuls les administrateurs du service commun peuvent effacer les données de l'un d'eux."
    ),
    "ACTIVE": N_(
        "Son compte est encore actif : faites-le d'abord désactiver par un administrateur, "
        "puis effacez ses données."
    ),
    "OTHER_TOWNS": N_(
        "Cette personne a aussi travaillé pour des communes dont vous n'êtes pas le délégué : "
        "leur délégué, ou un administrateur du service commun, doit effacer ses données."
    ),
}
STEPS = {
    "calendars": N_("Agendas"),
    "directory": N_("Annuaire"),
    "hub": N_("Données du service commun"),
}


def _towns(nav: Nav) -> list[dict[str, str]]:
    return [t for t in nav.towns if nav.protects(t["slug"])]


def _person_page(person: str, town: str) -> str:
    return f"{HOME}/people/{quote(person, safe='')}?{urlencode({'town': town})}"


def _days(text: str) -> int | None:
    try:
        return int(text.replace("\u00a0", "").strip())
    except ValueError:
        return None


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get(HOME)
    async def home(v: Visit = Depends(visit), town: str = "", search: str = "") -> Response:
        nav = await page(v)
        towns = _towns(nav)
        if not nav.dpo or not towns:
            raise Refused(403, FOR_DPO)
        chosen = next((t for t in towns if t["slug"] == town), towns[0])
        answer = await v.run("PrivacyTown", {"town": chosen["slug"]})
        v.refuse_unless_ok(answer)
        wanted = search.strip()[:100]
        found = None
        if wanted:
            people = await v.run("People", {"search": wanted})
            found = [
                p
                for p in people.data.get("people") or []
                if any(m["town"]["slug"] == chosen["slug"] for m in p["memberships"])
            ]
        return v.render(
            "privacy.html",
            {
                "nav": nav,
                "towns": towns,
                "town": chosen,
                "retention": answer.data["retention"],
                "register": answer.data["processingRegister"],
                "search": wanted,
                "found": found,
            },
        )

    @router.post(f"{HOME}/retention")
    async def set_retention(v: Visit = Depends(visit)) -> Response:
        town = v.field("town")
        target = f"{HOME}?{urlencode({'town': town})}"
        audit, sessions = _days(v.field("auditDays")), _days(v.field("sessionDays"))
        if audit is None or sessions is None:
            v.flash(v.language.gettext(N_("Indiquez des durées en jours.")), "error")
            return RedirectResponse(target, status_code=303)
        answer = await v.run(
            "SetRetention", {"town": town, "auditDays": audit, "sessionDays": sessions}
        )
        if not answer.ok:
            if any(p.code == "BAD_INPUT" for p in answer.problems):
                v.flash(
                    v.language.gettext(
                        N_(
                            "Le journal d'audit se garde de 30 à 3 650 jours, les traces de "
                            "connexion de 1 à 3 650 jours."
                        )
                    ),
                    "error",
                )
                return RedirectResponse(target, status_code=303)
            return v.failed(target, answer.problems)
        return v.done(target, N_("Les durées de conservation sont enregistrées."))

    @router.get(HOME + "/people/{person}")
    async def person_page(person: str, v: Visit = Depends(visit), town: str = "") -> Response:
        nav = await page(v)
        answer = await v.run("PersonalData", {"person": person})
        v.refuse_unless_ok(answer, missing=N_("Cette personne n'existe pas."))
        data = answer.data["personalData"]
        back = town if nav.protects(town) else (data["towns"] or [{"slug": ""}])[0]["slug"]
        block = data["erasureBlock"]
        return v.render(
            "privacy_person.html",
            {
                "nav": nav,
                "data": data,
                "town": back,
                "block": v.language.gettext(BLOCKS[block]) if block in BLOCKS else None,
                "steps": STEPS,
            },
        )

    @router.post(HOME + "/people/{person}/export")
    async def export(person: str, v: Visit = Depends(visit)) -> Response:
        target = _person_page(person, v.field("town"))
        answer = await v.run("ExportPersonalData", {"person": person})
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(
            target,
            N_("L'export est prêt : téléchargez-le ci-dessous avant le %(until)s."),
            until=v.language.long_moment(
                parse_instant(answer.data["exportPersonalData"]["expiresAt"])
            ),
        )

    @router.get(HOME + "/people/{person}/erase")
    async def confirm_erasure(person: str, v: Visit = Depends(visit), town: str = "") -> Response:
        nav = await page(v)
        answer = await v.run("PersonalData", {"person": person})
        v.refuse_unless_ok(answer, missing=N_("Cette personne n'existe pas."))
        data = answer.data["personalData"]
        if data["erasureBlock"] is not None:
            raise Refused(409, BLOCKS.get(data["erasureBlock"], FOR_DPO))
        return v.render(
            "privacy_erase.html",
            {"nav": nav, "data": data, "cancel": _person_page(person, town), "town": town},
        )

    @router.post(HOME + "/people/{person}/erase")
    async def erase(person: str, v: Visit = Depends(visit)) -> Response:
        town = v.field("town")
        answer = await v.run("ErasePerson", {"person": person})
        if not answer.ok:
            return v.failed(_person_page(person, town), answer.problems)
        erased = answer.data["erasePerson"]
        if erased["state"] != "COMPLETE":
            v.flash(
                v.language.gettext(
                    N_(
                        "L'effacement s'est arrêté à une étape : un service ne répondait pas. "
                        "Relancez-le ; il reprendra où il s'est arrêté."
                    )
                ),
                "error",
            )
            return RedirectResponse(_person_page(person, town), status_code=303)
        home = f"{HOME}?{urlencode({'town': town})}"
        return v.done(
            home,
            N_(
                "Les données ont été effacées. Les registres des communes désignent désormais "
                "cette personne par le pseudonyme « %(pseudonym)s »."
            ),
            pseudonym=erased["pseudonym"],
        )
