"""What a person reads when the API refuses: one clear sentence per error code.

The API's own messages are for developers (in English); the portal shows these instead, in
the page's language (they are message ids of the catalogues).
"""

from __future__ import annotations

from hub.portal.client import Problem
from hub.portal.i18n import N_, Language

BY_CODE = {
    "UNAUTHENTICATED": N_("Votre session a expiré : reconnectez-vous."),
    "FORBIDDEN": N_("Vous n'avez pas les droits nécessaires pour cette action."),
    "NOT_FOUND": N_("Cet élément n'existe pas ou n'est plus disponible."),
    "BAD_INPUT": N_(
        "Certaines informations saisies ne sont pas valides ; corrigez-les et réessayez."
    ),
    "CONFLICT": N_(
        "Quelqu'un d'autre vient de modifier cet élément, ou il existe déjà : "
        "rechargez la page et réessayez."
    ),
    "TOO_LARGE": N_("Le fichier est trop volumineux."),
    "BACKEND_UNAVAILABLE": N_(
        "Un service de la commune ne répond pas pour le moment ; réessayez dans quelques minutes."
    ),
    "INTERNAL": N_(
        "Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez plus tard."
    ),
}

# Refusals whose cause the field says precisely: one sentence instead of the code's.
BY_FIELD = {
    ("CONFLICT", "email"): N_(
        "Une personne inscrite a déjà cette adresse électronique : ajoutez-la depuis « Ajouter "
        "une personne déjà inscrite »."
    ),
    ("CONFLICT", "username"): N_(
        "Cet identifiant de connexion est déjà pris : choisissez-en un autre, ou ajoutez la "
        "personne depuis « Ajouter une personne déjà inscrite »."
    ),
    ("BAD_INPUT", "mandateEnd"): N_(
        "Un élu a une date de fin de mandat, après aujourd'hui et dans les sept ans à venir."
    ),
    ("BAD_INPUT", "share"): N_(
        "Avec cette part, le temps convenu de cette personne dépasserait 100 % d'un temps "
        "plein : réduisez d'abord sa part dans une autre commune."
    ),
}

FIELDS = {
    "slug": N_("Identifiant"),
    "name": N_("Nom"),
    "inseeCode": N_("Code INSEE"),
    "insee_code": N_("Code INSEE"),
    "username": N_("Identifiant"),
    "displayName": N_("Nom affiché"),
    "email": N_("Adresse électronique"),
    "share": N_("Part du temps"),
    "path": N_("Chemin"),
    "title": N_("Titre"),
    "start": N_("Début"),
    "end": N_("Fin"),
}


def explain(problem: Problem, language: Language) -> str:
    precise = BY_FIELD.get((problem.code, problem.field or ""))
    if precise is not None:
        return language.gettext(precise)
    text = language.gettext(BY_CODE.get(problem.code, BY_CODE["INTERNAL"]))
    label = FIELDS.get(problem.field or "")
    if problem.code == "BAD_INPUT" and label:
        text += " " + language.gettext("Champ concerné : %(field)s.", field=language.gettext(label))
    return text


def explain_all(problems: list[Problem], language: Language) -> list[str]:
    seen: list[str] = []
    for problem in problems:
        text = explain(problem, language)
        if text not in seen:
            seen.append(text)
    return seen


# What the sign-in pages (hub.identity.routes) say, so that they are translated too.
SIGN_IN = (
    N_("La page a expiré ; réessayez."),
    N_("Identifiant ou mot de passe incorrect."),
    N_("La connexion a été refusée ; réessayez."),
    N_(
        "Aucun compte du service commun ne correspond ; "
        "demandez à votre administrateur de vous inviter."
    ),
    N_("Trop de tentatives de connexion : patientez quelques minutes avant de réessayer."),
    N_("Ce lien d'invitation n'est plus valable ; demandez-en un nouveau à votre administrateur."),
)
