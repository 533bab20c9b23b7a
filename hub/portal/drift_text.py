"""Drift in words: each difference between the hub and a backend as a French sentence."""

from __future__ import annotations

from typing import Any

from hub.portal.i18n import N_, Language

BACKENDS = {"DIRECTORY": N_("Annuaire"), "FILES": N_("Fichiers"), "CALENDAR": N_("Agenda")}
SENTENCES = {
    ("TOWN_GROUP", "MISSING"): N_("le groupe de la commune a disparu de l'annuaire."),
    ("ORGANIZATION", "MISSING"): N_("l'organisation de la commune a disparu de l'annuaire."),
    ("ORGANIZATION", "RENAMED"): N_(
        "l'organisation de la commune a été renommée « %(found)s » ; la réparation lui rend "
        "le nom de la commune."
    ),
    ("WORKSPACE_FOLDER", "MISSING"): N_(
        "le dossier « %(name)s » a disparu du serveur de fichiers ; la réparation le recrée, "
        "vide : ses fichiers ne peuvent pas être rendus."
    ),
    ("WORKSPACE_FOLDER", "RENAMED"): N_(
        "le dossier « %(name)s » a été renommé « %(found)s » ; la réparation lui rend son nom, "
        "avec ses fichiers."
    ),
    ("TEAM_FOLDER", "MISSING"): N_(
        "le dossier d'équipe « %(name)s » a disparu de Nextcloud ; la réparation le recrée, "
        "vide : ses fichiers ne peuvent pas être rendus."
    ),
    ("TEAM_FOLDER", "RENAMED"): N_(
        "le dossier d'équipe « %(name)s » a été renommé « %(found)s » ; la réparation lui rend "
        "son nom, avec ses fichiers."
    ),
    ("FOLDER_GROUP", "MISSING"): N_(
        "le groupe « %(name)s » n'a plus accès au dossier d'équipe de la commune."
    ),
    ("FOLDER_GROUP", "EXTRA"): N_(
        "le dossier d'équipe de la commune est aussi ouvert au groupe « %(name)s » ; la "
        "réparation lui retire cet accès."
    ),
    ("GROUP", "MISSING"): N_("le groupe « %(name)s » n'existe plus dans Nextcloud."),
    ("CALENDAR", "MISSING"): N_(
        "l'agenda de la commune a disparu du serveur ; la réparation le recrée, vide : ses "
        "événements ne peuvent pas être rendus."
    ),
    ("CALENDAR", "RENAMED"): N_(
        "l'agenda de la commune a été renommé « %(found)s » ; la réparation lui rend le nom "
        "de la commune."
    ),
    ("SERVER", "UNCHECKED"): N_("le service n'a pas pu être interrogé ; rien n'en est connu."),
}
PLACE_TAKEN = N_(
    "quelque chose d'autre occupe la place de « %(name)s » : un administrateur du serveur "
    "doit le déplacer."
)
LACKS = N_("%(place)s ne compte pas %(people)s, qui en font partie dans Entente.")
HOLDS = N_("%(place)s compte aussi %(people)s, qui n'en font pas partie dans Entente.")
PLACES = {"TOWN_GROUP": N_("le groupe de la commune"), "ORGANIZATION": N_("l'organisation")}
OTHER = N_("un écart que ce portail ne sait pas encore décrire.")
SENTENCE = N_("%(backend)s : %(text)s")


def sentences(drift: dict[str, Any], language: Language) -> list[str]:
    """One sentence per difference (a group may both lack and hold people)."""
    subject, kind = str(drift.get("subject")), str(drift.get("kind"))
    backend = language.gettext(BACKENDS.get(str(drift.get("backend")), OTHER))
    values = {"name": drift.get("name", ""), "found": drift.get("found") or ""}
    texts: list[str] = []
    if kind == "WRONG_MEMBERS":
        place = language.gettext(PLACES.get(subject, PLACES["TOWN_GROUP"]))
        for message, people in ((LACKS, "missingMembers"), (HOLDS, "extraMembers")):
            if drift.get(people):
                named = ", ".join(drift[people])
                texts.append(language.gettext(message, place=place, people=named))
    elif kind == "MISSING" and not drift.get("repairable", True) and subject != "SERVER":
        texts.append(language.gettext(PLACE_TAKEN, **values))
    else:
        texts.append(language.gettext(SENTENCES.get((subject, kind), OTHER), **values))
    return [language.gettext(SENTENCE, backend=backend, text=text) for text in texts]
