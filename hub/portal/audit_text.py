"""The audit log in words: each entry as a sentence, its outcome as a few words.

No action name, no id, no error code reaches the page: what was done, by whom, to whom or to
what, and whether it was refused (and why, in words).
"""

from __future__ import annotations

from typing import Any

from hub.portal.i18n import N_, Language

# The families the log filters on: the form's choice → the API's action families.
FAMILIES = {
    "people": (N_("Personnes et rôles"), ["person", "membership"]),
    "agenda": (N_("Agenda"), ["event"]),
    "files": (N_("Fichiers"), ["file", "workspace"]),
    "towns": (N_("Mise en service des communes"), ["town"]),
    "sessions": (N_("Connexions"), ["session"]),
    "privacy": (N_("Protection des données"), ["privacy", "person.erase"]),
}

SENTENCES = {
    "session.open": N_("Connexion de %(actor)s au portail."),
    "session.refused": N_("Connexion refusée pour l'identifiant « %(target)s »."),
    "person.link": N_("Première connexion de %(target)s par l'authentification unique."),
    "person.create-admin": N_("Création du compte administrateur « %(target)s »."),
    "person.add": N_("%(actor)s a créé le compte de %(person)s (%(role)s)."),
    "person.invite": N_("L'invitation de %(person)s n'a pas pu être envoyée."),
    "person.offboard": N_("%(actor)s a désactivé le compte de %(person)s."),
    "membership.set": N_("%(actor)s a donné à %(person)s le rôle « %(role)s »."),
    "membership.remove": N_("%(actor)s a retiré %(person)s de l'équipe de la commune."),
    "person.handover": N_("%(actor)s a confié le poste de %(person)s (%(role)s) à %(label)s."),
    "membership.expire": N_("Le mandat de %(person)s a pris fin : son rôle d'élu aussi."),
    "town.provision": N_("%(actor)s a mis en service la commune « %(town)s »."),
    "town.provision.directory": N_("Mise en service de %(town)s : étape « annuaire »."),
    "town.provision.files": N_("Mise en service de %(town)s : étape « fichiers »."),
    "town.provision.calendar": N_("Mise en service de %(town)s : étape « agenda »."),
    "workspace.share": N_("%(actor)s a créé l'espace partagé « %(target)s »."),
    "file.mkdir": N_("%(actor)s a créé le dossier « %(path)s »."),
    "file.upload": N_("%(actor)s a déposé le fichier « %(path)s »."),
    "file.download": N_("%(actor)s a téléchargé le fichier « %(path)s »."),
    "file.move": N_("%(actor)s a déplacé « %(path)s » vers « %(to)s »."),
    "file.delete": N_("%(actor)s a supprimé « %(path)s »."),
    "event.create": N_("%(actor)s a créé l'événement « %(label)s »."),
    "event.update": N_("%(actor)s a modifié l'événement « %(label)s »."),
    "event.delete": N_("%(actor)s a supprimé l'événement « %(label)s »."),
    "privacy.read": N_("%(actor)s a demandé les données personnelles de %(person)s."),
    "privacy.export": N_("%(actor)s a exporté les données personnelles de %(person)s."),
    "privacy.export.download": N_(
        "%(actor)s a téléchargé l'export des données personnelles de %(person)s."
    ),
    "privacy.retention": N_("%(actor)s a changé les durées de conservation de la commune."),
    "person.erase": N_("%(actor)s a demandé l'effacement des données de %(person)s."),
    "person.erase.calendars": N_("Effacement de %(person)s : étape « agendas »."),
    "person.erase.directory": N_("Effacement de %(person)s : étape « annuaire »."),
    "person.erase.hub": N_("Effacement de %(person)s : étape « données du service commun »."),
}
PURGE = (
    "Purge des durées de conservation : %(num)d enregistrement supprimé.",
    "Purge des durées de conservation : %(num)d enregistrements supprimés.",
)
OTHER = N_("%(actor)s a fait une action que ce portail ne sait pas encore décrire.")
WITH_SHARE = N_("%(sentence)s Part du temps : %(share)s.")
SCOPES = {
    "OCCURRENCE": N_("%(sentence)s (Cette date seulement.)"),
    "FOLLOWING": N_("%(sentence)s (Cette date et les suivantes.)"),
    "SERIES": N_("%(sentence)s (Toute la série.)"),
}
ROLES = {
    "STAFF": N_("Agent"),
    "MANAGER": N_("Responsable mutualisé"),
    "TOWN_ADMIN": N_("Administrateur de la commune"),
    "DPO": N_("Délégué à la protection des données"),
    "ELECTED": N_("Élu municipal"),
}
OUTCOMES = {
    "ok": N_("effectué"),
    "FORBIDDEN": N_("refusé : droits insuffisants"),
    "UNAUTHENTICATED": N_("refusé : personne n'était connecté"),
    "NOT_FOUND": N_("refusé : élément introuvable"),
    "BAD_INPUT": N_("refusé : saisie invalide"),
    "CONFLICT": N_("refusé : élément modifié entre-temps, ou déjà existant"),
    "TOO_LARGE": N_("refusé : fichier trop volumineux"),
    "BACKEND_UNAVAILABLE": N_("échec : un service ne répondait pas"),
    "INTERNAL": N_("échec : erreur inattendue"),
}
SYSTEM = N_("Le système")
SOMEONE = N_("une personne")


def _file_parts(target: str) -> tuple[str, str]:
    """The path (and the destination of a move) of a file entry's target ("Space:/a -> /b")."""
    _, _, paths = target.partition(":")
    origin, _, destination = paths.partition(" -> ")
    return origin or target, destination


def sentence(entry: dict[str, Any], language: Language) -> str:
    action = str(entry.get("action", ""))
    by = entry.get("by") or {}
    about = entry.get("person") or {}
    path, to = _file_parts(str(entry.get("target", "")))
    role = entry.get("role")
    values = {
        "actor": by.get("displayName")
        or (entry.get("actor") if entry.get("actor") != "system" else language.gettext(SYSTEM)),
        "person": about.get("displayName") or entry.get("label") or language.gettext(SOMEONE),
        "role": language.gettext(ROLES[role]) if role in ROLES else "—",
        "target": entry.get("target", ""),
        "town": (entry.get("town") or {}).get("name") or entry.get("target", ""),
        "label": entry.get("label") or "—",
        "path": path,
        "to": to,
    }
    if action == "privacy.purge":
        return language.ngettext(*PURGE, int(entry.get("count") or 0))
    text = language.gettext(SENTENCES.get(action, OTHER), **values)
    if entry.get("share") is not None and action in ("person.add", "membership.set"):
        text = language.gettext(WITH_SHARE, sentence=text, share=language.percent(entry["share"]))
    scope = entry.get("scope")
    if scope in SCOPES:
        text = language.gettext(SCOPES[scope], sentence=text)
    return text


def outcome(entry: dict[str, Any], language: Language) -> str:
    code = str(entry.get("outcome", "ok"))
    return language.gettext(OUTCOMES.get(code, OUTCOMES["INTERNAL"]))
