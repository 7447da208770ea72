"""Checks for what a clinic brands its site with: colours that keep white text readable
(WCAG 2.x contrast) and a logo that is really an image, re-encoded so that no uploaded
byte is ever served."""

import io
import re

from PIL import Image, UnidentifiedImageError

HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MIN_CONTRAST = 4.5  # WCAG AA, normal text
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000
LOGO_BOX = (512, 512)
WHITE = "#ffffff"


def normalise_colour(value: str) -> str:
    """ "#1F5F8B" / "#abc" -> "#1f5f8b" / "#aabbcc"; ValueError otherwise."""
    value = (value or "").strip()
    if not HEX.match(value):
        raise ValueError("Give a colour as a hex code such as #164766.")
    value = value.lower()
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_colour(value: str) -> str:
    colour = normalise_colour(value)
    ratio = contrast_ratio(colour, WHITE)
    if ratio < MIN_CONTRAST:
        raise ValueError(
            f"White text on {colour} has a contrast of {ratio:.1f}:1; it needs at least "
            f"{MIN_CONTRAST}:1 to be readable. Choose a darker colour."
        )
    return colour


def reencode_logo(data: bytes) -> tuple[bytes, int, int]:
    """The logo as a fresh PNG at most 512 px a side: (png, width, height)."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValueError("The logo is larger than 2 MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > LOGO_MAX_PIXELS:
                raise ValueError("The logo has too many pixels.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValueError(
            "The logo is not an image this site can read (PNG, JPEG, GIF or WebP)."
        ) from None
    image.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), image.width, image.height
