"""The record of processing activities (GDPR article 30) of the hub, for one town.

Each town is a controller: its register has an entry for the hub, generated from the hub's
configuration as it runs (which servers hold what, how long records are kept, which
protections are on), so that it never describes a deployment that is not this one. In
French; rendered as Markdown, as HTML ready to print to PDF, and as CSV (``register_files``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from hub.config import Settings
from hub.identity.sessions import LIFETIME
from hub.people.models import Role
from hub.people.repository import MembershipRepository, PersonRepository
from hub.privacy.french import of
from hub.privacy.retention import Retention, retention_of
from hub.towns.models import Town


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Register:
    town: Town
    generated_at: datetime
    sections: tuple[Section, ...]

    @property
    def title(self) -> str:
        return f"Registre des activités de traitement — commune {of(self.town.name)}"


def _host(url: str | None) -> str:
    """A server's address without credentials or path (never a password)."""
    if not url:
        return ""
    parts = urlsplit(url)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else ""


async def build_register(
    session: AsyncSession, settings: Settings, town: Town, now: datetime
) -> Register:
    members = await MembershipRepository(session).of_towns([town.id])
    dpo_ids = [m.person_id for m in members if m.role is Role.DPO]
    dpos = sorted(await PersonRepository(session).by_ids(dpo_ids), key=lambda p: p.display_name)
    retention = (await retention_of(session, settings, [town.id]))[town.id]
    sections = (
        Section(
            "Responsable du traitement",
            (
                f"Commune {of(town.name)} (code INSEE {town.insee_code}), représentée par "
                "son maire.",
            ),
        ),
        Section(
            "Délégué à la protection des données",
            tuple(f"{p.display_name} <{p.email}>" for p in dpos)
            or ("Aucun délégué n'est désigné dans le hub pour cette commune.",),
        ),
        Section(
            "Traitement",
            (
                "Entente, la plateforme du service commun : comptes et accès des agents, "
                "fichiers partagés, agendas, répartition du temps des agents mutualisés, "
                "journal d'audit.",
                f"Adresse : {settings.base_url}",
            ),
        ),
        Section(
            "Finalités",
            (
                "Gérer les comptes des agents et leurs droits dans les communes.",
                "Partager les fichiers et les agendas de la commune et du service commun.",
                "Répartir le temps des agents mutualisés entre les communes, selon la "
                "convention de mise à disposition.",
                "Assurer la traçabilité des accès et des modifications (journal d'audit).",
                "Répondre aux demandes d'accès et d'effacement des personnes.",
            ),
        ),
        Section(
            "Base légale",
            (
                "Mission d'intérêt public (article 6.1.e du RGPD) et convention de mise à "
                "disposition des agents mutualisés (article 6.1.b).",
            ),
        ),
        Section(
            "Catégories de personnes concernées",
            (
                "Agents de la commune et agents mutualisés du service commun.",
                "Administrateurs du service commun.",
                "Personnes mentionnées dans les titres et descriptions des événements.",
            ),
        ),
        Section(
            "Catégories de données",
            (
                "Identité : nom, identifiant de connexion, adresse électronique.",
                "Vie professionnelle : communes, rôles, part du temps convenue.",
                "Agendas : événements (titre, dates, lieu, description, participants).",
                "Journal d'audit : actions, chemins de fichiers, titres d'événements, "
                "adresses IP des connexions refusées.",
                "Connexions : sessions du portail, empreintes des liens d'invitation et "
                "d'abonnement d'agenda (jamais les secrets eux-mêmes).",
                "Fichiers de la commune : conservés sur son serveur de fichiers ; leur "
                "contenu n'est pas lu par le hub.",
            ),
        ),
        Section("Destinataires", _recipients(settings)),
        Section(
            "Transferts hors de l'Union européenne",
            (
                "Aucun n'est fait par le hub ; vérifier où sont hébergés les serveurs "
                "listés parmi les destinataires.",
            ),
        ),
        Section("Durées de conservation", _periods(settings, retention)),
        Section("Mesures de sécurité", _measures(settings)),
        Section(
            "Droits des personnes",
            (
                "Accès et portabilité (articles 15 et 20) : export des données par le "
                "délégué, en JSON avec un résumé en français.",
                "Effacement (article 17) : après le départ de la personne, son compte est "
                "supprimé de l'annuaire et du hub ; les événements passés et le journal "
                "d'audit la désignent par un pseudonyme.",
            ),
        ),
    )
    return Register(town, now, sections)


