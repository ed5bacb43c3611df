"""Every code-highlighting colour reaches 4.5:1 on its background, in both themes, from the CSS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from webapp import code_style, vendor

SITE_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "site.css"
DARK_MEDIA = "@media (prefers-color-scheme: dark)"
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
HEX = r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b"


def blocks(css: str) -> dict[str, str]:
    """Split a stylesheet into its light part and its dark @media block."""
    start = css.index(DARK_MEDIA)
    body_start = css.index("{", start) + 1
    depth, end = 1, body_start
    while depth:
        depth += {"{": 1, "}": -1}.get(css[end], 0)
        end += 1
    return {"light": css[:start] + css[end:], "dark": css[body_start : end - 1]}


def declarations(block: str) -> list[tuple[str, dict[str, str]]]:
    """Return (selector, {property: value}) for each rule of a block without nested blocks."""
    block = re.sub(r"/\*.*?\*/", "", block, flags=re.S)
    block = re.sub(r"@media[^{]*\{", "", block)  # the light theme's own wrapper
    rules = []
    for selector, body in RULE.findall(block):
        properties = {}
        for declaration in body.split(";"):
            name, _, value = declaration.partition(":")
            if value.strip():
                properties[name.strip()] = value.strip()
        rules.append((selector.strip(), properties))
    return rules


def site_code_background(theme: str) -> str:
    """Return --code-bg of site.css for a theme."""
    block = blocks(SITE_CSS.read_text(encoding="utf-8"))[theme]
    return re.search(rf"--code-bg:\s*({HEX})", block).group(1)


def token_pairs(theme: str) -> list[tuple[str, str, str]]:
    """Return (selector, colour, background) for every coloured rule of the highlight CSS."""
    rules = declarations(blocks(vendor.pygments_css())[theme])
    code_background = next(
        props["background"] for selector, props in rules if selector == ".highlight"
    )
    pairs = []
    for selector, props in rules:
        colour = props.get("color")
        if not colour:
            continue
        background = props.get("background-color", "transparent")
        if background == "transparent":
            background = code_background
        pairs.append((selector, colour, background))
        # A highlighted line (hl_lines) keeps its tokens on its own tint.
        if selector.startswith(".highlight .") and "background-color" not in props:
            hll = next(props["background-color"] for s, props in rules if s == ".highlight .hll")
            pairs.append((f"{selector} on .hll", colour, hll))
    return pairs


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_token_colour_reaches_the_minimum_contrast(theme):
    pairs = token_pairs(theme)
    assert len(pairs) > 60  # comments, keywords, names, numbers, strings, line numbers...
    failing = [
        f"{selector}: {colour} on {background} is "
        f"{code_style.contrast_ratio(colour, background):.2f}:1"
        for selector, colour, background in pairs
        if code_style.contrast_ratio(colour, background) < 4.5
    ]
    assert not failing, "\n".join(failing)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_highlight_background_is_the_sites_code_background(theme):
    rules = declarations(blocks(vendor.pygments_css())[theme])
    background = next(props["background"] for selector, props in rules if selector == ".highlight")
    assert background.lower() == site_code_background(theme).lower()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("token", [".nn", ".mi", ".mf", ".c1", ".c", ".s2", ".k", ".nf"])
def test_tokens_readers_reported_are_readable(theme, token):
    colours = {selector: colour for selector, colour, _ in token_pairs(theme)}
    colour = colours[f".highlight {token}"]
    assert code_style.contrast_ratio(colour, site_code_background(theme)) >= 4.5


def test_the_light_theme_stays_out_of_dark_mode():
    # Otherwise a light rule the dark theme leaves out (bold, a colour) shows in dark mode.
    css = vendor.pygments_css()
    assert css.startswith("@media not all and (prefers-color-scheme: dark) {")
    assert css.count(DARK_MEDIA) == 1


def test_contrast_ratio_matches_wcag_examples():
    assert code_style.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert code_style.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert code_style.contrast_ratio("#fff", "#fff") == pytest.approx(1)


def test_readable_keeps_a_colour_that_already_passes_and_darkens_one_that_does_not():
    assert code_style.readable("#1c2026", ["#f4f2ec"], "#000000") == "#1c2026"
    fixed = code_style.readable("#60a0b0", ["#f4f2ec"], "#000000")
    assert fixed != "#60a0b0"
    assert code_style.contrast_ratio(fixed, "#f4f2ec") >= 4.5
    # and only just: one step less would fail, so the hue stays close to the original.
    assert code_style.contrast_ratio(fixed, "#f4f2ec") < 4.7
