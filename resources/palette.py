"""Colour data for the three themes (plain hex strings; widgets/theme.py turns them into a Qt palette).

The SLA state colours start from the Okabe-Ito palette (safe for the common colour-vision deficiencies):
on_track blue #0072B2, at_risk orange #E69F00, urgent vermillion #D55E00, breached a dark wine/purple.
Text colours are darkened or lightened versions of those hues so each fg/bg pair keeps at least WCAG AA
contrast (high-contrast: AAA); tests/qt/test_theme.py checks it. Urgent (the last minutes of what can still
be saved) is the strongest cell: solid orange with dark text, distinct from the pale at-risk and on-track
tints and from the dark breached wine, in grayscale too (light grey / mid grey / near black). Colour never
stands alone: each state also has its own icon shape and words.
"""

from __future__ import annotations

SLA_STATES = ("on_track", "at_risk", "urgent", "breached")

# Per state: text colour, cell background, icon fill, icon outline/mark.
THEMES: dict[str, dict[str, str | dict[str, tuple[str, str, str, str]]]] = {
    "light": {
        "window": "#F3F4F6",
        "base": "#FFFFFF",
        "alt_base": "#F7F8FA",
        "text": "#1F2328",
        "muted": "#59636E",
        "highlight": "#CFE3F7",
        "highlight_text": "#0B1F33",
        "grid": "#E3E6EA",
        "button": "#ECEEF1",
        "tooltip_base": "#FFFFF0",
        "tooltip_text": "#1F2328",
        "link": "#0060A0",
        "focus": "#0072B2",
        "states": {
            "on_track": ("#005A8E", "#E8F1F9", "#0072B2", "#FFFFFF"),
            "at_risk": ("#7A4E00", "#FCF1D6", "#E69F00", "#1F2328"),
            "urgent": ("#1A0F00", "#F28A1E", "#7A2E00", "#FFFFFF"),  # strong: what can still be saved
            "breached": ("#FFFFFF", "#7B1F50", "#7B1F50", "#FFFFFF"),
        },
    },
    "dark": {
        "window": "#1B1E23",
        "base": "#202328",
        "alt_base": "#25292F",
        "text": "#D9DDE3",
        "muted": "#9AA3AD",
        "highlight": "#2F4A66",
        "highlight_text": "#F2F5F8",
        "grid": "#30353C",
        "button": "#2A2E35",
        "tooltip_base": "#2A2E35",
        "tooltip_text": "#E6E9ED",
        "link": "#7FBFEA",
        "focus": "#56B4E9",
        "states": {
            "on_track": ("#8CC8F0", "#1C2B3A", "#56B4E9", "#10151B"),
            "at_risk": ("#F2C14E", "#352C1A", "#E69F00", "#10151B"),
            "urgent": ("#10151B", "#F0843C", "#5A2200", "#FFFFFF"),
            "breached": ("#FFFFFF", "#6A2450", "#B84F88", "#FFFFFF"),
        },
    },
    "high_contrast": {
        "window": "#000000",
        "base": "#000000",
        "alt_base": "#0D0D0D",
        "text": "#FFFFFF",
        "muted": "#E0E0E0",
        "highlight": "#FFFF00",
        "highlight_text": "#000000",
        "grid": "#8C8C8C",
        "button": "#000000",
        "tooltip_base": "#000000",
        "tooltip_text": "#FFFFFF",
        "link": "#80D0FF",
        "focus": "#FFFF00",
        "states": {
            "on_track": ("#9ED8FF", "#000000", "#56B4E9", "#000000"),
            "at_risk": ("#000000", "#F0E442", "#000000", "#F0E442"),
            "urgent": ("#000000", "#FF9F4A", "#000000", "#FF9F4A"),
            "breached": ("#FFFFFF", "#6A0040", "#FFFFFF", "#6A0040"),
        },
    },
}

# Channel glyph backgrounds: muted so that they never compete with the SLA colours.
CHANNEL_TINTS = {
    "x": "#3B3F45",
    "facebook": "#3B5B9A",
    "messenger": "#4A5FB0",
    "instagram": "#8A4A7A",
    "whatsapp": "#2E7D5B",
    "linkedin": "#2F6690",
    "tiktok": "#454A52",
}
CHANNEL_TINT_UNKNOWN = "#6B737D"
