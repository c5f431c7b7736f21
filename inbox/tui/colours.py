"""Colours that follow the chosen theme, and text that stays readable on a highlight.

The widgets draw their accents (kind badges, type tags, warnings, rules) in one dark
palette, written once where each is drawn. On a light theme those pale colours would
vanish into the background, so `LightColours` swaps each for a darker shade of the same
hue, every one at least 4.5:1 against the light theme's surfaces; Textual's own colours
come from the theme already. The swap is a line filter on the whole app, so every widget
follows the theme without knowing which one is chosen.
"""

from __future__ import annotations

from functools import lru_cache

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.color import Color as TextualColor
from textual.filter import LineFilter

LIGHT = {
    # text and accents: each >= 4.5:1 on #D0D0D0, the darkest light surface (panel)
    "#e5c07b": "#6f5016", "#e6c07b": "#705015", "#e06c75": "#a5232d", "#61afef": "#0f5894",
    "#98c379": "#405f2b", "#5fb3b3": "#2c5c5c", "#c678dd": "#8729a2", "#c586c0": "#7f3d7a",
    "#abb2bf": "#4d5665", "#8b949e": "#50575f", "#7fbf7f": "#306030", "#5c6370": "#505762",
    "#4f9cf7": "#0852aa", "#fc6d26": "#963302", "#f48024": "#874007",
    # lines and backgrounds, not text: a light shade instead of a dark one
    "#3e4451": "#a4a8b0", "#2c313a": "#e8e8e8",
}
"""Each colour of the dark palette, and the one a light theme draws instead."""

_LIGHT = {Color.parse(dark).triplet: Color.parse(light) for dark, light in LIGHT.items()}


def _swap(color: Color | None) -> Color | None:
    if color is None or color.triplet is None:
        return color
    return _LIGHT.get(color.triplet, color)


@lru_cache(maxsize=1024)
def light_style(style: Style) -> Style:
    """`style` with its dark-palette colours swapped for their light shades."""
    color, bgcolor = _swap(style.color), _swap(style.bgcolor)
    if color is style.color and bgcolor is style.bgcolor:
        return style
    return style + Style.from_color(color, bgcolor)


class LightColours(LineFilter):
    """Applied to every line drawn while a light theme is chosen (see the app)."""

    def apply(self, segments: list[Segment], background: TextualColor) -> list[Segment]:
        return [Segment(text, light_style(style), control) if style is not None else
                Segment(text, style, control) for text, style, control in segments]


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = color.get_truecolor()
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one: Color, other: Color) -> float:
    """The WCAG contrast ratio of two colours: 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


READABLE = 4.5
"""The contrast text needs (WCAG AA for normal text)."""


def readable(preferred: Color | None, background: Color) -> Color:
    """`preferred` if it reads on `background` (4.5:1 or more), else black or white,
    whichever reads better: one of them always does."""
    if preferred is not None and contrast(preferred, background) >= READABLE:
        return preferred
    black, white = Color.from_rgb(0, 0, 0), Color.from_rgb(255, 255, 255)
    return black if contrast(black, background) >= contrast(white, background) else white
