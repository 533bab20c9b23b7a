"""The processing register (GDPR article 30): one entry per town for the hub, generated from
the configuration, in French, as Markdown, printable HTML and CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import SecretStr

from hub.config import Environment, Settings
from hub.privacy.register import build_register
from hub.privacy.register_files import render
from hub.services import Services
from tests.privacy.helpers import bearer, with_dpo
from tests.support.graphql import GraphQLClient
from tests.support.world import World

REGISTER = """query($t: String!) { processingRegister(town: $t) {
  title sections { heading lines } markdownUrl htmlUrl csvUrl } }"""


async def test_the_register_names_the_controller_its_dpo_and_the_periods(
    gql: GraphQLClient, world: World
) -> None:
    # given Sophie, DPO of Igny, which keeps its trail 200 days
    await with_dpo(world)
    sophie = world.token("sophie")
    await gql(
        'mutation { setRetention(town: "igny", auditDays: 200, sessionDays: 30) { own } }',
        token=sophie,
    )
    # when she reads Igny's register
    register = (await gql(REGISTER, {"t": "igny"}, token=sophie)).ok()["processingRegister"]
    # then it is Igny's, in French, with her as DPO and Igny's own periods
    sections = {s["heading"]: s["lines"] for s in register["sections"]}
    assert register["title"] == "Registre des activités de traitement — commune d'Igny"
    assert sections["Responsable du traitement"][0].startswith("Commune d'Igny (code INSEE 91312)")
    assert sections["Délégué à la protection des données"] == ["Sophie <sophie@test.example>"]
    assert (
        "Journal d'audit de la commune : 200 jours (fixée par la commune)."
        in sections["Durées de conservation"]
    )
    assert any("argon2id" in line for line in sections["Mesures de sécurité"])
    # and it downloads as Markdown, printable HTML and a spreadsheet, as attachments
    markdown = await gql.http.get(register["markdownUrl"], headers=bearer(sophie))
    html = await gql.http.get(register["htmlUrl"], headers=bearer(sophie))
    csv = await gql.http.get(register["csvUrl"], headers=bearer(sophie))
    assert markdown.text.startswith("# Registre des activités de traitement — commune d'Igny")
    assert "## Durées de conservation" in markdown.text
    assert '<html lang="fr">' in html.text and "@page" in html.text
    assert csv.content.startswith("\ufeff".encode()) and "Rubrique;Contenu" in csv.text
    for reply in (markdown, html, csv):
        assert reply.status_code == 200
        assert reply.headers["content-disposition"].startswith(
            'attachment; filename="registre-igny-'
        )
        assert reply.headers["content-security-policy"] == "sandbox; default-src 'none'"


async def test_only_the_towns_dpo_and_admins_read_its_register(
    gql: GraphQLClient, world: World
) -> None:
    await with_dpo(world)
    for who, town, code in (
        ("louis", "igny", "FORBIDDEN"),
        ("sophie", "bievres", "FORBIDDEN"),
        ("ines", "nowhere", "NOT_FOUND"),
    ):
        reply = await gql(REGISTER, {"t": town}, token=world.token(who))
        assert reply.codes == [code], (who, town)
    assert (await gql(REGISTER, {"t": "bievres"}, token=world.token("ines"))).ok()
    refused = await gql.http.get("/privacy/register/igny.csv", headers=bearer(world.token("louis")))
    assert refused.status_code == 403
    unknown_kind = await gql.http.get(
        "/privacy/register/igny.pdf", headers=bearer(world.token("sophie"))
    )
    assert unknown_kind.status_code == 404


async def test_the_register_lists_the_configured_servers_and_never_a_secret(
    services: Services, world: World
) -> None:
    # given a hub configured with Keycloak, an OpenID provider, Redis, PostgreSQL with
    # credentials in their URLs
    settings = Settings(
        **{
            "env": Environment.TEST,
            "data_dir": services.settings.data_dir,
            "keycloak_url": "https://sso.agglo.example",
            "keycloak_client_secret": SecretStr("kc-secret-value"),
            "oidc_issuer": "https://sso.agglo.example/realms/entente",
            "redis_url": "redis://:redis-password@cache.agglo.example:6379/0",
            "database_url": "postgresql+asyncpg://hub:db-password@db.agglo.example/hub",
            "public_url": "https://hub.agglo.example",
            "caldav_url": "https://agendas.agglo.example/dav/",
        }
    )
    await with_dpo(world)
    # when Igny's register is written for it
    async with services.sessions() as session:
        built = await build_register(session, settings, world.towns["igny"], datetime.now(UTC))
    text = render(built, "md").decode("utf-8")
    # then the recipients are those servers, by host
    for host in (
        "sso.agglo.example",
        "cache.agglo.example:6379",
        "db.agglo.example",
        "agendas.agglo.example",
    ):
        assert host in text, host
    assert "Échanges chiffrés (HTTPS) et HSTS." in text
    # and no password or secret of the configuration shows
    for secret in ("kc-secret-value", "redis-password", "db-password"):
        assert secret not in text
