"""`hub serve | demo | check | reconcile | migrate | purge | token | create-admin | invite |
schema`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from hub.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.people.models import Person

SCHEMA_PATH = Path("graphql/schema.graphql")
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hub", description="Entente, the shared-service hub.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve the hub (starts embedded backends if none is set)"
    )
    demo = commands.add_parser("demo", help="migrate, seed the demo territory and serve")
    for serving in (serve, demo):
        serving.add_argument(
            "--workers",
            type=int,
            choices=range(1, 65),
            metavar="N",
            help="worker processes (default HUB_WORKERS, 1)",
        )
    commands.add_parser(
        "check", help="check each configured backend and the OpenID provider (exit 1 on failure)"
    )
    reconcile = commands.add_parser(
        "reconcile",
        help="check every town against its backends (exit 1 when something drifted)",
    )
    reconcile.add_argument("--town", help="only this town (its slug)")
    reconcile.add_argument(
        "--repair",
        action="store_true",
        help="repair what can be repaired (exit 1 when something remains)",
    )
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser(
        "purge", help="delete the records older than each town's retention period (audited)"
    )
    token = commands.add_parser("token", help="print an access token (embedded mode only)")
    token.add_argument("username")
    admin = commands.add_parser("create-admin", help="create the first hub administrator")
    admin.add_argument("username")
    admin.add_argument("email")
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read a password for the portal's own sign-in form from stdin (embedded mode)",
    )
    invite = commands.add_parser(
        "invite", help="print a one-time link that links someone's provider account (SSO mode)"
    )
    invite.add_argument("username")
    schema = commands.add_parser("schema", help="write the GraphQL SDL")
    schema.add_argument("--output", type=Path, default=SCHEMA_PATH)
    args = parser.parse_args(argv)

    if args.command == "schema":
        return _write_schema(args.output)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"hub: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        if args.command == "check":
            return asyncio.run(_check(settings))
        if args.command == "reconcile":
            from hub.drift.command import reconcile_command

            return reconcile_command(settings, town=args.town, repair=args.repair)
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            print("database is up to date")
        elif args.command == "purge":
            print(asyncio.run(_purge(settings)))
        elif args.command == "token":
            print(asyncio.run(_token(settings, args.username)))
        elif args.command == "create-admin":
            password = _read_password(settings) if args.password_stdin else None
            asyncio.run(_create_admin(settings, args.username, args.email, password))
        elif args.command == "invite":
            asyncio.run(_invite(settings, args.username))
        elif args.command in ("serve", "demo"):
            from hub.runner import run

            run(settings, demo=args.command == "demo", workers=args.workers)
    except UserError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"hub: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


class UserError(Exception):
    """A mistake on the command line, said in one line."""


def _write_schema(output: Path) -> int:
    from hub.gql.schema import build_schema

    text = build_schema(production=False).as_str() + "\n"
    if str(output) == "-":
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    return 0


async def _check(settings: Settings) -> int:
    """One line per finding; 1 if any failed. Backends left to ``hub serve``'s embedded
    servers are not started here: they are said to be skipped."""
    from connectors.checks import Level
    from hub.backends import Endpoints
    from hub.checks import run_checks
    from hub.embedded.stack import configured
    from hub.services import build_services

    caldav = configured(settings.caldav_url, settings.caldav_username, settings.caldav_password)
    webdav = configured(settings.webdav_url, settings.webdav_username, settings.webdav_password)
    for endpoint, variable, server in (
        (caldav, "HUB_CALDAV_URL", "Radicale"),
        (webdav, "HUB_WEBDAV_URL", "WsgiDAV"),
    ):
        if endpoint is None:
            print(f"skip  {variable} unset: hub serve starts an embedded {server}")
    services = build_services(settings, endpoints=Endpoints(caldav=caldav, webdav=webdav))
    try:
        findings = await run_checks(services)
    finally:
        await services.aclose()
    for finding in findings:
        print(finding.line())
    return 1 if any(f.level is Level.FAIL for f in findings) else 0


async def _migrate(settings: Settings) -> None:
    from hub.db.engine import make_engine
    from hub.db.migrate import upgrade

    engine = make_engine(settings.resolved_database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _purge(settings: Settings) -> str:
    from hub.backends import connect_directory
    from hub.db.base import utcnow
    from hub.db.engine import make_engine, make_sessionmaker
    from hub.people.mandates import end_mandates, today
    from hub.privacy.retention import purge
    from hub.towns.repository import TownRepository

    engine = make_engine(settings.resolved_database_url)
    try:
        sessions = make_sessionmaker(engine)
        # Mandates that ended leave first, so their memberships count as ended for the purge.
        directory = connect_directory(settings, sessions)
        try:
            ended = await end_mandates(sessions, directory, settings.backend_timeout, today())
        finally:
            await directory.close()
        purged = await purge(sessions, settings, utcnow())
        async with sessions() as session:
            towns = {t.id: t.slug for t in await TownRepository(session).visible(None)}
    finally:
        await engine.dispose()
    per_town = ", ".join(
        f"{towns.get(town, town)} {count}" for town, count in sorted(purged.audit.items()) if count
    )
    return (
        f"purged {sum(purged.audit.values())} audit entries of towns"
        + (f" ({per_town})" if per_town else "")
        + f", {purged.other} other audit entries, {purged.sign_ins} sign-in records, "
        f"{purged.sessions} portal sessions, {purged.exports} expired exports; "
        f"{len(ended)} memberships ended with their mandate"
    )


async def _token(settings: Settings, username: str) -> str:
    from hub.identity.tokens import issue_local_token
    from hub.people.repository import PersonRepository
    from hub.services import build_services

    if not settings.embedded_identity:
        raise UserError("'hub token' works in embedded mode only; sign in through your provider")
    services = build_services(settings)
    try:
        async with services.sessions() as session:
            person = await PersonRepository(session).by_username(username)
        if person is None or not person.active:
            raise UserError(f"no active person named '{username}'")
        assert services.signing_key is not None
        return issue_local_token(
            services.signing_key,
            settings.base_url,
            settings.oidc_audience,
            person.id,
            person.username,
            timedelta(seconds=settings.token_ttl_seconds),
        )
    finally:
        await services.aclose()


MIN_PASSWORD = 12


def _read_password(settings: Settings) -> str:
    if not settings.embedded_identity:
        raise UserError("--password-stdin is for embedded mode; with SSO the provider signs in")
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    return password


async def _create_admin(
    settings: Settings, username: str, email: str, password: str | None
) -> None:
    from hub.errors import HubError
    from hub.identity.passwords import hash_password
    from hub.people.bootstrap import create_first_admin
    from hub.services import build_services

    services = build_services(settings)
    try:
        async with services.sessions() as session:
            hashed = await asyncio.to_thread(hash_password, password) if password else None
            person = await create_first_admin(session, username, email, hashed)
            print(f"created hub administrator {person.username} ({person.email})")
            if not settings.embedded_identity:
                await _print_invitation(settings, session, person)
    except HubError as exc:
        raise UserError(exc.message) from None
    finally:
        await services.aclose()


async def _invite(settings: Settings, username: str) -> None:
    from hub.errors import HubError
    from hub.people.repository import PersonRepository
    from hub.services import build_services

    if settings.embedded_identity:
        raise UserError("'hub invite' is for SSO mode; in embedded mode give a password instead")
    services = build_services(settings)
    try:
        async with services.sessions() as session:
            person = await PersonRepository(session).by_username(username)
            if person is None:
                raise UserError(f"no person named '{username}'")
            await _print_invitation(settings, session, person)
    except HubError as exc:
        raise UserError(exc.message) from None
    finally:
        await services.aclose()


async def _print_invitation(settings: Settings, session: AsyncSession, person: Person) -> None:
    from hub.identity.invitations import issue_invitation

    issued = await issue_invitation(
        session,
        person,
        base_url=settings.base_url,
        ttl=timedelta(hours=settings.invitation_ttl_hours),
    )
    print(
        f"{person.username} links their account at the provider by signing in once through\n"
        f"  {issued.url}\n"
        f"(one use, until {issued.expires_at:%Y-%m-%d %H:%M} UTC; or sign in with a provider "
        f"account whose verified e-mail is {person.email})"
    )


if __name__ == "__main__":
    sys.exit(main())
