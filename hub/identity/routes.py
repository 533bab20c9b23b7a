"""Signing in and out of the portal: the local form (embedded mode) or OpenID Connect.

The OIDC flow is Authlib's (authorization code + PKCE S256, state and nonce checked, the ID
token verified against the provider's keys); the hub then opens its own session.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hub.audit.service import record
from hub.config import Settings
from hub.identity.invitations import invited_person
from hub.identity.linking import person_for_claims
from hub.identity.password_sign_in import sign_in_with_password
from hub.identity.principal import Principal
from hub.identity.sessions import COOKIE, LIFETIME, close_session, csrf_matches, open_session
from hub.identity.tokens import claims_of
from hub.people.models import Person
from hub.portal.templating import templates
from hub.services import Services

log = logging.getLogger(__name__)

FLOW_CSRF = "login_csrf"
INVITATION = "invitation"
PROVIDER = "sso"
NOT_INVITED = (
    "Aucun compte du service commun ne correspond ; "
    "demandez à votre administrateur de vous inviter."
)
WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."
TOO_MANY_ATTEMPTS = (
    "Trop de tentatives de connexion : patientez quelques minutes avant de réessayer."
)
INVITATION_USED = (
    "Ce lien d'invitation n'est plus valable ; demandez-en un nouveau à votre administrateur."
)


def safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def cookie_secure(settings: Settings) -> bool:
    """Secure everywhere but on loopback, where the demo runs on plain http."""
    parts = urlsplit(settings.base_url)
    return parts.scheme == "https" or parts.hostname not in LOOPBACK_HOSTS


def build_oauth(settings: Settings) -> OAuth | None:
    if settings.embedded_identity:
        return None
    assert settings.oidc_issuer is not None
    oauth = OAuth()
    oauth.register(
        PROVIDER,
        server_metadata_url=f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
        client_id=settings.oidc_client_id,
        client_secret=(
            settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        ),
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
    )
    return oauth


def auth_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/auth", include_in_schema=False)
    oauth = build_oauth(settings)

    def signed_in(services: Services, opened_cookie: str, target: str) -> Response:
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            opened_cookie,
            max_age=int(LIFETIME.total_seconds()),
            httponly=True,
            secure=cookie_secure(services.settings),
            samesite="lax",
            path="/",
        )
        return response

    def login_page(
        request: Request, *, error: str | None = None, username: str = "", status: int = 200
    ) -> Response:
        token = secrets.token_urlsafe(24)
        request.session[FLOW_CSRF] = token
        return templates.TemplateResponse(
            request,
            "login.html",
            {
                "csrf": token,
                "next": safe_next(request.query_params.get("next")),
                "error": error,
                "username": username,
            },
            status_code=status,
        )

    @router.get("/login")
    async def login(request: Request) -> Response:
        if oauth is None:
            return login_page(request)
        request.session["next"] = safe_next(request.query_params.get("next"))
        client: Any = oauth.create_client(PROVIDER)
        redirect: Response = await client.authorize_redirect(
            request, f"{settings.base_url}/auth/callback"
        )
        return redirect

    @router.post("/login")
    async def login_form(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        if oauth is not None:
            return RedirectResponse("/auth/login", status_code=303)
        expected = request.session.pop(FLOW_CSRF, None)
        if not expected or not csrf_matches(expected, csrf):
            return login_page(request, error="La page a expiré ; réessayez.", status=400)
        services: Services = request.app.state.services
        address = request.client.host if request.client else None
        outcome = await sign_in_with_password(services, username, password, address)
        if outcome.retry_after is not None:
            limited = login_page(request, error=TOO_MANY_ATTEMPTS, username=username, status=429)
            limited.headers["Retry-After"] = str(outcome.retry_after)
            return limited
        if outcome.opened is None:
            return login_page(request, error=WRONG_CREDENTIALS, username=username, status=401)
        return signed_in(services, outcome.opened.cookie, safe_next(next))

    @router.get("/callback")
    async def callback(request: Request) -> Response:
        if oauth is None:
            return RedirectResponse("/auth/login", status_code=303)
        services: Services = request.app.state.services
        client: Any = oauth.create_client(PROVIDER)
        try:
            token = await client.authorize_access_token(request)
            info = dict(token.get("userinfo") or {})
            if "preferred_username" not in info and "email" not in info:
                info.update(await client.userinfo(token=token))
        except OAuthError as exc:
            log.info("sign-in refused by the provider: %s", exc)
            return _refused(request, "La connexion a été refusée ; réessayez.")
        claims = claims_of(info)
        invitation = request.session.pop(INVITATION, None)
        async with services.sessions() as session:
            person = await person_for_claims(
                session, claims, services.link_rules, invitation=invitation
            )
            if person is None or not person.active:
                record(
                    session,
                    None,
                    "session.refused",
                    claims.sub,
                    outcome="UNAUTHENTICATED",
                    details={"preferred_username": (claims.preferred_username or "")[:64]},
                )
                await session.commit()
                return _refused(request, INVITATION_USED if invitation else NOT_INVITED)
            opened = await open_session(session, person, id_token=token.get("id_token"))
            _audit_sign_in(session, person)
            await session.commit()
        return signed_in(services, opened.cookie, safe_next(request.session.pop("next", "/")))

    @router.get("/invitation/{secret}")
    async def follow_invitation(request: Request, secret: str) -> Response:
        """Remember the link in the sign-in flow, then sign in at the provider: the callback
        links whoever signs in there to the invited person (the link is used up only then)."""
        if oauth is None:
            return RedirectResponse("/auth/login", status_code=303)
        services: Services = request.app.state.services
        async with services.sessions() as session:
            person = await invited_person(session, secret)
        if person is None:
            return _refused(request, INVITATION_USED, status=410)
        request.session[INVITATION] = secret
        return RedirectResponse("/auth/login", status_code=303)

    @router.post("/logout")
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        services: Services = request.app.state.services
        async with services.sessions() as session:
            from hub.identity.sessions import find_session

            found = await find_session(session, request.cookies.get(COOKIE))
            if found is not None and not csrf_matches(found.csrf_token, csrf):
                return RedirectResponse("/", status_code=303)
            closed = await close_session(session, request.cookies.get(COOKIE))
        target = "/auth/login"
        if closed is not None and oauth is not None:
            target = await _provider_logout_url(oauth, settings, closed.id_token) or target
        response = RedirectResponse(target, status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return router


def _audit_sign_in(session: Any, person: Person) -> None:
    record(
        session,
        Principal(person.id, person.username, person.hub_admin),
        "session.open",
        person.username,
    )


def _refused(request: Request, message: str, *, status: int = 403) -> Response:
    page: Response = templates.TemplateResponse(
        request,
        "login.html",
        {"csrf": "", "next": "/", "error": message, "username": "", "sso": True},
        status_code=status,
    )
    return page


async def _provider_logout_url(
    oauth: OAuth, settings: Settings, id_token: str | None
) -> str | None:
    """RP-initiated logout when the provider offers it."""
    client: Any = oauth.create_client(PROVIDER)
    metadata = await client.load_server_metadata()
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {
        "post_logout_redirect_uri": f"{settings.base_url}/",
        "client_id": settings.oidc_client_id,
    }
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"
