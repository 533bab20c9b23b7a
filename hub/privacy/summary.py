"""The export's readable summary, in French: what the hub holds, in sentences and counts.

A document for the person who asked (and the DPO who answers), plain UTF-8 text; the JSON
beside it has every detail. Dates in Europe/Paris, French style.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from babel.dates import format_date

from hub.agenda.reading import PARIS
from hub.privacy.french import day, moment, typeset

if TYPE_CHECKING:
    from hub.privacy.export import Facts

SHOWN_EVENTS = 100
ROLES = {
    "STAFF": "Agent",
    "MANAGER": "Responsable mutualisé",
    "TOWN_ADMIN": "Administrateur de la commune",
    "DPO": "Délégué à la protection des données",
}
FAMILIES = {
    "session": "Connexions au portail",
    "person": "Compte",
    "membership": "Rôles dans les communes",
    "invitation": "Invitations",
    "file": "Fichiers",
    "workspace": "Espaces de fichiers",
    "event": "Agenda",
    "feed": "Abonnement d'agenda",
    "town": "Mise en service des communes",
    "privacy": "Protection des données",
}


def render_summary(facts: Facts) -> str:
    person = facts.person
    towns = ", ".join(f"{t.name} ({t.insee_code})" for t in facts.towns) or "aucune"
    lines = [
        "Données personnelles détenues par Entente, le service commun",
        "=" * 60,
        "",
        f"Personne : {person['displayName']}",
        f"Identifiant de connexion : {person['username']}",
        f"Adresse électronique : {person['email']}",
        f"Compte : {'actif' if person['active'] else 'désactivé'}",
        f"Communes concernées par cet export : {towns}",
        f"Établi le {moment(facts.generated_at)} par {facts.generated_by}, au titre du droit "
        "d'accès et du droit à la portabilité (articles 15 et 20 du RGPD).",
        "",
        "1. Identité et compte",
        f"- Compte créé le {day(person['createdAt'])}.",
        f"- Compte à l'annuaire : {'oui' if person['directoryId'] else 'non'} ; "
        f"lié à un fournisseur d'identité : {'oui' if person['providerSubject'] else 'non'}.",
        "- Mot de passe propre au service commun : "
        + ("oui (seule son empreinte est conservée)." if person["passwordSet"] else "non."),
        "",
        "2. Rôles et parts de temps",
    ]
    names = {t.slug: t.name for t in facts.towns}
    for membership in facts.memberships:
        line = f"- {names[membership['town']]} : {ROLES.get(membership['role'], '—')}"
        if membership["share"] is not None:
            line += f", {round(membership['share'] * 100)} % du temps"
        lines.append(line + ".")
    if not facts.memberships:
        lines.append("- Aucun rôle en cours dans ces communes.")
    lines += ["", "3. Journal d'audit"]
    total = sum(facts.audit.values())
    if total and facts.audit_first and facts.audit_last:
        lines.append(
            f"{total} entrée{'s' if total > 1 else ''}, du {day(facts.audit_first)} "
            f"au {day(facts.audit_last)} :"
        )
        for family, count in sorted(facts.audit.items(), key=lambda item: -item[1]):
            lines.append(f"- {FAMILIES.get(family, 'Autres actions')} : {count}")
    else:
        lines.append("Aucune entrée.")
    lines += ["", f"4. Événements d'agenda qui réservent la personne : {len(facts.events)}"]
    events = sorted(facts.events, key=lambda e: _sortable(e["start"]))
    for event in events[:SHOWN_EVENTS]:
        kind = ", série" if event["recurring"] and event["occurrence"] is None else ""
        lines.append(
            f"- {moment(event['start'])} : « {event['title']} » ({names[event['town']]}{kind})"
        )
    if len(events) > SHOWN_EVENTS:
        lines.append(f"- … et {len(events) - SHOWN_EVENTS} autres (voir le fichier JSON).")
    if facts.unreadable:
        lines.append(
            f"- Événements illisibles, non vérifiés : {len(facts.unreadable)} "
            "(voir le fichier JSON)."
        )
    lines += ["", "5. Répartition du temps (rapports mensuels des 24 derniers mois)"]
    for row in facts.hours:
        month = format_date(date.fromisoformat(row["month"] + "-01"), "MMMM y", locale="fr")
        hours = f"{row['hours']:.2f}".replace(".", ",").removesuffix(",00")
        lines.append(f"- {month}, {names[row['town']]} : {hours} h")
    if not facts.hours:
        lines.append("- Aucune heure réservée.")
    feed = f"créé le {day(facts.feed)}" if facts.feed else "aucun"
    lines += [
        "",
        "6. Connexions et abonnements",
        f"- Sessions ouvertes sur le portail : {facts.sessions}",
        f"- Invitations : {facts.invitations}",
        f"- Abonnement d'agenda : {feed}",
        "",
        "Le fichier JSON joint (format entente-personal-data/1) donne le détail complet.",
        "",
    ]
    return typeset("\n".join(lines))


def _sortable(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=PARIS)
    return datetime.combine(value, datetime.min.time(), PARIS)
