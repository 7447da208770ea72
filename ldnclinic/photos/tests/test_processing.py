import io
import struct
import zlib

import pytest
from PIL import Image

from ldnclinic.photos.processing import (
    THUMB_SIZE,
    PhotoError,
    accepted_formats,
    process_photo,
    read_capped,
)
from ldnclinic.photos.tests.factories import image_bytes


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (180, 120, 100))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    gps = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    exif[0x8825] = gps
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-location</x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, xmp=xmp, comment=b"taken at home")
    return out.getvalue()


def png_declaring(width, height) -> bytes:
    """A PNG whose header claims width × height but has almost no data."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 10))
        + chunk(b"IEND", b"")
    )


def test_it_reencodes_a_jpeg():
    result = process_photo(image_bytes("JPEG", (1000, 800)))
    image = Image.open(io.BytesIO(result.image))
    assert image.format == "JPEG"
    assert (result.width, result.height) == (1000, 800) == image.size
    assert result.source_format == "JPEG"
    assert len(result.sha256) == 64


def test_it_strips_exif_gps_xmp_and_comment_and_turns_upright():
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the input has GPS
    result = process_photo(data)
    for blob in (result.image, result.thumb):
        image = Image.open(io.BytesIO(blob))
        assert dict(image.getexif()) == {}
        assert not image.getexif().get_ifd(0x8825)
        for key in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"):
            assert key not in image.info
        assert b"Exif" not in blob
        assert b"secret-location" not in blob
        assert b"PhoneMaker" not in blob
        assert b"taken at home" not in blob
    # Orientation 6: the 800×600 landscape pixels are shown as a 600×800 portrait.
    assert (result.width, result.height) == (600, 800)


def test_it_drops_an_icc_profile():
    image = Image.new("RGB", (100, 100), "red")
    out = io.BytesIO()
    image.save(out, "JPEG", icc_profile=b"\0" * 128 + b"fake-icc-profile")
    result = process_photo(out.getvalue())
    assert "icc_profile" not in Image.open(io.BytesIO(result.image)).info


def test_it_accepts_a_png_with_transparency():
    result = process_photo(image_bytes("PNG", (300, 200), alpha=True))
    image = Image.open(io.BytesIO(result.image))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert result.source_format == "PNG"


def test_it_accepts_webp():
    assert "WEBP" in accepted_formats()
    assert process_photo(image_bytes("WEBP", (200, 200))).source_format == "WEBP"


def test_it_makes_a_thumbnail():
    result = process_photo(image_bytes("JPEG", (1600, 1200)))
    thumb = Image.open(io.BytesIO(result.thumb))
    assert max(thumb.size) == THUMB_SIZE
    assert thumb.size == (320, 240)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(image_bytes("JPEG")[:400], id="truncated-jpeg"),
        pytest.param(bytes(range(256)) * 40, id="random-bytes"),
        pytest.param(b"Dear doctor, this is not a photo.\n" * 20, id="text-named-jpg"),
        pytest.param(image_bytes("GIF", (50, 50)), id="gif-not-accepted"),
        pytest.param(image_bytes("BMP", (50, 50)), id="bmp-not-accepted"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\0" * 100, id="jpeg-magic-only"),
        pytest.param(png_declaring(10, 10), id="png-without-pixels"),
    ],
)
def test_it_refuses_what_is_not_a_readable_image(data):
    with pytest.raises(PhotoError) as error:
        process_photo(data)
    assert error.value.code == "not_image"
    assert "could not be read as a photo" in error.value.message


def test_it_refuses_a_decompression_bomb_from_its_header():
    with pytest.raises(PhotoError) as error:
        process_photo(png_declaring(50_000, 50_000))
    assert error.value.code == "too_many_pixels"


def test_it_refuses_just_over_its_own_pixel_limit():
    with pytest.raises(PhotoError) as error:
        process_photo(png_declaring(9_000, 9_000))
    assert error.value.code == "too_many_pixels"


def test_it_refuses_an_empty_file():
    with pytest.raises(PhotoError) as error:
        process_photo(b"")
    assert error.value.code == "empty"


def test_it_refuses_over_the_cap_before_decoding():
    with pytest.raises(PhotoError) as error:
        process_photo(b"\0" * 1001, max_bytes=1000)
    assert error.value.code == "too_large"
    assert "larger than" in error.value.message


def test_read_capped_refuses_a_declared_size_without_reading():
    class Stream:
        def read(self, n):  # pragma: no cover - must not be called
            raise AssertionError("read")

    with pytest.raises(PhotoError):
        read_capped(Stream(), 1000, declared_size=1001)


def test_read_capped_counts_what_it_reads():
    with pytest.raises(PhotoError):
        read_capped(io.BytesIO(b"x" * 1001), 1000)
    assert read_capped(io.BytesIO(b"x" * 1000), 1000) == b"x" * 1000


def test_any_pillow_error_becomes_a_photo_error(monkeypatch):
    from ldnclinic.photos import processing

    for exc in (ZeroDivisionError, struct.error, IndexError, SyntaxError, MemoryError):

        def explode(*args, exc=exc, **kwargs):
            raise exc("crafted")

        monkeypatch.setattr(processing.Image, "open", explode)
        with pytest.raises(PhotoError):
            process_photo(b"anything")
