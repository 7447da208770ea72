"""Reading an uploaded photo safely: pure Python and Pillow, no Django.

The upload is refused over the size cap before anything decodes it; any error Pillow raises
on a crafted or broken file (it raises many kinds) becomes one PhotoError. What is kept is a
fresh JPEG of the pixels only, turned upright from the EXIF orientation: no EXIF, GPS, XMP,
ICC profile or comment survives, and a thumbnail is made alongside."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Phone cameras take 12–50 megapixels; past this a file is a decompression bomb, refused
# from its header before any pixel is decoded.
MAX_PIXELS = 80_000_000
JPEG_QUALITY = 90
THUMB_SIZE = 320
THUMB_QUALITY = 80
# Pillow names; HEIF/HEIC only when a plugin (pillow-heif) has registered it.
WANTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")


class PhotoError(ValueError):
    """A refused upload. `code` is too_large, empty, not_image or too_many_pixels."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes
    thumb: bytes
    sha256: str
    width: int
    height: int
    source_format: str
    content_type: str = "image/jpeg"


def accepted_formats() -> tuple[str, ...]:
    Image.init()
    return tuple(name for name in WANTED_FORMATS if name in Image.OPEN)


def accepted_text() -> str:
    names = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC"}
    shown = [names[f] for f in accepted_formats()]
    return ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]


def too_large_message(max_bytes: int) -> str:
    return f"The photo is larger than {max_bytes // (1024 * 1024)} MB. Send a smaller one."


def read_capped(stream, max_bytes: int, declared_size: int | None = None) -> bytes:
    """At most `max_bytes` from a file-like object; PhotoError if there is more (checked
    from the declared size first, so a huge upload is not read)."""
    if declared_size is not None and declared_size > max_bytes:
        raise PhotoError("too_large", too_large_message(max_bytes))
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoError("too_large", too_large_message(max_bytes))
    return data


def process_photo(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ProcessedPhoto:
    if len(data) > max_bytes:
        raise PhotoError("too_large", too_large_message(max_bytes))
    if not data:
        raise PhotoError("empty", "The file is empty.")
    not_image = PhotoError(
        "not_image",
        f"This file could not be read as a photo. Upload a {accepted_text()} image.",
    )
    too_many = PhotoError(
        "too_many_pixels",
        f"The photo has too many pixels (at most {MAX_PIXELS // 1_000_000} megapixels).",
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own bomb limits; make that an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=accepted_formats()) as opened:
                source_format = opened.format or ""
                width, height = opened.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise too_many
                upright = ImageOps.exif_transpose(opened)
                pixels = _rgb(upright)
        image = _jpeg(pixels, JPEG_QUALITY)
        thumb_pixels = pixels.copy()
        thumb_pixels.thumbnail((THUMB_SIZE, THUMB_SIZE))
        thumb = _jpeg(thumb_pixels, THUMB_QUALITY)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many from None
    except Exception as error:  # noqa: BLE001 (any decoder error on a crafted file is a 400)
        raise not_image from error
    return ProcessedPhoto(
        image=image,
        thumb=thumb,
        sha256=hashlib.sha256(image).hexdigest(),
        width=pixels.width,
        height=pixels.height,
        source_format=source_format,
    )


def _rgb(image: Image.Image) -> Image.Image:
    """A new RGB image with the pixels only: transparency flattened onto white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        result = flat
    else:
        result = image.convert("RGB")
    # convert() copies .info (EXIF, ICC, XMP, comment); the JPEG writer reads some of it.
    result.info = {}
    return result


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()
