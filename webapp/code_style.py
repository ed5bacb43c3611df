"""Build the code-highlighting stylesheet with every token readable on the code background.

Pygments' shipped styles were drawn for their own backgrounds and many token colours fall
below the 4.5:1 contrast that WCAG asks of text (comments, numbers, namespaces). Each theme
here starts from a Pygments style, moves every foreground colour toward black (light) or
white (dark) just far enough to reach the ratio on the site's code background, and keeps the
hue, so the palette still looks like its original.
"""

from __future__ import annotations

from pygments.formatters import HtmlFormatter
from pygments.style import Style
from pygments.styles import get_style_by_name

MIN_CONTRAST = 4.5
# The same colours as --code-bg in static/css/site.css (tests/test_code_contrast.py checks).
THEMES = {
    "light": {"base": "friendly", "background": "#f4f2ec", "highlight": "#fff4c2"},
    "dark": {"base": "github-dark", "background": "#1a1f24", "highlight": "#262d35"},
}


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(digit * 2 for digit in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a #rgb or #rrggbb colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable(colour: str, backgrounds: list[str], toward: str) -> str:
    """Return colour mixed toward `toward` just enough to reach MIN_CONTRAST on every background."""
    start, target = _rgb(colour), _rgb(toward)
    for step in range(101):
        share = step / 100
        mixed = "#" + "".join(
            f"{round(a + (b - a) * share):02x}" for a, b in zip(start, target, strict=True)
        )
        if all(contrast_ratio(mixed, background) >= MIN_CONTRAST for background in backgrounds):
            return mixed
    return toward


def _definition(ndef: dict) -> str:
    """Write a resolved Pygments token definition back as a style string."""
    words = ["noinherit"]
    words += [flag for flag in ("bold", "italic", "underline") if ndef[flag]]
    if ndef["color"]:
        words.append("#" + ndef["color"])
    if ndef["bgcolor"]:
        words.append("bg:#" + ndef["bgcolor"])
    if ndef["border"]:
        words.append("border:#" + ndef["border"])
    return " ".join(words)


def accessible_style(theme: str) -> type[Style]:
    """Return a Pygments style for a theme whose every colour meets MIN_CONTRAST."""
    settings = THEMES[theme]
    base = get_style_by_name(settings["base"])
    background, highlight = settings["background"], settings["highlight"]
    toward = "#000000" if theme == "light" else "#ffffff"
    styles = {}
    for token, ndef in base:
        ndef = dict(ndef)
        if ndef["color"]:
            # Highlighted lines (hl_lines) sit on their own tint: stay readable on both.
            grounds = ["#" + ndef["bgcolor"]] if ndef["bgcolor"] else [background, highlight]
            ndef["color"] = readable("#" + ndef["color"], grounds, toward).lstrip("#")
        styles[token] = _definition(ndef)
    line_numbers = readable(base.line_number_color or "#666666", [background], toward)
    special = settings["background"] if theme == "dark" else "#ffffc0"
    return type(
        f"Readable{theme.title()}Style",
        (Style,),
        {
            "name": f"readable-{theme}",
            "background_color": background,
            "highlight_color": highlight,
            "line_number_color": line_numbers,
            "line_number_background_color": "transparent",
            "line_number_special_color": readable(line_numbers, [special], toward),
            "line_number_special_background_color": special,
            "styles": styles,
        },
    )


def stylesheet() -> str:
    """Return the code-highlighting CSS: one theme per colour scheme, light unless dark is asked."""
    light = HtmlFormatter(style=accessible_style("light")).get_style_defs(".highlight")
    dark = HtmlFormatter(style=accessible_style("dark")).get_style_defs(".highlight")
    # Each theme in its own block: a light rule the dark theme does not repeat (bold, a
    # colour) would otherwise leak into dark mode.
    return (
        f"@media not all and (prefers-color-scheme: dark) {{\n{light}\n}}\n"
        f"@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    )