def _recipients(settings: Settings) -> tuple[str, ...]:
    found = [
        "Administrateurs du service commun, administrateurs et délégué de la commune, "
        "agents de la commune (selon leurs droits).",
        f"Base de données du hub : {_database(settings)}.",
    ]
    calendar = _host(settings.caldav_url) or "serveur intégré (Radicale), sur la même machine"
    found.append(f"Serveur d'agendas (CalDAV) : {calendar}.")
    files = _host(settings.webdav_url) or "serveur intégré (WsgiDAV), sur la même machine"
    found.append(f"Serveur de fichiers (WebDAV) : {files}.")
    if settings.nextcloud_url:
        found.append(f"Serveur de fichiers (Nextcloud) : {_host(settings.nextcloud_url)}.")
    if settings.keycloak_url:
        found.append(f"Annuaire (Keycloak) : {_host(settings.keycloak_url)}.")
    else:
        found.append("Annuaire : la base de données du hub.")
    if settings.oidc_issuer:
        found.append(f"Fournisseur d'identité (OpenID Connect) : {_host(settings.oidc_issuer)}.")
    if settings.redis_url:
        found.append(f"Compteurs de tentatives de connexion (Redis) : {_host(settings.redis_url)}.")
    return tuple(found)


def _database(settings: Settings) -> str:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        return "SQLite, sur la machine du hub"
    return f"PostgreSQL, {_host(url.replace('+asyncpg', ''))}"


def _periods(settings: Settings, retention: Retention) -> tuple[str, ...]:
    whose = "fixée par la commune" if retention.own else "durée par défaut du hub"
    hours = int(LIFETIME.total_seconds() // 3600)
    return (
        f"Journal d'audit de la commune : {retention.audit_days} jours ({whose}).",
        f"Traces de connexion : {retention.session_days} jours ({whose}).",
        f"Sessions du portail : {hours} heures au plus.",
        f"Exports de données personnelles : {settings.export_ttl_hours} heures.",
        f"Liens d'invitation : {settings.invitation_ttl_hours} heures.",
        "Comptes : jusqu'à l'effacement demandé au délégué après le départ de la personne.",
        "Fichiers et agendas : selon les règles d'archivage de la commune.",
        f"Autres entrées du journal sans commune : {settings.audit_retention_days} jours.",
    )


def _measures(settings: Settings) -> tuple[str, ...]:
    found = [
        "Échanges chiffrés (HTTPS) et HSTS."
        if settings.https
        else "Attention : l'adresse publique du hub n'est pas en HTTPS : les échanges ne sont pas "
        "chiffrés.",
        "Authentification unique (OpenID Connect), jetons vérifiés par le hub."
        if settings.oidc_issuer
        else "Comptes propres au hub, mots de passe hachés (argon2id), tentatives limitées.",
        "Droits lus dans la base du hub à chaque requête ; chaque commune ne voit que "
        "ses données ; le délégué ne voit ni les fichiers ni les agendas.",
        "Journal d'audit de chaque action, refus compris.",
        "Jeton anti-CSRF sur chaque formulaire, politique de sécurité du contenu stricte, "
        "téléchargements isolés (sandbox).",
        "Secrets (sessions, invitations, abonnements) conservés sous forme d'empreintes.",
        "Taille et coût des requêtes bornés ; délais d'attente sur chaque serveur.",
    ]
    return tuple(found)
