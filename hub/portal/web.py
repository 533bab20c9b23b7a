"""A visit to a portal page: who is signed in, their GraphQL context, the page's language.

Pages that need a signed-in person take ``Visit`` as a dependency. A visitor without a session
is sent to the sign-in page; a state change without the session's CSRF token is refused; any
refusal or unexpected failure becomes a page in French, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from hub.errors import HubError, Unauthenticated
from hub.gql.context import Context
from hub.identity.sessions import COOKIE, find_session
from hub.identity.web import authenticate
from hub.portal.client import Answer, PortalClient, Problem
from hub.portal.i18n import N_, Language, language
from hub.portal.messages import explain, explain_all
from hub.portal.templating import templates
from hub.services import Services

log = logging.getLogger(__name__)
FLASH = "portal_flash"
# How a page whose main query was refused answers (the other codes are handled above)
REFUSAL_STATUS = {"BAD_INPUT": 400, "CONFLICT": 409, "TOO_LARGE": 413, "BACKEND_UNAVAILABLE": 502}


class SignInFirst(Exception):
    """No (valid) session: the visitor signs in, then comes back here."""


class Refused(Exception):
    """The page cannot be shown to this visitor; ``message`` is a catalogue message id, or a
    sentence already in the page's language."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


TOO_LARGE_FORM = N_(
    "Le formulaire envoyé est trop volumineux ; raccourcissez les textes et réessayez."
)


def error_page(request: Request, status: int, message: str) -> Response:
    flashes = request.session.pop(FLASH, []) if "session" in request.scope else []
    return templates.TemplateResponse(
        request,
        "error.html",
        {"message": language(request).gettext(message), "flashes": flashes, "status": status},
        status_code=status,
    )


class PortalRoute(APIRoute):
    """Turns the portal's exceptions into pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInFirst:
                target = request.url.path
                if request.method == "GET" and request.url.query:
                    target += "?" + request.url.query
                login = "/auth/login?" + urlencode({"next": target}, quote_via=quote)
                return RedirectResponse(login, status_code=303)
            except Refused as refusal:
                return error_page(request, refusal.status, refusal.message)
            except Exception:
                log.exception("portal page %s failed", request.url.path)
                return error_page(
                    request,
                    500,
                    "Une erreur inattendue s'est produite ; elle a été enregistrée. "
                    "Réessayez plus tard.",
                )

        return handle


@dataclass
class Visit:
    request: Request
    context: Context
    csrf: str
    language: Language
    client: PortalClient
    form: FormData | None = None

    @property
    def principal_hub_admin(self) -> bool:
        return self.context.principal.hub_admin

    async def run(self, name: str, variables: dict[str, Any] | None = None) -> Answer:
        return await self.client.execute(self.context, name, variables)

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def render(self, template: str, values: dict[str, Any], status: int = 200) -> Response:
        flashes = self.request.session.pop(FLASH, []) if "session" in self.request.scope else []
        page = {"csrf": self.csrf, "flashes": flashes, "path": self.request.url.path, **values}
        return templates.TemplateResponse(self.request, template, page, status_code=status)

    def flash(self, message: str, kind: str = "success") -> None:
        """A message (already in the page's language) shown once on the next page."""
        self.request.session.setdefault(FLASH, [])
        self.request.session[FLASH] = [*self.request.session[FLASH], [kind, message]]

    def done(self, target: str, message: str | None = None, **values: Any) -> Response:
        if message is not None:
            self.flash(self.language.gettext(message, **values))
        return RedirectResponse(target, status_code=303)

    def failed(self, target: str, problems: list[Problem]) -> Response:
        for text in explain_all(problems, self.language):
            self.flash(text, "error")
        return RedirectResponse(target, status_code=303)

    def refuse_unless_ok(self, answer: Answer, *, missing: str | None = None) -> None:
        """For a page whose main query failed: the page becomes the refusal."""
        for problem in answer.problems:
            if problem.code == "UNAUTHENTICATED":
                raise SignInFirst
            if problem.code == "FORBIDDEN":
                raise Refused(403, "Vous n'avez pas accès à cette page.")
            if problem.code == "NOT_FOUND":
                raise Refused(404, missing or "Cette page n'existe pas.")
        if answer.problems:
            first = answer.problems[0]
            raise Refused(REFUSAL_STATUS.get(first.code, 500), explain(first, self.language))

    def explain(self, problems: list[Problem]) -> list[str]:
        return explain_all(problems, self.language)


FormReader = Callable[[Request], Awaitable[FormData | None]]


async def whole_form(request: Request) -> FormData | None:
    return await request.form() if request.method == "POST" else None


def visiting(
    client: PortalClient, read_form: FormReader = whole_form
) -> Callable[[Request], AsyncIterator[Visit]]:
    """The dependency that opens a visit (and its database session) for one request.

    ``read_form`` reads what the CSRF check needs; an upload reads only its leading fields
    and leaves the files in the body, to be streamed (``hub.portal.files``)."""

    async def dependency(request: Request) -> AsyncIterator[Visit]:
        services: Services = request.app.state.services
        form = await read_form(request)
        given = form.get("csrf") if form is not None else None
        async with services.sessions() as session:
            try:
                principal = await authenticate(
                    request, session, services, csrf=given if isinstance(given, str) else ""
                )
            except Unauthenticated as exc:
                raise SignInFirst from exc
            except HubError as exc:
                raise Refused(403, "Cette page a expiré ; rechargez-la et réessayez.") from exc
            found = await find_session(session, request.cookies.get(COOKIE))
            if principal is None or found is None:
                raise SignInFirst
            csrf = found.csrf_token
            # Authentication only read: each operation starts on a fresh transaction.
            await session.rollback()
            yield Visit(
                request=request,
                context=Context(session, principal, services),
                csrf=csrf,
                language=language(request),
                client=client,
                form=form,
            )

    return dependency


__all__ = [
    "FormReader",
    "Refused",
    "SignInFirst",
    "Visit",
    "error_page",
    "explain",
    "visiting",
    "whole_form",
]
