"""What a person reads when the API refuses: one clear sentence per error code.

The API's own messages are for developers (in English); the portal shows these instead, in
the page's language (they are message ids of the catalogues).
"""

from __future__ import annotations

from hub.portal.client import Problem
from hub.portal.i18n import Language

BY_CODE = {
    "UNAUTHENTICATED": "Votre session a expiré : reconnectez-vous.",
    "FORBIDDEN": "Vous n'avez pas les droits nécessaires pour cette action.",
    "NOT_FOUND": "Cet élément n'existe pas ou n'est plus disponible.",
    "BAD_INPUT": "Certaines informations saisies ne sont pas valides ; corrigez-les et réessayez.",
    "CONFLICT": (
        "Quelqu'un d'autre vient de modifier cet élément, ou il existe déjà : "
        "rechargez la page et réessayez."
    ),
    "TOO_LARGE": "Le fichier est trop volumineux.",
    "BACKEND_UNAVAILABLE": (
        "Un service de la commune ne répond pas pour le moment ; réessayez dans quelques minutes."
    ),
    "INTERNAL": "Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez plus tard.",
}

FIELDS = {
    "slug": "Identifiant",
    "name": "Nom",
    "inseeCode": "Code INSEE",
    "insee_code": "Code INSEE",
    "username": "Identifiant",
    "displayName": "Nom affiché",
    "email": "Courriel",
    "share": "Part du temps",
    "path": "Chemin",
    "title": "Titre",
    "start": "Début",
    "end": "Fin",
}


def explain(problem: Problem, language: Language) -> str:
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
