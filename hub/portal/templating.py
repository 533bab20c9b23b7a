"""Jinja2 templates with autoescaping and gettext, shared by every portal page."""

from __future__ import annotations

import gettext
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
    extensions=["jinja2.ext.i18n"],
)
environment.install_gettext_translations(gettext.NullTranslations(), newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=environment)
