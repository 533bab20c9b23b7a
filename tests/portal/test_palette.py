"""The portal's own palette: every colour it writes text in reaches WCAG 2.1 AA contrast, and
nothing is the State's "bleu France" (the DSFR's terms reserve it to the State)."""

from __future__ import annotations

import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "hub" / "portal"
CSS = (PORTAL / "static" / "portal.css").read_text(encoding="utf-8")
BLEU_FRANCE = ("#000091", "#6a6af4", "#e3e3fd", "rgb(0, 0, 145)")


def variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS, re.DOTALL)
    assert root is not None
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))


def luminance(colour: str) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_colours_reach_aa_on_every_background_they_are_used_on() -> None:
    colour = variables()
    pairs = [
        (text, ground)
        for text in ("ink", "muted", "accent", "error", "ok", "warn", "error-ink")
        for ground in ("paper", "ground", "header-ground")
    ]
    pairs += [
        ("accent-ink", "accent"),
        ("accent", "accent-ground"),
        ("error-ink", "error-ground"),
        ("ok-ink", "ok-ground"),
        ("warn-ink", "warn-ground"),
        ("ink", "error-ground"),
    ]
    pairs += [(f"town-{n}", ground) for n in range(12) for ground in ("paper", "ground")]
    weak = {
        f"{text} on {ground}": round(contrast(colour[text], colour[ground]), 2)
        for text, ground in pairs
        if contrast(colour[text], colour[ground]) < 4.5
    }
    assert weak == {}


def test_graphics_and_focus_reach_three_to_one() -> None:
    colour = variables()
    for name in ("focus", "agreed"):
        assert contrast(colour[name], colour["paper"]) >= 3, name


def test_no_bleu_france_anywhere_in_the_portal() -> None:
    texts = [CSS, *(p.read_text(encoding="utf-8") for p in (PORTAL / "templates").glob("*.html"))]
    found = [shade for shade in BLEU_FRANCE for text in texts if shade.lower() in text.lower()]
    assert found == []


def test_twelve_towns_get_twelve_distinct_colours() -> None:
    # a pooled manager in 12 towns: no two of her towns share a colour
    colour = variables()
    shades = [colour[f"town-{n}"].lower() for n in range(12)]
    assert len(set(shades)) == 12
    assert "town-11" in CSS.split(":root", 1)[1] and ".town-11 {" in CSS
