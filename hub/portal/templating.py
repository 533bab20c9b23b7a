"""Jinja2 templates with autoescaping, in the request's language, shared by every portal page."""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request

from hub.portal.dates import first_of, parse_instant
from hub.portal.i18n import language

# Folders, not Traversables: Jinja, Babel and Alembic read directories, and the wheel is
# installed unzipped, so files() is a real path there as in a checkout.
TEMPLATES = Path(str(files("hub.portal") / "templates"))

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
    # {% trans %} blocks find gettext/ngettext in each render's context (the request's language).
    extensions=["jinja2.ext.i18n"],
)


def _language(request: Request) -> dict[str, Any]:
    return language(request).functions()


templates = Jinja2Templates(env=environment, context_processors=[_language])
environment.filters["instant"] = parse_instant
environment.filters["month_day"] = first_of
environment.filters["day"] = date.fromisoformat
