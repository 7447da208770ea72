"""Photo files on disk, outside the web root: settings.PHOTO_ROOT (VAR_DIR/photos by
default) / <clinic id> / <patient id> / <uuid>.jpg and <uuid>_thumb.jpg. Nothing here is
under STATIC_ROOT and there is no MEDIA_URL: the bytes leave only through the access gate."""

import contextlib
import os
import tempfile
import uuid
from pathlib import Path

from django.conf import settings


def root() -> Path:
    return Path(settings.PHOTO_ROOT)


def new_paths(patient) -> tuple[str, str]:
    """Fresh relative paths for a photo and its thumbnail."""
    name = uuid.uuid4().hex
    folder = f"{patient.clinic_id}/{patient.pk}"
    return f"{folder}/{name}.jpg", f"{folder}/{name}_thumb.jpg"


def full_path(relative: str) -> Path:
    """The absolute path of a stored file; refuses anything that would leave the root."""
    base = root().resolve()
    path = (base / relative).resolve()
    if not relative or path == base or base not in path.parents:
        raise ValueError("Not a photo path.")
    return path


def write(relative: str, data: bytes) -> None:
    """Write atomically: a temporary file in the same folder, flushed, then renamed over."""
    path = full_path(relative)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(relative: str) -> bytes:
    return full_path(relative).read_bytes()


def remove(relative: str) -> None:
    with contextlib.suppress(ValueError):
        full_path(relative).unlink(missing_ok=True)
